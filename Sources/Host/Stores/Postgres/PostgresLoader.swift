import Foundation
import RowBatch

/// `dataproducts load DIR --into postgres:...`: loads a folder of JSON-lines tables (the fixture
/// format, `keyspace.table.jsonl`) into PostgreSQL. Each file is COPYed into a temporary table and
/// upserted by primary key in one transaction, so loading the same folder twice changes nothing and
/// a failed file leaves its table as it was. As in Cassandra the last write for a key wins; unlike
/// Cassandra's per-row column merge, within one file the last row for a key replaces earlier rows
/// for it whole, while columns absent from the whole file keep their values in existing rows.
/// `"now()"` becomes the load time; integers in timestamp columns are epoch milliseconds.
struct PostgresLoader {
    let conn: PGConnection
    let loadTime = ISO8601DateFormatter.withMilliseconds.string(from: Date())

    struct Loaded {
        var table: String
        var rows: Int
    }

    func applySchema(_ sql: String) throws { try conn.exec(sql) }

    func load(directory: String) throws -> [Loaded] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
        guard !files.isEmpty else { throw HostError.config("no keyspace.table.jsonl files in \(directory)") }
        return try files.map { try load(file: (directory as NSString).appendingPathComponent($0)) }
    }

    func load(file: String) throws -> Loaded {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw HostError.config("\(file): name must be keyspace.table.jsonl") }
        let (keyspace, table) = (parts[0], parts[1])
        let target = "\(conn.identifier(keyspace)).\(conn.identifier(table))"
        let columns = try conn.exec(
            """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position
            """, [keyspace, table])
        guard columns.rows > 0 else {
            throw HostError.config("\(file): no table \(keyspace).\(table) in the schema (add its DDL to config/schema/postgres.sql)")
        }
        let names = (0..<columns.rows).map { columns.string($0, 0)! }
        let types = (0..<columns.rows).map { columns.string($0, 1)! }
        let pk = try conn.exec(
            """
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)
            """, [target])
        let keyColumns = (0..<pk.rows).map { pk.string($0, 0)! }

        try conn.exec("BEGIN")
        do {
            try conn.exec("CREATE TEMP TABLE dp_load (LIKE \(target)) ON COMMIT DROP")
            try conn.exec("ALTER TABLE dp_load ADD COLUMN dp_line bigint")
            var present = Set<String>()
            var rows = 0
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HostError.config("cannot read \(file)") }
            defer { close(fd) }
            try conn.copyIn("COPY dp_load (\((names + ["dp_line"]).map(conn.identifier).joined(separator: ", "))) FROM STDIN") { send in
                var lineNumber = 0
                var out = ""
                try LineReader(fd: fd).forEachLine { line in
                    lineNumber += 1
                    guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
                    guard case .object(let pairs) = try JSONParser.parse(line) else {
                        throw HostError.config("\(file) line \(lineNumber): not a JSON object")
                    }
                    var cells = [String?](repeating: nil, count: names.count)
                    for (key, value) in pairs {
                        guard let i = names.firstIndex(of: key) else {
                            throw HostError.config(
                                "\(file) line \(lineNumber): column \(key) is not in \(keyspace).\(table) (add it to config/schema/postgres.sql)")
                        }
                        present.insert(key)
                        cells[i] = copyText(value, type: types[i])
                    }
                    out += (cells + [String(lineNumber)]).map { $0.map(Self.escapeCopy) ?? "\\N" }.joined(separator: "\t") + "\n"
                    rows += 1
                    if out.utf8.count > 1 << 20 { try flush(&out, send) }
                }
                try flush(&out, send)
            }
            let written = names.filter { present.contains($0) || keyColumns.contains($0) }
            let cols = written.map(conn.identifier).joined(separator: ", ")
            var insert = "INSERT INTO \(target) (\(cols)) SELECT \(cols) FROM dp_load"
            if !keyColumns.isEmpty {
                let keys = keyColumns.map(conn.identifier).joined(separator: ", ")
                let updates = written.filter { !keyColumns.contains($0) }.map { "\(conn.identifier($0)) = EXCLUDED.\(conn.identifier($0))" }
                insert =
                    "INSERT INTO \(target) (\(cols)) SELECT DISTINCT ON (\(keys)) \(cols) FROM dp_load ORDER BY \(keys), dp_line DESC"
                    + " ON CONFLICT (\(keys)) DO " + (updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))
            }
            try conn.exec(insert)
            try conn.exec("COMMIT")
            return Loaded(table: "\(keyspace).\(table)", rows: rows)
        } catch {
            _ = try? conn.exec("ROLLBACK")
            throw error
        }
    }

    private func flush(_ out: inout String, _ send: (UnsafeRawBufferPointer) throws -> Void) throws {
        try out.withUTF8 { try send(UnsafeRawBufferPointer($0)) }
        out.removeAll(keepingCapacity: true)
    }

    /// A fixture value as PostgreSQL text input for a column of `type`.
    func copyText(_ v: JSONValue, type: String) -> String? {
        switch v {
        case .null: return nil
        case .string(let s) where type.hasPrefix("timestamp") && s == "now()": return loadTime
        case .int(let ms) where type.hasPrefix("timestamp"):  // epoch milliseconds, as Cassandra accepts
            return ISO8601DateFormatter.withMilliseconds.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        case .string(let s) where type == "jsonb" || type == "json": return JSONText.quote(s)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .array, .object: return v.render()
        }
    }

    /// COPY text format escaping (PGConnection's rule, as text).
    static func escapeCopy(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out: [UInt8] = []
        PGConnection.appendCopyEscaped(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
