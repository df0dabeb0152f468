/// Reads CSV text written in one of our dialects back into records of fields (a merge reading the
/// report it published before). Spark's dialect escapes `\` and `"` with a backslash inside quotes;
/// RFC 4180 doubles the quote. Line ends LF or CRLF; an empty trailing line is not a record.
public struct CSVReader {
    public let dialect: CSVDialect

    public init(_ dialect: CSVDialect) { self.dialect = dialect }

    /// Every record of `bytes`; throws on an unterminated quoted field, naming the record.
    public func records(_ bytes: UnsafeRawBufferPointer) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = 0
        var atFieldStart = true
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if atFieldStart, b == 0x22 {
                i = try quoted(bytes, from: i + 1, into: &field, record: records.count + 1)
                atFieldStart = false
                continue
            }
            atFieldStart = false
            switch b {
            case 0x2C:
                endField()
                atFieldStart = true
            case 0x0A, 0x0D:
                endField()
                records.append(record)
                record = []
                atFieldStart = true
                if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
            default:
                field.append(b)
            }
            i += 1
        }
        if !atFieldStart || !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }

    /// Reads a quoted field's content from just after its opening quote; returns the index after
    /// the closing quote.
    private func quoted(_ bytes: UnsafeRawBufferPointer, from start: Int, into field: inout [UInt8], record: Int) throws -> Int {
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            if dialect == .spark, b == 0x5C, i + 1 < bytes.count {
                field.append(bytes[i + 1])
                i += 2
                continue
            }
            if b == 0x22 {
                if dialect == .rfc4180, i + 1 < bytes.count, bytes[i + 1] == 0x22 {
                    field.append(0x22)
                    i += 2
                    continue
                }
                return i + 1
            }
            field.append(b)
            i += 1
        }
        throw RowBatchError("CSV record \(record): a quoted field is not closed")
    }
}
