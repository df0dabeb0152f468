import Foundation
import RowBatch

/// One queued request with its lease (`lease_expires_at`, seconds since 1970, in the stored row).
struct QueuedRow {
    var request: JobRequest
    var leaseExpires: Date?

    init(request: JobRequest, leaseExpires: Date?) {
        self.request = request
        self.leaseExpires = leaseExpires
    }

    init(json j: JSONValue) throws {
        request = try JobRequest(json: j)
        leaseExpires = j["lease_expires_at"]?.string.flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
    }

    var json: JSONValue {
        guard case .object(var pairs) = request.json else { return request.json }
        if let l = leaseExpires { pairs.append(("lease_expires_at", .string(String(l.timeIntervalSince1970)))) }
        return .object(pairs)
    }
}

/// Where the embedded queues keep their rows: `locked` runs `body` on all of them with every other
/// process shut out, and stores them when it returns true (or nothing, when it throws).
protocol QueueRowStorage: AnyObject {
    var name: String { get }
    func locked<T>(_ body: (inout [QueuedRow]) throws -> (T, Bool)) throws -> T
}

/// The embedded queues (JSON-lines file, SQLite): the queue rules of the PostgreSQL queue over rows
/// held by a storage; leases use the wall clock.
final class RowRequestQueue: RequestQueue {
    let storage: QueueRowStorage

    init(_ storage: QueueRowStorage) { self.storage = storage }

    private func locked<T>(_ body: (inout [QueuedRow]) throws -> (T, Bool)) throws -> T { try storage.locked(body) }

    private static func isPending(_ r: QueuedRow, now: Date, retryAfter: TimeInterval) -> Bool {
        guard r.request.iteration < 3, r.leaseExpires.map({ $0 < now }) ?? true else { return false }
        if r.request.status == JobRequest.Status.submitted { return true }
        guard r.request.status == JobRequest.Status.failed else { return false }
        guard let done = r.request.dtJobCompleted.flatMap(Timestamps.parse) else { return true }
        return done < now.addingTimeInterval(-retryAfter)
    }

    func claim(
        jobId: String, owner: String, lease: TimeInterval, retryAfter: TimeInterval, batchNumber: Int?,
        exclude: Set<JobRequest.Key>
    ) throws -> JobRequest? {
        try locked { rows in
            let now = Date()
            // Submission order; the file's order breaks ties (insertion order, like ctid).
            let order = rows.indices.sorted { (rows[$0].request.dtJobSubmitted ?? "~", $0) < (rows[$1].request.dtJobSubmitted ?? "~", $1) }
            for i in order {
                let r = rows[i]
                guard r.request.jobId == jobId, !exclude.contains(r.request.key),
                    batchNumber == nil || r.request.batchNumber == batchNumber
                else { continue }
                let expired =
                    r.request.status == JobRequest.Status.processing && r.request.iteration < 3
                    && (r.leaseExpires.map { $0 < now } ?? false)
                guard Self.isPending(r, now: now, retryAfter: retryAfter) || expired else { continue }
                rows[i].request.status = JobRequest.Status.processing
                rows[i].request.leaseOwner = owner
                rows[i].leaseExpires = now.addingTimeInterval(lease)
                return (rows[i].request, true)
            }
            return (nil, false)
        }
    }

    func renew(_ key: JobRequest.Key, owner: String, lease: TimeInterval) throws -> Bool {
        try locked { rows in
            guard let i = rows.firstIndex(where: { $0.request.key == key }), rows[i].request.leaseOwner == owner,
                rows[i].request.status == JobRequest.Status.processing
            else { return (false, false) }
            rows[i].leaseExpires = Date().addingTimeInterval(lease)
            return (true, true)
        }
    }

    func finish(_ q: JobRequest, owner: String) throws -> Bool {
        try locked { rows in
            guard let i = rows.firstIndex(where: { $0.request.key == q.key }), rows[i].request.leaseOwner == owner else {
                return (false, false)
            }
            var updated = q
            updated.leaseOwner = nil
            updated.dtFileCreated = rows[i].request.dtFileCreated
            updated.dtJobSubmitted = rows[i].request.dtJobSubmitted
            rows[i] = QueuedRow(request: updated, leaseExpires: nil)
            return (true, true)
        }
    }

    func copyToDuplicates(of q: JobRequest, owner: String, retryAfter: TimeInterval) throws -> [JobRequest.Key] {
        try locked { rows in
            let now = Date()
            var keys: [JobRequest.Key] = []
            for i in rows.indices
            where rows[i].request.jobId == q.jobId && rows[i].request.key != q.key
                && Self.isPending(rows[i], now: now, retryAfter: retryAfter) && rows[i].request.duplicateHash == q.duplicateHash
            {
                rows[i].request.status = q.status
                rows[i].request.downloadUrls = q.downloadUrls
                rows[i].request.executionTime = q.executionTime
                rows[i].request.dtJobCompleted = q.dtJobCompleted
                rows[i].request.processedBatches = q.processedBatches
                rows[i].request.iteration = q.iteration
                rows[i].request.errMessage = q.errMessage
                keys.append(rows[i].request.key)
            }
            return (keys, !keys.isEmpty)
        }
    }

    func submit(_ q: JobRequest) throws {
        try locked { rows in
            guard !rows.contains(where: { $0.request.key == q.key }) else {
                throw HostError.config("request \(q.tag) / \(q.requestId) already exists in \(storage.name)")
            }
            var q = q
            if q.dtJobSubmitted == nil { q.dtJobSubmitted = Timestamps.now() }
            if q.errMessage == nil { q.errMessage = "" }
            if q.executionTime == nil { q.executionTime = 0 }
            rows.append(QueuedRow(request: q, leaseExpires: nil))
            return ((), true)
        }
    }

    func list(jobId: String?) throws -> [JobRequest] {
        try locked { rows in (rows.map(\.request).filter { jobId == nil || $0.jobId == jobId }, false) }
    }
}
