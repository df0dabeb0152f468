/// JSON string quoting shared by filters (JSON literals) and the JSON report writers.
/// Escapes what RFC 8259 requires and nothing more ('/' and non-ASCII stay as they are, as Jackson does).
public enum JSONText {
    public static func quote(_ s: String) -> String {
        // Most text needs no escape: copy its UTF-8 in one go (a hot path of every JSON column).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
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
