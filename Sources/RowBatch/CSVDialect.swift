/// How a CSV field's bytes are written. Shared by the host's report writer and plugins that write CSV
/// themselves (the archival job), so every CSV we make follows one rule per dialect.
public enum CSVDialect: String, Sendable, CaseIterable {
    /// What upstream's Spark CSV writer makes (checked against Spark 4.3, Tests/Fixtures/csv): every
    /// value trimmed of leading and trailing characters up to U+0020 (Java's `trim`, control
    /// characters included); quoted only when it holds `,`, `"`, LF or CR; inside quotes `\` becomes
    /// `\\` and `"` becomes `\"`; a value that is empty after trimming is written as `""`.
    case spark
    /// RFC 4180: values as they are; quoted when they hold `,`, `"`, LF or CR; a quote is doubled;
    /// the empty string is `""`.
    case rfc4180

    /// Appends `bytes` (one non-null value, UTF-8) as a field of this dialect.
    public func appendField(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var start = 0, end = bytes.count
        if self == .spark {
            while start < end, bytes[start] <= 0x20 { start += 1 }
            while end > start, bytes[end - 1] <= 0x20 { end -= 1 }
        }
        if start == end {
            out.append(0x22)
            out.append(0x22)
            return
        }
        let value = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard value.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: value)
            return
        }
        out.append(0x22)
        for byte in value {
            switch (self, byte) {
            case (.spark, 0x22), (.spark, 0x5C): out.append(0x5C)
            case (.rfc4180, 0x22): out.append(0x22)
            default: break
            }
            out.append(byte)
        }
        out.append(0x22)
    }

    /// One value as a field of this dialect, for callers that build text.
    public func field(_ value: String) -> String {
        var out: [UInt8] = []
        var value = value
        value.withUTF8 { appendField(UnsafeRawBufferPointer($0), to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
