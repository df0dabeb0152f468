import RowBatch

/// CSV as upstream writes it: RFC 4180 quoting (a field is quoted when it holds a comma, quote, CR or
/// LF; quotes are doubled), nulls as empty fields, empty strings as "" (Spark's emptyValue), numbers
/// as the JVM prints them, "\n" line ends. Leading/trailing spaces are kept as they are.
enum CSVEncoding {
    static func appendHeader(_ names: [String], to f: BufferedFile) {
        for (i, n) in names.enumerated() {
            if i > 0 { f.append(byte: 0x2C) }
            var n = n
            n.withUTF8 { appendField(UnsafeRawBufferPointer($0), to: f) }
        }
        f.append(byte: 0x0A)
    }

    static func appendRow(_ b: BatchView, _ row: Int, _ columns: [Int], to f: BufferedFile) {
        for (i, c) in columns.enumerated() {
            if i > 0 { f.append(byte: 0x2C) }
            if b.isNull(c, row) { continue }
            switch b.fields[c].type {
            case .utf8, .json: _ = b.withUTF8(c, row) { appendField($0, to: f) }
            case .float64: f.append(NumberText.java(b.double(c, row)!))
            default: f.append(b.string(c, row)!)
            }
        }
        f.append(byte: 0x0A)
    }

    private static func appendField(_ bytes: UnsafeRawBufferPointer, to f: BufferedFile) {
        if bytes.isEmpty { f.append("\"\""); return }
        let needsQuotes = bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { f.append(bytes: bytes); return }
        f.append(byte: 0x22)
        for byte in bytes {
            if byte == 0x22 { f.append(byte: 0x22) }
            f.append(byte: byte)
        }
        f.append(byte: 0x22)
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
