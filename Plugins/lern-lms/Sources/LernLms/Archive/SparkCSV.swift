import CZlib
import Foundation
import PluginKit

/// CSV as Spark writes it (the archived assessment files, lern-exhaust-spec §7.2): `,` separator,
/// fields quoted with `"`, and inside quotes `\` escapes a quote or a backslash (Spark's `escape`
/// default) rather than RFC 4180's doubled quotes. Both encodings are read here; writing uses the
/// host's Spark dialect rule (RowBatch `CSVDialect.spark`).
enum SparkCSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field: [UInt8] = [], quoted = false, any = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") || bytes[i + 1] == UInt8(ascii: "\\") {
                    field.append(bytes[i + 1]); i += 2; continue
                }
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 2; continue }
                    quoted = false
                } else {
                    field.append(c)
                }
            } else if c == UInt8(ascii: "\"") {
                quoted = true; any = true
            } else if c == UInt8(ascii: ",") {
                endField(); any = true
            } else if c == UInt8(ascii: "\n") {
                if field.last == UInt8(ascii: "\r") { field.removeLast() }
                endField(); rows.append(row); row = []; any = false
            } else {
                field.append(c); any = true
            }
            i += 1
        }
        if any || !field.isEmpty { endField(); rows.append(row) }
        return rows
    }

    /// Header → value records.
    static func records(_ text: String) -> (header: [String], rows: [[String: String]]) {
        let all = rows(text)
        guard let header = all.first else { return ([], []) }
        return (header, all.dropFirst().map { Dictionary(zip(header, $0).map { ($0, $1) }, uniquingKeysWith: { a, _ in a }) })
    }

    /// A value as Spark writes it (the shared Spark dialect: trimmed, quoted when it holds `,`, `"` or a
    /// line break, `\` and `"` escaped inside quotes); null is the empty field.
    static func field(_ s: String?) -> String {
        guard let s else { return "" }
        return CSVDialect.spark.field(s)
    }
}

/// gzip with zlib.
enum Gzip {
    static func decompress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var out = Data()
        var input = [UInt8](data)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                status = buffer.withUnsafeMutableBufferPointer { b -> Int32 in
                    stream.next_out = b.baseAddress
                    stream.avail_out = uInt(b.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw GzipError("corrupt gzip data (zlib \(status))") }
                out.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
            } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard status == Z_STREAM_END else { throw GzipError("truncated gzip data") }
        return out
    }

    static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw GzipError("deflateInit failed") }
        defer { deflateEnd(&stream) }
        var out = Data()
        var input = [UInt8](data)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                status = buffer.withUnsafeMutableBufferPointer { b -> Int32 in
                    stream.next_out = b.baseAddress
                    stream.avail_out = uInt(b.count)
                    return deflate(&stream, Z_FINISH)
                }
                out.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw GzipError("gzip failed (zlib \(status))") }
        return out
    }
}

struct GzipError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
