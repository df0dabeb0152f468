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

    /// Waiting to run (the PostgreSQL queue's rule): SUBMITTED, or FAILED under three attempts and
    /// over `retryAfter` ago, and not under a live lease.
    func isPending(now: Date, retryAfter: TimeInterval) -> Bool {
        guard request.iteration < 3, leaseExpires.map({ $0 < now }) ?? true else { return false }
        if request.status == JobRequest.Status.submitted { return true }
        guard request.status == JobRequest.Status.failed else { return false }
        guard let done = request.dtJobCompleted.flatMap(Timestamps.parse) else { return true }
        return done < now.addingTimeInterval(-retryAfter)
    }

    /// What a claim may take: pending, or PROCESSING under an expired lease (its host died).
    func isClaimable(now: Date, retryAfter: TimeInterval) -> Bool {
        let expired =
            request.status == JobRequest.Status.processing && request.iteration < 3 && (leaseExpires.map { $0 < now } ?? false)
        return expired || isPending(now: now, retryAfter: retryAfter)
    }

    /// Claimed by `owner` until `now + lease`.
    mutating func lease(to owner: String, now: Date, lease: TimeInterval) {
        request.status = JobRequest.Status.processing
        request.leaseOwner = owner
        leaseExpires = now.addingTimeInterval(lease)
    }

    /// Takes `original`'s outcome (a duplicate request, §1.4).
    mutating func copyOutcome(of q: JobRequest) {
        request.status = q.status
        request.downloadUrls = q.downloadUrls
        request.executionTime = q.executionTime
        request.dtJobCompleted = q.dtJobCompleted
        request.processedBatches = q.processedBatches
        request.iteration = q.iteration
        request.errMessage = q.errMessage
    }

    /// `q`'s outcome recorded over this row, the lease released; its stored dates kept (Q5).
    func finished(with q: JobRequest) -> QueuedRow {
        var updated = q
        updated.leaseOwner = nil
        updated.dtFileCreated = request.dtFileCreated
        updated.dtJobSubmitted = request.dtJobSubmitted
        return QueuedRow(request: updated, leaseExpires: nil)
    }
}

extension JobRequest {
    /// A new request as the queue stores it: submitted now unless it says when, no message, no time spent.
    func submittedDefaults() -> JobRequest {
        var q = self
        if q.dtJobSubmitted == nil { q.dtJobSubmitted = Timestamps.now() }
        if q.errMessage == nil { q.errMessage = "" }
        if q.executionTime == nil { q.executionTime = 0 }
        return q
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
                    batchNumber == nil || r.request.batchNumber == batchNumber,
                    r.isClaimable(now: now, retryAfter: retryAfter)
                else { continue }
                rows[i].lease(to: owner, now: now, lease: lease)
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
            rows[i] = rows[i].finished(with: q)
            return (true, true)
        }
    }

    func copyToDuplicates(of q: JobRequest, owner: String, retryAfter: TimeInterval) throws -> [JobRequest.Key] {
        try locked { rows in
            let now = Date()
            var keys: [JobRequest.Key] = []
            for i in rows.indices
            where rows[i].request.jobId == q.jobId && rows[i].request.key != q.key
                && rows[i].isPending(now: now, retryAfter: retryAfter) && rows[i].request.duplicateHash == q.duplicateHash
            {
                rows[i].copyOutcome(of: q)
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
            rows.append(QueuedRow(request: q.submittedDefaults(), leaseExpires: nil))
            return ((), true)
        }
    }

    func list(jobId: String?) throws -> [JobRequest] {
        try locked { rows in (rows.map(\.request).filter { jobId == nil || $0.jobId == jobId }, false) }
    }
}
