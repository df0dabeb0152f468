import Foundation
import RowBatch

/// The embedded queue: `job_request` rows as JSON lines in one file, for the `local` store (demo,
/// hermetic tests). Every operation holds an exclusive `flock` on `<file>.lock` and replaces the file
/// atomically, so several hosts on one machine may share it; leases use the wall clock.
final class LocalRequestQueue: RequestQueue {
    let path: String

    init(path: String) { self.path = path }

    private struct Row {
        var request: JobRequest
        var leaseExpires: Date?
    }

    /// Runs `body` on the rows under the lock; writes them back when it returns true.
    private func locked<T>(_ body: (inout [Row]) throws -> (T, Bool)) throws -> T {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.internal("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 { guard errno == EINTR else { throw HostError.internal("flock \(path).lock failed") } }
        var rows = try read()
        let (result, dirty) = try body(&rows)
        if dirty { try write(rows) }
        return result
    }

    private func read() throws -> [Row] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var rows: [Row] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let j: JSONValue
            do { j = try JSONParser.parse(String(line)) } catch {
                throw HostError.config("\(path) line \(n + 1) is not JSON: \(error)")
            }
            let lease = j["lease_expires_at"]?.string.flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
            rows.append(Row(request: try JobRequest(json: j), leaseExpires: lease))
        }
        return rows
    }

    private func write(_ rows: [Row]) throws {
        var text = ""
        for r in rows {
            guard case .object(var pairs) = r.request.json else { continue }
            if let l = r.leaseExpires { pairs.append(("lease_expires_at", .string(String(l.timeIntervalSince1970)))) }
            text += JSONValue.object(pairs).render() + "\n"
        }
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, path) == 0 else {
            throw HostError.internal("cannot write \(path)")
        }
    }

    private static func isPending(_ r: Row, now: Date, retryAfter: TimeInterval) -> Bool {
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
            rows[i] = Row(request: updated, leaseExpires: nil)
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
                throw HostError.config("request \(q.tag) / \(q.requestId) already exists in \(path)")
            }
            var q = q
            if q.dtJobSubmitted == nil { q.dtJobSubmitted = Timestamps.now() }
            if q.errMessage == nil { q.errMessage = "" }
            if q.executionTime == nil { q.executionTime = 0 }
            rows.append(Row(request: q, leaseExpires: nil))
            return ((), true)
        }
    }

    func list(jobId: String?) throws -> [JobRequest] {
        try locked { rows in (rows.map(\.request).filter { jobId == nil || $0.jobId == jobId }, false) }
    }
}

/// `yyyy-MM-dd HH:mm:ss.SSS` in UTC: how PostgreSQL prints the table's `timestamp` columns.
enum Timestamps {
    static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return f
    }()

    static func now() -> String { formatter.string(from: Date()) }

    /// The forms a stored timestamp takes, parsed with formatters made once (claims parse every row).
    static let parsers: [DateFormatter] = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SS", "yyyy-MM-dd HH:mm:ss.S"].map { format in
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }

    static func parse(_ s: String) -> Date? {
        if let d = formatter.date(from: s) { return d }
        for f in parsers { if let d = f.date(from: s) { return d } }
        return nil
    }

    /// The report-name date: yyyyMMdd in UTC+05:30 (upstream's wall clock, lern-exhaust-spec §2.8, Q34).
    static func reportDate(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 19800)
        f.dateFormat = "yyyyMMdd"
        return f.string(from: date)
    }
}
