import Foundation
import RowBatch

/// `keyspace.table.csv` files (a header row, then RFC 4180 rows: what cqlsh COPY TO and upstream's
/// CSV fixtures hold) turned into the fixture JSON-lines form the loaders read. Each cell takes the
/// type its column has in the schema: integers, doubles, booleans and JSON documents become JSON
/// values, anything else (text, timestamps) a string; an empty cell is null (left out).
enum CSVTables {
    /// A folder holding every `.jsonl` of `directory` (linked) and every `.csv` converted; the caller
    /// removes it. nil when the folder has no CSV (load it as it is).
    static func withCSVConverted(_ directory: String, ddl: String) throws -> String? {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        guard names.contains(where: { $0.hasSuffix(".csv") }) else { return nil }
        let out = NSTemporaryDirectory() + "dp-load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let types = SchemaKeys.columnTypes(ddl: ddl)
        do {
            for name in names {
                let path = (directory as NSString).appendingPathComponent(name)
                if name.hasSuffix(".jsonl") {
                    try FileManager.default.createSymbolicLink(atPath: (out as NSString).appendingPathComponent(name), withDestinationPath: path)
                } else if name.hasSuffix(".csv") {
                    let table = String(name.dropLast(4))
                    let lines = try convert(file: path, types: types[table] ?? [:])
                    try lines.write(toFile: (out as NSString).appendingPathComponent(table + ".jsonl"), atomically: false, encoding: .utf8)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: out)
            throw error
        }
        return out
    }

    /// The CSV file as JSON lines; a cell that does not fit its column's type is refused with its
    /// line and column.
    static func convert(file: String, types: [String: String]) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else { throw HostError.config("cannot read \(file)") }
        let records = try records(String(decoding: data, as: UTF8.self), file: file)
        guard let header = records.first?.fields else { throw HostError.config("\(file): no header row") }
        var out = ""
        for r in records.dropFirst() {
            guard r.fields.count == header.count else {
                throw HostError.config("\(file) line \(r.line): \(r.fields.count) fields, the header has \(header.count)")
            }
            var pairs: [(String, JSONValue)] = []
            for (column, text) in zip(header, r.fields) where !text.isEmpty {
                guard let v = value(text, type: types[column] ?? "text") else {
                    throw HostError.config(
                        "\(file) line \(r.line): column \(column) (\(types[column] ?? "text")): cannot read \(text.debugDescription)")
                }
                pairs.append((column, v))
            }
            out += JSONValue.object(pairs).render() + "\n"
        }
        return out
    }

    static func value(_ text: String, type: String) -> JSONValue? {
        switch type.lowercased() {
        case "integer", "int", "bigint", "smallint", "int4", "int8": return Int64(text).map(JSONValue.int)
        case "double precision", "real", "numeric", "float", "float8", "double": return Double(text).map(JSONValue.double)
        case "boolean", "bool":
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case "jsonb", "json": return try? JSONParser.parse(text)
        default: return .string(text)
        }
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    /// RFC 4180: fields split by commas, `"…"` quotes a field (`""` inside is one quote, and it may
    /// span lines); CRLF or LF ends a record; blank lines are skipped.
    static func records(_ text: String, file: String) throws -> [Record] {
        var out: [Record] = [], fields: [String] = [], field = [UInt8]()
        var quoted = false, inQuotes = false, line = 1, start = 1
        var bytes = Array(text.utf8)[...]
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { out.append(Record(line: start, fields: fields)) }
            fields = []
            start = line
        }
        while let c = bytes.popFirst() {
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if bytes.first == UInt8(ascii: "\"") { field.append(c); bytes.removeFirst() } else { inQuotes = false }
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case UInt8(ascii: ","): endField()
            case UInt8(ascii: "\""):
                guard field.isEmpty, !quoted else { throw HostError.config("\(file) line \(line): a quote inside an unquoted field") }
                inQuotes = true
                quoted = true
            case 0x0D where bytes.first == 0x0A: continue
            case 0x0A:
                line += 1
                endRecord()
            default: field.append(c)
            }
        }
        if inQuotes { throw HostError.config("\(file) line \(start): a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return out
    }
}
