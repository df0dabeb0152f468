import Foundation
import RowBatch

/// The embedded default store: one SQLite file, a table per upstream table named `keyspace.table`,
/// its primary key as a unique index. A scan is the same parameterised SQL the PostgreSQL store runs
/// (ScanSQL), stepped row by row into the batch, so memory is one batch whatever the table's size;
/// ordered scans sort in SQLite (an index or its sorter, which spills to disk).
///
/// Columns are untyped (SQLite's BLOB affinity): a cell keeps the JSON kind it was written with
/// (SQLiteStatement.bind), and reads convert exactly as the JSON-lines tables always did: lossless
/// conversions only, JSON documents as compact text. Rows come in insertion order unless ordered.
struct SQLiteStore: TableStore {
    let path: String
    /// What a row's rowid is called in errors: "line" for a JSON-lines import (rowid = line number).
    var rowName = "row"
    /// Whether connections switch the file to WAL (the embedded store's; not a disposable import's).
    var wal = true

    static func table(_ keyspace: String, _ table: String) -> String { SQLiteConnection.identifier("\(keyspace).\(table)") }

    func open() throws -> SQLiteConnection {
        guard FileManager.default.fileExists(atPath: path) else { throw HostCallError.notFound("SQLite store \(path) does not exist") }
        return try SQLiteConnection(path, wal: wal)
    }

    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws {
        let db = try open()
        let columns = Set(try db.columns(of: request.qualifiedName))
        guard !columns.isEmpty else {
            throw HostCallError.notFound("table \(request.qualifiedName) not found in SQLite store \(path)")
        }
        let dialect = ScanSQL.Dialect(
            identifier: SQLiteConnection.identifier, placeholder: { "?\($0)" },
            select: { SQLiteConnection.identifier($0.name) }, compared: SQLiteConnection.identifier,
            kindCheck: { column, p, name in "dp_same_kind(\(column), \(p), '\(name.replacingOccurrences(of: "'", with: "''"))')" })
        // The rowid comes last, for errors that say which row.
        var request = request
        let rowid = request.columns.count
        request.columns.append(Field("rowid", .int64))
        let query = ScanSQL(request, from: Self.table(request.keyspace, request.table), has: { columns.contains($0) || $0 == "rowid" }, dialect)
        request.columns.removeLast()
        // Insertion order (the JSON lines' file order) for unordered scans, whichever index SQLite
        // picks, and among equal keys of ordered ones: the order is stable, as it always was.
        let stmt = try db.prepare(query.text + (request.orderBy.filter(columns.contains).isEmpty ? " ORDER BY rowid" : ", rowid"))
        for (i, p) in query.parameters.enumerated() {
            guard p.value.isScalar else { throw HostCallError.invalid("filter on \(p.column): \(p.value.render()) is not a scalar") }
            try stmt.bind(Int32(i + 1), p.value)
        }
        let builder = BatchBuilder(fields: request.columns)
        let limit = request.batchRows > 0 ? request.batchRows : ScanRequest.defaultBatchRows
        while try stmt.step() {
            for (i, field) in request.columns.enumerated() {
                try Self.read(stmt, Int32(i), as: field.type, into: builder, column: i) {
                    "\(request.qualifiedName) \(rowName) \(stmt.int(Int32(rowid))) column \(field.name): \($0)"
                }
            }
            builder.endRow()
            if builder.count >= limit { try emit(builder) }
        }
        if builder.count > 0 { try emit(builder) }
    }

    /// One cell into the batch, converted as the JSON-lines store always converted (lossless only).
    static func read(
        _ s: SQLiteStatement, _ c: Int32, as type: ColumnType, into b: BatchBuilder, column i: Int,
        context: (String) -> String
    ) throws {
        let kind = s.kind(c)
        switch (type, kind) {
        case (_, .null): b.set(i, .null)
        case (.utf8, .text): b.setUTF8(i, s.bytes(c))
        case (.int64, .integer): b.set(i, .int(s.int(c)))
        case (.int64, .real) where Int64(exactly: s.double(c)) != nil: b.set(i, .int(Int64(exactly: s.double(c))!))
        case (.float64, .real), (.float64, .integer): b.set(i, .double(s.double(c)))
        case (.bool, .blob) where s.bytes(c).elementsEqual("true".utf8): b.set(i, .bool(true))
        case (.bool, .blob) where s.bytes(c).elementsEqual("false".utf8): b.set(i, .bool(false))
        case (.json, .blob): b.setUTF8(i, s.bytes(c))
        case (.json, .integer): b.set(i, .json(String(s.int(c))))
        case (.json, .real): b.set(i, .json(NumberText.java(s.double(c))))
        case (.json, .text): b.set(i, .json(JSONText.quote(String(decoding: s.bytes(c), as: UTF8.self))))
        default:
            let shown =
                kind == .integer
                ? String(s.int(c)) : kind == .real ? NumberText.java(s.double(c)) : String(decoding: s.bytes(c).prefix(60), as: UTF8.self)
            throw HostCallError.data(context("cannot read \(shown) as \(type)"))
        }
    }
}

extension JSONValue {
    var isScalar: Bool {
        switch self {
        case .array, .object, .null: return false
        default: return true
        }
    }
}
