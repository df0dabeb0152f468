import Foundation
import RowBatch

/// The queue in SQLite (`--requests sqlite:FILE`, the embedded store's file or one of its own): the
/// `job_request` rows in table `dp_job_request`, each row's JSON the record and beside it the columns
/// the queue selects on (job, status, attempts, dates, lease, duplicate key), indexed, so a claim,
/// a lease renewal or `stats` costs the same with 200,000 finished requests as with none. Every write
/// is one IMMEDIATE transaction (the write lock first), so several host processes on one machine take
/// turns, and a process killed at any instant leaves the queue as it was before that operation or
/// after it. A row whose JSON is not a request is moved, in the same transaction, to
/// `dp_job_request_quarantine` with its reason, said on stderr; every other request is served.
final class SQLiteRequestQueue: RequestQueue {
    static let table = "dp_job_request"
    static let quarantine = "dp_job_request_quarantine"
    /// The rows a claim may take; the partial index holds only them, so history costs nothing.
    static let waiting = "iteration < 3 AND status IN ('SUBMITTED', 'PROCESSING', 'FAILED')"
    static let columns: [(name: String, type: String)] = [
        ("job_id", "TEXT"), ("status", "TEXT"), ("iteration", "INTEGER"), ("submitted", "TEXT"), ("completed", "TEXT"),
        ("lease_owner", "TEXT"), ("lease_expires", "REAL"), ("batch_number", "INTEGER"), ("duplicate_hash", "TEXT"),
    ]

    let path: String
    private let db: SQLiteConnection
    private let writable: Bool

    /// `create: false` (reading commands): the file must exist, and nothing is created or changed in it.
    init(path: String, create: Bool = true) throws {
        self.path = path
        writable = create
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw HostError.config("request queue \(path) does not exist (a reading command never creates one)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        if create, !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        db = try SQLiteConnection(path, readOnly: !create)
        if create { try prepareSchema() } else { try checkSchema() }
    }

    // MARK: schema

    private func prepareSchema() throws {
        try transaction {
            try db.exec(
                """
                CREATE TABLE IF NOT EXISTS \(Self.table) (
                    seq INTEGER PRIMARY KEY, tag TEXT NOT NULL, request_id TEXT NOT NULL, row BLOB NOT NULL, UNIQUE (tag, request_id));
                CREATE TABLE IF NOT EXISTS \(Self.quarantine) (
                    seq INTEGER PRIMARY KEY, tag TEXT, request_id TEXT, row BLOB, reason TEXT NOT NULL, quarantined_at TEXT NOT NULL)
                """)
            let have = Set(try db.columns(of: Self.table))
            let missing = Self.columns.filter { !have.contains($0.name) }
            for c in missing { try db.exec("ALTER TABLE \(Self.table) ADD COLUMN \(c.name) \(c.type)") }
            try db.exec(
                """
                CREATE INDEX IF NOT EXISTS dp_job_request_waiting ON \(Self.table) (job_id, submitted, seq) WHERE \(Self.waiting);
                CREATE INDEX IF NOT EXISTS dp_job_request_stats ON \(Self.table) (job_id, status, iteration, submitted, completed)
                """)
            try backfill()
        }
    }

    private func checkSchema() throws {
        let have = Set(try db.columns(of: Self.table))
        guard have.contains("row") else { throw HostError.config("\(path) holds no request queue (no table \(Self.table))") }
        guard Self.columns.allSatisfy({ have.contains($0.name) }) else {
            throw HostError.config("request queue \(path) predates its indexed columns: any writing command (requests run or submit) upgrades it")
        }
    }

    /// Fills the indexed columns of rows that have none — a queue written before they existed, a row
    /// inserted by hand — from the row's JSON (quarantining what is not a request). Found by index.
    private func backfill() throws {
        for (seq, row) in try rows("SELECT seq, row FROM \(Self.table) WHERE job_id IS NULL") { try write(row, seq: seq) }
    }

    // MARK: reading and writing rows

    private func transaction<T>(_ body: () throws -> T) throws -> T {
        do { return try db.transaction(body) } catch let e as HostCallError {
            throw HostError.internal("request queue \(path): \(e.description)")
        }
    }

    /// The rows `sql` selects (its columns: seq, row), parsed; a row that is not a request is
    /// quarantined (read-only: skipped), said on stderr.
    private func rows(_ sql: String, _ binds: [JSONValue] = []) throws -> [(seq: Int64, row: QueuedRow)] {
        let select = try db.prepare(sql)
        for (i, v) in binds.enumerated() { try select.bind(Int32(i + 1), v) }
        var out: [(Int64, QueuedRow)] = [], bad: [(Int64, String)] = []
        while try select.step() {
            do { out.append((select.int(0), try QueuedRow(json: try JSONParser.parse(select.bytes(1))))) } catch {
                bad.append((select.int(0), "\(error)"))
            }
        }
        for (seq, why) in bad { try quarantine(seq, why) }
        return out
    }

    private func quarantine(_ seq: Int64, _ why: String) throws {
        let say = { (what: String) in
            FileHandle.standardError.write(Data("dataproducts: request queue \(self.path) row \(seq) is not a request (\(why)): \(what)\n".utf8))
        }
        guard writable else { return say("skipped") }
        let move = try db.prepare(
            "INSERT INTO \(Self.quarantine) (seq, tag, request_id, row, reason, quarantined_at) SELECT seq, tag, request_id, row, ?2, ?3 FROM \(Self.table) WHERE seq = ?1"
        )
        try move.bind(1, .int(seq))
        try move.bind(2, .string(why))
        try move.bind(3, .string(ISO8601DateFormatter().string(from: Date())))
        try move.run()
        let delete = try db.prepare("DELETE FROM \(Self.table) WHERE seq = ?1")
        try delete.bind(1, .int(seq))
        try delete.run()
        say("moved to \(Self.quarantine)")
    }

    /// The indexed columns' values of `row`, in `columns` order.
    private static func indexed(_ r: QueuedRow) -> [JSONValue] {
        let q = r.request
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            .string(q.jobId), .string(q.status), .int(Int64(q.iteration)), text(q.dtJobSubmitted), text(q.dtJobCompleted),
            text(q.leaseOwner), r.leaseExpires.map { .double($0.timeIntervalSince1970) } ?? .null,
            q.batchNumber.map { .int(Int64($0)) } ?? .null, .string(q.duplicateHash),
        ]
    }

    /// Stores `row` at `seq` (nil: a new row), its JSON and its indexed columns together.
    private func write(_ row: QueuedRow, seq: Int64?) throws {
        let names = Self.columns.map(\.name)
        let statement: SQLiteStatement
        if let seq {
            statement = try db.prepare(
                "UPDATE \(Self.table) SET row = ?1, \(names.enumerated().map { "\($1) = ?\($0 + 2)" }.joined(separator: ", ")) WHERE seq = ?\(names.count + 2)"
            )
            try statement.bind(Int32(names.count + 2), .int(seq))
        } else {
            statement = try db.prepare(
                "INSERT INTO \(Self.table) (row, \(names.joined(separator: ", ")), tag, request_id) VALUES (\((1...names.count + 3).map { "?\($0)" }.joined(separator: ", ")))"
            )
            try statement.bind(Int32(names.count + 2), .string(row.request.tag))
            try statement.bind(Int32(names.count + 3), .string(row.request.requestId))
        }
        var text = row.json.render()
        try text.withUTF8 { try statement.bindJSON(1, UnsafeRawBufferPointer($0)) }
        for (i, v) in Self.indexed(row).enumerated() { try statement.bind(Int32(i + 2), v) }
        try statement.run()
    }

    private func row(_ key: JobRequest.Key) throws -> (seq: Int64, row: QueuedRow)? {
        try rows("SELECT seq, row FROM \(Self.table) WHERE tag = ?1 AND request_id = ?2", [.string(key.tag), .string(key.requestId)]).first
    }

    /// The rows of `jobId` a claim may consider, in submission order (insertion order breaks ties).
    private func waiting(_ jobId: String, extra: String = "", _ binds: [JSONValue] = []) throws -> [(seq: Int64, row: QueuedRow)] {
        try rows(
            "SELECT seq, row FROM \(Self.table) WHERE job_id = ?1 AND \(Self.waiting)\(extra) ORDER BY coalesce(submitted, '~'), seq",
            [.string(jobId)] + binds)
    }

    // MARK: RequestQueue

    func claim(
        jobId: String, owner: String, lease: TimeInterval, retryAfter: TimeInterval, batchNumber: Int?,
        exclude: Set<JobRequest.Key>
    ) throws -> JobRequest? {
        try transaction {
            let now = Date()
            for (seq, var r) in try waiting(jobId)
            where !exclude.contains(r.request.key) && (batchNumber == nil || r.request.batchNumber == batchNumber)
                && r.isClaimable(now: now, retryAfter: retryAfter)
            {
                r.lease(to: owner, now: now, lease: lease)
                try write(r, seq: seq)
                return r.request
            }
            return nil
        }
    }

    func renew(_ key: JobRequest.Key, owner: String, lease: TimeInterval) throws -> Bool {
        try transaction {
            guard let (seq, held) = try row(key), held.request.leaseOwner == owner, held.request.status == JobRequest.Status.processing else {
                return false
            }
            var r = held
            r.leaseExpires = Date().addingTimeInterval(lease)
            try write(r, seq: seq)
            return true
        }
    }

    func finish(_ q: JobRequest, owner: String) throws -> Bool {
        try transaction {
            guard let (seq, r) = try row(q.key), r.request.leaseOwner == owner else { return false }
            try write(r.finished(with: q), seq: seq)
            return true
        }
    }

    func copyToDuplicates(of q: JobRequest, owner: String, retryAfter: TimeInterval) throws -> [JobRequest.Key] {
        try transaction {
            let now = Date()
            var keys: [JobRequest.Key] = []
            for (seq, var r) in try waiting(q.jobId, extra: " AND duplicate_hash = ?2", [.string(q.duplicateHash)])
            where r.request.key != q.key && r.isPending(now: now, retryAfter: retryAfter) {
                r.copyOutcome(of: q)
                try write(r, seq: seq)
                keys.append(r.request.key)
            }
            return keys
        }
    }

    func submit(_ q: JobRequest) throws {
        try transaction {
            guard try row(q.key) == nil else { throw HostError.config("request \(q.tag) / \(q.requestId) already exists in \(path)") }
            try write(QueuedRow(request: q.submittedDefaults(), leaseExpires: nil), seq: nil)
        }
    }

    func list(jobId: String?) throws -> [JobRequest] {
        let read = {
            try self.rows(
                "SELECT seq, row FROM \(Self.table)\(jobId == nil ? "" : " WHERE job_id = ?1") ORDER BY seq", jobId.map { [.string($0)] } ?? [])
        }
        return try (writable ? transaction(read) : read()).map(\.row.request)
    }

    /// Counted in the database from the indexed columns, in the stats index's order (no row's JSON
    /// is read, nothing sorted): one pass over the index, 0.19 s at 200,000 requests.
    func stats(now: Date) throws -> [JobQueueStats] {
        let since = Timestamps.formatter.string(from: now - JobQueueStats.window)
        let select = try db.prepare(
            """
            SELECT job_id, status, iteration, count(*), min(submitted),
                   sum(status = 'FAILED' AND completed >= ?1),
                   sum(completed >= ?1 AND ((status = 'SUCCESS' AND iteration >= 1) OR (status = 'FAILED' AND iteration >= 2)))
            FROM \(Self.table) GROUP BY job_id, status, iteration
            """)
        try select.bind(1, .string(since))
        var jobs: [String: JobQueueStats] = [:]
        while try select.step() {
            let job = select.text(0) ?? "", status = select.text(1) ?? "", gaveUp = select.int(2) >= 3, count = Int(select.int(3))
            var s = jobs[job] ?? JobQueueStats(job: job)
            s.byStatus[status, default: 0] += count
            let waits = status == JobRequest.Status.submitted || (status == JobRequest.Status.failed && !gaveUp)
            if waits, let oldest = select.text(4).flatMap(Timestamps.parse) { s.oldestWaiting = min(s.oldestWaiting ?? oldest, oldest) }
            s.failedRecently += Int(select.int(5))
            s.retriedRecently += Int(select.int(6))
            if status == JobRequest.Status.failed && gaveUp { s.givenUp += count }
            jobs[job] = s
        }
        return jobs.values.sorted { $0.job < $1.job }
    }
}
