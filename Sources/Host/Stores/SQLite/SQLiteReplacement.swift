import Foundation
import RowBatch

/// An SQLite table replaced in one transaction: BEGIN IMMEDIATE (the write lock, held to the end),
/// DELETE, the rows, COMMIT. Other connections read the old rows until the commit (WAL); an abort
/// or a crash leaves them. A table the store lacks is created (without a key, as the source's
/// columns), as the embedded store's tables always grew on first write.
final class SQLiteReplacement: TransactionalReplacement {
    private let db: SQLiteConnection
    private let insert: SQLiteStatement

    init(store: SQLiteStore, keyspace: String, table: String, columns: [Field]) throws {
        db = try SQLiteConnection(store.path, wal: store.wal)
        let q = SQLiteConnection.identifier
        try db.exec("BEGIN IMMEDIATE")
        do {
            try SQLiteStore.ensure(db, "\(keyspace).\(table)", columns: columns.map(\.name), key: [])
            try db.exec("DELETE FROM \(SQLiteStore.table(keyspace, table))")
            insert = try db.prepare(
                "INSERT INTO \(SQLiteStore.table(keyspace, table)) (\(columns.map { q($0.name) }.joined(separator: ", "))) VALUES ("
                    + (1...max(columns.count, 1)).map { "?\($0)" }.joined(separator: ", ") + ")")
        } catch {
            _ = try? db.exec("ROLLBACK")
            throw error
        }
        super.init(table: "\(keyspace).\(table)")
    }

    deinit { abort() }

    override func append(_ batch: BatchView) throws {
        for r in 0..<batch.count {
            for c in batch.fields.indices {
                let i = Int32(c + 1)
                if batch.isNull(c, r) {
                    try insert.bind(i, .null)
                    continue
                }
                switch batch.fields[c].type {
                case .utf8: _ = try batch.withUTF8(c, r) { try insert.bindText(i, $0) }
                case .json: _ = try batch.withUTF8(c, r) { try insert.bindJSON(i, $0) }
                default: try insert.bind(i, batch.jsonValue(c, r))
                }
            }
            try insert.run()
        }
    }

    override func finish() throws { try db.exec("COMMIT") }

    override func rollback() { _ = try? db.exec("ROLLBACK") }
}

extension SQLiteStore {
    func replace(keyspace: String, table: String, columns: [Field]) throws -> TableReplacement {
        try SQLiteReplacement(store: self, keyspace: keyspace, table: table, columns: columns)
    }

    /// The columns in table order, typed by the kinds their cells hold (columns are untyped):
    /// integers int64, integers and reals float64, JSON documents json, text (or a mix) utf8.
    func columns(keyspace: String, table: String) throws -> [Field] {
        let db = try open()
        let names = try db.columns(of: "\(keyspace).\(table)")
        guard !names.isEmpty else { throw HostCallError.notFound("table \(keyspace).\(table) not found in SQLite store \(path)") }
        let q = SQLiteConnection.identifier
        let kinds = ["integer", "real", "text", "blob"]
        let probes = names.flatMap { n in kinds.map { "max(typeof(\(q(n))) = '\($0)')" } }
        let s = try db.prepare("SELECT \(probes.joined(separator: ", ")) FROM \(Self.table(keyspace, table))")
        _ = try s.step()
        return names.enumerated().map { i, n in
            let has = kinds.indices.map { s.int(Int32(i * kinds.count + $0)) == 1 }
            let type: ColumnType
            switch (has[0], has[1], has[2], has[3]) {
            case (true, false, false, false): type = .int64
            case (_, true, false, false): type = .float64
            case (false, false, false, true): type = .json
            default: type = .utf8
            }
            return Field(n, type)
        }
    }
}
