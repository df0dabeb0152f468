import Foundation
import RowBatch

/// Upserts and deletes (ABI table_upsert / table_delete): one transaction per batch, so a failed
/// batch changes nothing and another process sees all of it or none.
extension SQLiteStore {
    /// Each row of `batch` by `key`: an existing row gets the batch's columns (a null clears one),
    /// a new row is inserted. A table or column the store lacks is created, as JSON-lines tables grew.
    func upsert(keyspace: String, table: String, key: [String], batch: BatchView) throws {
        let db = try SQLiteConnection(path)
        let names = batch.fields.map(\.name)
        for k in key where !names.contains(k) { throw HostCallError.invalid("upsert into \(keyspace).\(table): key column \(k) is not in the batch") }
        try db.transaction {
            try Self.ensure(db, "\(keyspace).\(table)", columns: names, key: key)
            let t = Self.table(keyspace, table), q = SQLiteConnection.identifier
            let others = names.filter { !key.contains($0) }
            let match = key.map { "\(q($0)) IS ?\(names.firstIndex(of: $0)! + 1)" }.joined(separator: " AND ")
            let update = try db.prepare(
                others.isEmpty
                    ? "SELECT 1 FROM \(t) WHERE \(match)"
                    : "UPDATE \(t) SET \(others.map { "\(q($0)) = ?\(names.firstIndex(of: $0)! + 1)" }.joined(separator: ", ")) WHERE \(match) RETURNING 1"
            )
            let insert = try db.prepare(
                "INSERT INTO \(t) (\(names.map(q).joined(separator: ", "))) VALUES (\((1...names.count).map { "?\($0)" }.joined(separator: ", ")))")
            for r in 0..<batch.count {
                let row = batch.jsonRow(r)
                for (i, cell) in row.enumerated() { try update.bind(Int32(i + 1), cell.1) }
                let found = try update.step()
                update.reset()
                if found { continue }
                for (i, cell) in row.enumerated() { try insert.bind(Int32(i + 1), cell.1) }
                try insert.run()
            }
        }
    }

    /// Deletes the rows equal to a row of `batch` on all its columns (null matches null).
    func delete(keyspace: String, table: String, batch: BatchView) throws -> Int {
        let db = try open()
        let columns = Set(try db.columns(of: "\(keyspace).\(table)"))
        guard !columns.isEmpty else { throw HostCallError.notFound("table \(keyspace).\(table) not found in SQLite store \(path)") }
        let names = batch.fields.map(\.name)
        // A column the table lacks is null in every row: only a null in the batch matches it.
        let q = SQLiteConnection.identifier
        let conditions = names.enumerated().map { i, n in columns.contains(n) ? "\(q(n)) IS ?\(i + 1)" : "?\(i + 1) IS NULL" }
        return try db.transaction {
            let stmt = try db.prepare("DELETE FROM \(Self.table(keyspace, table)) WHERE \(conditions.joined(separator: " AND "))")
            var deleted = 0
            for r in 0..<batch.count {
                for (i, cell) in batch.jsonRow(r).enumerated() { try stmt.bind(Int32(i + 1), cell.1) }
                try stmt.run()
                deleted += db.changes
            }
            return deleted
        }
    }

    /// Creates `name` (with a unique index on `key`) or adds the columns it lacks.
    static func ensure(_ db: SQLiteConnection, _ name: String, columns: [String], key: [String]) throws {
        let q = SQLiteConnection.identifier
        let existing = try db.columns(of: name)
        if existing.isEmpty {
            // SQLite needs a column; a table created empty (an empty JSON-lines file) gets a placeholder.
            let all = key.isEmpty && columns.isEmpty ? ["dp_no_columns"] : key + columns.filter { !key.contains($0) }
            try db.exec("CREATE TABLE \(q(name)) (\(all.map(q).joined(separator: ", ")))")
            if !key.isEmpty { try db.exec("CREATE UNIQUE INDEX \(q(name + ".pk")) ON \(q(name)) (\(key.map(q).joined(separator: ", ")))") }
            return
        }
        for c in columns where !existing.contains(c) { try db.exec("ALTER TABLE \(q(name)) ADD COLUMN \(q(c))") }
    }
}
