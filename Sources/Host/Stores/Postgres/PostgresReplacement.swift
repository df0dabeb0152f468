import Foundation
import RowBatch

/// A PostgreSQL table replaced in one transaction: TRUNCATE, then the rows through COPY (text
/// format, the fastest way in), then COMMIT. Until the commit readers wait on the table's lock and
/// then see the new rows; an abort or a lost connection rolls back to the old ones.
final class PostgresReplacement: TransactionalReplacement {
    private let conn: PGConnection
    private let types: [String?]
    private var buffer: [UInt8] = []

    init(conninfo: String, keyspace: String, table: String, columns: [Field]) throws {
        let conn = try PGConnection(conninfo)
        self.conn = conn
        let known = try PostgresStore.columnTypes(conn, keyspace: keyspace, table: table)
        guard !known.isEmpty else { throw HostCallError.notFound("table \(keyspace).\(table) does not exist in PostgreSQL") }
        for f in columns where known[f.name] == nil { throw HostCallError.invalid("\(keyspace).\(table) has no column \(f.name)") }
        types = columns.map { known[$0.name] }
        let t = conn.identifier(keyspace) + "." + conn.identifier(table)
        try conn.exec("BEGIN")
        do {
            try conn.exec("TRUNCATE \(t)")
            try conn.exec("COPY \(t) (\(columns.map { conn.identifier($0.name) }.joined(separator: ", "))) FROM STDIN")
        } catch {
            _ = try? conn.exec("ROLLBACK")
            throw error
        }
        super.init(table: "\(keyspace).\(table)")
        buffer.reserveCapacity(1 << 20)
    }

    deinit { abort() }

    override func append(_ batch: BatchView) throws {
        for r in 0..<batch.count {
            for (c, cell) in PostgresStore.writeParameters(batch, row: r, types: types).enumerated() {
                if c > 0 { buffer.append(0x09) }
                if let cell { PGConnection.appendCopyEscaped(cell, to: &buffer) } else { buffer.append(contentsOf: [0x5C, 0x4E]) }  // \N
            }
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { try flush() }
        }
    }

    override func finish() throws {
        try flush()
        try conn.endCopy(failing: nil)
        try conn.exec("COMMIT")
    }

    override func rollback() {
        _ = try? conn.endCopy(failing: "replacement abandoned")
        _ = try? conn.exec("ROLLBACK")
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try conn.putCopyData($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

extension PostgresStore {
    func replace(keyspace: String, table: String, columns: [Field]) throws -> TableReplacement {
        try PostgresReplacement(conninfo: conninfo, keyspace: keyspace, table: table, columns: columns)
    }

    /// The columns in table order: text and timestamps as utf8, integers int64, floating and
    /// numeric float64, boolean bool, json/jsonb and arrays json.
    func columns(keyspace: String, table: String) throws -> [Field] {
        let conn = try PGConnection(conninfo)
        let r = try conn.exec(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            [keyspace, table])
        guard r.rows > 0 else { throw HostCallError.notFound("table \(keyspace).\(table) does not exist in PostgreSQL") }
        return (0..<r.rows).map { i in
            let type: ColumnType
            switch r.string(i, 1)! {
            case "smallint", "integer", "bigint": type = .int64
            case "real", "double precision", "numeric": type = .float64
            case "boolean": type = .bool
            case "json", "jsonb", "ARRAY": type = .json
            default: type = .utf8
            }
            return Field(r.string(i, 0)!, type)
        }
    }
}
