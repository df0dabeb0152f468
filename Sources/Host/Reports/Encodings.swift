import RowBatch

/// CSV rows: fields as `dialect` writes them (upstream's Spark dialect by default, RFC 4180 when a job's
/// `csvDialect` asks), nulls as empty fields, doubles as the JVM prints them, "\n" line ends.
enum CSVEncoding {
    static func appendHeader(_ names: [String], dialect: CSVDialect, to f: BufferedFile) {
        for (i, n) in names.enumerated() {
            if i > 0 { f.append(byte: 0x2C) }
            var n = n
            n.withUTF8 { f.appendCSVField(UnsafeRawBufferPointer($0), dialect) }
        }
        f.append(byte: 0x0A)
    }

    static func appendRow(_ b: BatchView, _ row: Int, _ columns: [Int], dialect: CSVDialect, to f: BufferedFile) {
        for (i, c) in columns.enumerated() {
            if i > 0 { f.append(byte: 0x2C) }
            if b.isNull(c, row) { continue }
            switch b.fields[c].type {
            case .utf8, .json: _ = b.withUTF8(c, row) { f.appendCSVField($0, dialect) }
            case .float64: f.append(NumberText.java(b.double(c, row)!))
            default: f.append(b.string(c, row)!)
            }
        }
        f.append(byte: 0x0A)
    }
}

/// JSON objects with keys in column order and null fields omitted (upstream's NON_NULL serializer).
enum JSONEncoding {
    static func appendObject(_ b: BatchView, _ row: Int, _ columns: [Int], to f: BufferedFile) {
        f.append(byte: 0x7B)
        var first = true
        for c in columns where !b.isNull(c, row) {
            if !first { f.append(byte: 0x2C) }
            first = false
            f.append(JSONText.quote(b.fields[c].name))
            f.append(byte: 0x3A)
            switch b.fields[c].type {
            case .json: _ = b.withUTF8(c, row) { f.append(bytes: $0) }
            case .utf8: f.append(JSONText.quote(b.string(c, row)!))
            case .float64: f.append(NumberText.java(b.double(c, row)!))
            default: f.append(b.string(c, row)!)
            }
        }
        f.append(byte: 0x7D)
    }
}
