import Foundation
import PluginAPI
import RowBatch

/// ABI 1.9 on the embedded user cache (`--redis sqlite:FILE`): database nil is the table readers use
/// (`dp_user_cache`), database n the table `dp_user_cache_<n>`. A merge upserts each hash, its fields
/// patched into the stored object (HSET); a refresh fills a staging table and, at commit, drops the
/// old table and renames the staging one in one transaction — readers (WAL snapshots) see the old
/// cache or the new one, never a half-built one.
final class SQLiteCacheMaintenance: CacheMaintenance {
    let path: String
    private let db: SQLiteConnection

    init(path: String) throws {
        self.path = path
        db = try SQLiteConnection(path)
    }

    static func table(_ db: Int?) -> String { db.map { "\(SQLiteUserCache.table)_\($0)" } ?? SQLiteUserCache.table }

    func scan(db number: Int?, pattern: String, fields: [String], count: Int, emit: (BatchBuilder) throws -> Void) throws {
        let table = Self.table(number)
        guard !(try db.columns(of: table)).isEmpty else { return }  // no such database yet: nothing in it
        let schema = [Field("key", .utf8)] + (fields.isEmpty ? [Field("fields", .json)] : fields.map { Field($0, .utf8) })
        let builder = BatchBuilder(fields: schema)
        let wanted = fields.map { Array($0.utf8) }
        // A connection of its own: the job may write (another table) while this scan runs.
        let reader = try SQLiteConnection(path)
        let select = try reader.prepare("SELECT key, fields FROM \(SQLiteConnection.identifier(table)) WHERE key GLOB ?1")
        try select.bind(1, .string(pattern))
        defer { select.reset() }
        while try select.step() {
            builder.set(0, .string(select.text(0) ?? ""))
            if fields.isEmpty {
                let hash = try JSONParser.parse(select.bytes(1))
                builder.set(1, hash.objectPairs?.isEmpty == false ? .json(hash.render()) : .null)
            } else {
                for (j, v) in try JSONParser.project(select.bytes(1), keys: wanted).enumerated() {
                    builder.set(j + 1, v.isNull ? .null : .string(v.string ?? v.render()))
                }
            }
            builder.endRow()
            if builder.count >= max(count, 1) { try emit(builder) }
        }
        if builder.count > 0 { try emit(builder) }
    }

    func openWriter(db number: Int?, refresh: Bool) throws -> CacheWriter {
        let target = Self.table(number)
        let table = refresh ? target + "_staging" : target
        if refresh { try db.exec("DROP TABLE IF EXISTS \(SQLiteConnection.identifier(table))") }
        try db.exec("CREATE TABLE IF NOT EXISTS \(SQLiteConnection.identifier(table)) (key TEXT PRIMARY KEY, fields BLOB) WITHOUT ROWID")
        return SQLiteCacheWriter(db: db, table: table, renameTo: refresh ? target : nil)
    }
}

final class SQLiteCacheWriter: CacheWriter {
    let db: SQLiteConnection
    let table: String
    /// For a refresh: the table the staging one replaces at commit.
    let renameTo: String?
    private var hashes = 0

    init(db: SQLiteConnection, table: String, renameTo: String?) { (self.db, self.table, self.renameTo) = (db, table, renameTo) }

    func write(_ batch: BatchView) throws {
        guard let keyColumn = batch.column(named: "key"), batch.fields[keyColumn].type == .utf8 else {
            throw HostCallError.invalid("cache_write: the batch needs a utf8 column named \"key\"")
        }
        let t = SQLiteConnection.identifier(table)
        // HSET: the written fields patched over the stored ones (json_patch takes text, the cell is a BLOB).
        let upsert = try db.prepare(
            "INSERT INTO \(t) (key, fields) VALUES (?1, CAST(?2 AS BLOB)) ON CONFLICT(key) DO UPDATE SET fields = CAST(json_patch(CAST(fields AS TEXT), CAST(excluded.fields AS TEXT)) AS BLOB)"
        )
        try db.transaction {
            for row in 0..<batch.count {
                guard let key = batch.string(keyColumn, row) else { throw HostCallError.invalid("cache_write: row \(row) has a null key") }
                var pairs: [(String, JSONValue)] = []
                for c in batch.fields.indices where c != keyColumn && !batch.isNull(c, row) {
                    let text = batch.fields[c].type == .float64 ? NumberText.java(batch.double(c, row)!) : batch.string(c, row)!
                    pairs.append((batch.fields[c].name, .string(text)))
                }
                guard !pairs.isEmpty else { continue }
                try upsert.bind(1, .string(key))
                try upsert.bind(2, .string(JSONValue.object(pairs).render()))
                try upsert.run()
                hashes += 1
            }
        }
    }

    func delete(_ keys: [String]) throws {
        let del = try db.prepare("DELETE FROM \(SQLiteConnection.identifier(table)) WHERE key = ?1")
        try db.transaction {
            for key in keys {
                try del.bind(1, .string(key))
                try del.run()
            }
        }
    }

    func commit() throws -> Int {
        if let target = renameTo {
            try db.transaction {
                try db.exec("DROP TABLE IF EXISTS \(SQLiteConnection.identifier(target))")
                try db.exec("ALTER TABLE \(SQLiteConnection.identifier(table)) RENAME TO \(SQLiteConnection.identifier(target))")
            }
        }
        return hashes
    }

    func abort() {
        if renameTo != nil { _ = try? db.exec("DROP TABLE IF EXISTS \(SQLiteConnection.identifier(table))") }
    }
}
