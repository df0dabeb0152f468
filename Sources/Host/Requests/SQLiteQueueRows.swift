import Foundation
import RowBatch

/// The queue in SQLite (`--requests sqlite:FILE`, the embedded store's file or one of its own): the
/// `job_request` rows in table `dp_job_request`. Every operation is one IMMEDIATE transaction (the
/// write lock first), so several host processes on one machine take turns, and a process killed at
/// any instant leaves the queue as it was before that operation or after it, never between. A row
/// that is not a request (its JSON damaged) is moved, in the same transaction, to
/// `dp_job_request_quarantine` with its reason, said on stderr; every other request is served.
final class SQLiteQueueRows: QueueRowStorage {
    static let table = "dp_job_request"
    static let quarantine = "dp_job_request_quarantine"
    let path: String
    private let db: SQLiteConnection

    init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        db = try SQLiteConnection(path)
        try db.exec(
            """
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                seq INTEGER PRIMARY KEY, tag TEXT NOT NULL, request_id TEXT NOT NULL, row BLOB NOT NULL, UNIQUE (tag, request_id))
            """)
        try db.exec(
            """
            CREATE TABLE IF NOT EXISTS \(Self.quarantine) (
                seq INTEGER PRIMARY KEY, tag TEXT, request_id TEXT, row BLOB, reason TEXT NOT NULL, quarantined_at TEXT NOT NULL)
            """)
    }

    var name: String { path }

    func locked<T>(_ body: (inout [QueuedRow]) throws -> (T, Bool)) throws -> T {
        do {
            return try db.transaction {
                let read = try db.prepare("SELECT seq, row FROM \(Self.table) ORDER BY seq")
                var seqs: [Int64] = [], texts: [String] = [], rows: [QueuedRow] = []
                var bad: [(Int64, String)] = []
                while try read.step() {
                    let text = String(decoding: read.bytes(1), as: UTF8.self)
                    do {
                        rows.append(try QueuedRow(json: try JSONParser.parse(text)))
                        seqs.append(read.int(0))
                        texts.append(text)
                    } catch { bad.append((read.int(0), "\(error)")) }
                }
                for (seq, why) in bad { try quarantine(seq, why) }
                let (result, dirty) = try body(&rows)
                if dirty { try store(rows, seqs: seqs, texts: texts) }
                return result
            }
        } catch let e as HostCallError {
            throw HostError.internal("request queue \(path): \(e.description)")
        }
    }

    /// Moves row `seq` to the quarantine table (inside the caller's transaction) and says so.
    private func quarantine(_ seq: Int64, _ why: String) throws {
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
        FileHandle.standardError.write(
            Data("dataproducts: request queue \(path) row \(seq) is not a request (\(why)): moved to \(Self.quarantine)\n".utf8))
    }

    /// Writes back the rows that changed and inserts the new ones (rows are only ever appended).
    private func store(_ rows: [QueuedRow], seqs: [Int64], texts: [String]) throws {
        let update = try db.prepare("UPDATE \(Self.table) SET row = ?2 WHERE seq = ?1")
        let insert = try db.prepare("INSERT INTO \(Self.table) (tag, request_id, row) VALUES (?1, ?2, ?3)")
        for (i, row) in rows.enumerated() {
            var text = row.json.render()
            if i < seqs.count {
                guard text != texts[i] else { continue }
                try update.bind(1, .int(seqs[i]))
                try text.withUTF8 { try update.bindJSON(2, UnsafeRawBufferPointer($0)) }
                try update.run()
            } else {
                try insert.bind(1, .string(row.request.tag))
                try insert.bind(2, .string(row.request.requestId))
                try text.withUTF8 { try insert.bindJSON(3, UnsafeRawBufferPointer($0)) }
                try insert.run()
            }
        }
    }
}
