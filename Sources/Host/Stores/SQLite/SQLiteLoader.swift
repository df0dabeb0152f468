import Foundation
import RowBatch

/// JSON-lines tables (the fixture format, `keyspace.table.jsonl`) into an SQLite store, a file per
/// transaction: a file that fails to load leaves its table as it was. With a primary key (from the
/// schema) loading is an upsert, so loading a folder twice changes nothing and, as in Cassandra,
/// the last row for a key wins; without one every line becomes a row, in file order. Columns are
/// the keys the lines use (a table grows one when a line brings a new key). `"now()"` becomes the
/// load time, as `load --into postgres` does.
struct SQLiteLoader {
    let db: SQLiteConnection
    /// `keyspace.table` → primary key columns.
    var primaryKeys: [String: [String]] = [:]
    /// A fresh import of one file (the local store's): every line a row whose rowid is its line number.
    var lineNumbersAsRowids = false
    let loadTime = ISO8601DateFormatter.withMilliseconds.string(from: Date())

    struct Loaded {
        var table: String
        var rows: Int
    }

    func load(directory: String) throws -> [Loaded] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
        guard !files.isEmpty else { throw HostError.config("no keyspace.table.jsonl files in \(directory)") }
        return try files.map { try load(file: (directory as NSString).appendingPathComponent($0)) }
    }

    static func tableName(ofFile file: String) throws -> String {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        guard name.split(separator: ".").count >= 2 else { throw HostError.config("\(file): name must be keyspace.table.jsonl") }
        return name
    }

    func load(file: String) throws -> Loaded {
        let name = try Self.tableName(ofFile: file)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostCallError.io("cannot read \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let rows = try db.transaction { try insertLines(fd, file: file, table: name) }
        return Loaded(table: name, rows: rows)
    }

    private func insertLines(_ fd: Int32, file: String, table: String) throws -> Int {
        let key = primaryKeys[table] ?? []
        var columns = try db.columns(of: table)
        var keyBytes = columns.map { Array($0.utf8) }
        var statement: SQLiteStatement?
        var pending: [(Int, JSONLineCells.Cell)] = []
        var lineNumber = 0, rows = 0
        let now = Array("now()".utf8)
        try LineReader(fd: fd).forEachLine { line in
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            pending.removeAll(keepingCapacity: true)
            var hint = 0  // lines tend to list their keys in one order: try the next column first
            do {
                try JSONLineCells.forEach(line) { k, cell in
                    let slot: Int
                    if hint < keyBytes.count, keyBytes[hint].elementsEqual(k) {
                        slot = hint
                    } else if let found = keyBytes.firstIndex(where: { $0.elementsEqual(k) }) {
                        slot = found
                    } else {  // a key no line had before: the table grows a column
                        let name = String(decoding: k, as: UTF8.self)
                        try SQLiteStore.ensure(db, table, columns: columns + [name], key: key)
                        slot = columns.count
                        columns.append(name)
                        keyBytes.append(Array(k))
                        statement = nil
                    }
                    hint = slot + 1
                    pending.append((slot, cell))
                }
            } catch let e as JSONParseError {
                throw HostCallError.data("\(file) line \(lineNumber): invalid JSON object: \(e)")
            }
            if columns.isEmpty && !lineNumbersAsRowids { return }  // `{}` into a table that has no columns yet
            if columns.isEmpty { try SQLiteStore.ensure(db, table, columns: [], key: []) }
            if statement == nil { statement = try prepareInsert(table, columns: columns, key: key) }
            let s = statement!
            for (slot, cell) in pending {
                let i = Int32(slot + 1)
                switch cell {
                case .null: break  // unbound parameters are NULL
                case .bool(let v): try s.bind(i, .bool(v))
                case .int(let v): try s.bind(i, .int(v))
                case .double(let v): try s.bind(i, .double(v))
                case .text(let bytes) where bytes.elementsEqual(now): try s.bind(i, .string(loadTime))
                case .text(let bytes): try s.bindText(i, bytes)
                case .document(let bytes): try s.bindJSON(i, bytes)
                case .value(.string("now()")): try s.bind(i, .string(loadTime))
                case .value(let v): try s.bind(i, v)
                }
            }
            if lineNumbersAsRowids { try s.bind(Int32(columns.count + 1), .int(Int64(lineNumber))) }
            try s.run()
            rows += 1
        }
        if try db.columns(of: table).isEmpty { try SQLiteStore.ensure(db, table, columns: key, key: key) }  // an empty file is an empty table
        return rows
    }

    private func prepareInsert(_ table: String, columns: [String], key: [String]) throws -> SQLiteStatement {
        let q = SQLiteConnection.identifier
        let names = columns.map(q) + (lineNumbersAsRowids ? ["rowid"] : [])
        var sql =
            "INSERT INTO \(q(table)) (\(names.joined(separator: ", "))) VALUES (\((1...names.count).map { "?\($0)" }.joined(separator: ", ")))"
        if !key.isEmpty && !lineNumbersAsRowids {
            let others = columns.filter { !key.contains($0) }
            sql +=
                " ON CONFLICT (\(key.map(q).joined(separator: ", "))) DO "
                + (others.isEmpty ? "NOTHING" : "UPDATE SET " + others.map { "\(q($0)) = excluded.\(q($0))" }.joined(separator: ", "))
        }
        return try db.prepare(sql)
    }
}
