/// JSON string quoting shared by filters (JSON literals) and the JSON report writers.
/// Escapes what RFC 8259 requires and nothing more ('/' and non-ASCII stay as they are, as Jackson does).
public enum JSONText {
    /// `quote(s)` appended to `out` as UTF-8, without an intermediate string.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s.utf8
        } else {
            let q = quote(s).utf8
            out += q.dropFirst().dropLast()
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quote(_ s: String) -> String {
        // Most text needs no escape: copy its UTF-8 in one go (a hot path of every JSON column).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        // Escapes are ASCII: work on the UTF-8 bytes (other bytes, multi-byte characters included, as they are).
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(s.utf8.count + 8)
        let hex = Array("0123456789abcdef".utf8)
        func escaped(_ c: UInt8) {
            out.append(UInt8(ascii: "\\"))
            out.append(c)
        }
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped(c)
            case 0x0A: escaped(UInt8(ascii: "n"))
            case 0x0D: escaped(UInt8(ascii: "r"))
            case 0x09: escaped(UInt8(ascii: "t"))
            case 0x08: escaped(UInt8(ascii: "b"))
            case 0x0C: escaped(UInt8(ascii: "f"))
            case 0..<0x20:
                escaped(UInt8(ascii: "u"))
                out += [UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(c >> 4)], hex[Int(c & 15)]]
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON literal for a value (`null`, `true`, `42`, `"text"`, or the JSON text itself).
    public static func literal(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .string(let s): return quote(s)
        case .json(let j): return j
        }
    }
}

import PluginAPI

extension dp_str {
    /// The string's contents ("" when absent). Copies: the dp_str may be borrowed.
    public var string: String {
        guard let data, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: len), as: UTF8.self)
    }
}
