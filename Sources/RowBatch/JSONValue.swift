import Foundation

/// A JSON value with exact types (integers stay integers, booleans stay booleans) and object keys in
/// document order, so what we read is what we write back.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        default: return nil
        }
    }
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var objectPairs: [(String, JSONValue)]? { if case .object(let p) = self { return p } else { return nil } }

    /// The same value with every object's keys in byte order (for stable, comparable JSON text).
    public func sortedKeys() -> JSONValue {
        switch self {
        case .array(let a): return .array(a.map { $0.sortedKeys() })
        case .object(let o): return .object(o.map { ($0.0, $0.1.sortedKeys()) }.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) })
        default: return self
        }
    }

    /// Compact JSON text (keys in stored order).
    public func render() -> String {
        var out: [UInt8] = []
        renderCompact(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Built as UTF-8 bytes: appending to a String re-checks every piece, bytes are copied.
    private func renderCompact(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d): out += NumberText.java(d).utf8
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.renderCompact(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(k, to: &out)
                out.append(UInt8(ascii: ":"))
                v.renderCompact(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Indented JSON text for humans.
    public func pretty() -> String {
        var out = ""
        render(into: &out, indent: "  ", level: 0)
        return out
    }

    private func render(into out: inout String, indent: String?, level: Int) {
        let nl = indent.map { "\n" + String(repeating: $0, count: level + 1) } ?? ""
        let end = indent.map { "\n" + String(repeating: $0, count: level) } ?? ""
        switch self {
        case .null, .bool, .int, .double, .string: out += render()
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in a.enumerated() {
                out += (i > 0 ? "," : "") + nl
                v.render(into: &out, indent: indent, level: level + 1)
            }
            out += end + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                out += (i > 0 ? "," : "") + nl + JSONText.quote(k) + (indent == nil ? ":" : ": ")
                v.render(into: &out, indent: indent, level: level + 1)
            }
            out += end + "}"
        }
    }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes: exact types, keys in document order, no Foundation.
/// Arrays and objects nest at most `maxDepth` deep: the parser recurses, and so does everything that
/// walks a value (render, compare, free), so a deeper document is refused instead of ending the process
/// on a stack overflow. Every JSON the host reads — configs, request rows, table cells, API and Druid
/// answers — comes through here.
public struct JSONParser {
    /// Jackson (upstream's parser) stops at 1000; real configs and rows stay under 20.
    public static let maxDepth = 512
    private let bytes: UnsafeRawBufferPointer
    private var i = 0
    private var depth = 0

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == bytes.count else { throw JSONParseError(message: "trailing characters", offset: p.i) }
        return v
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one JSON object but builds only the values of `keys` (others are skipped without
    /// allocating): result[i] is the value of keys[i], or .null when absent. For scanning rows of
    /// which a job reads a few columns.
    public static func project(_ bytes: UnsafeRawBufferPointer, keys: [[UInt8]]) throws -> [JSONValue] {
        var p = JSONParser(bytes: bytes)
        p.depth = 1  // the row object itself
        var out = [JSONValue](repeating: .null, count: keys.count)
        p.skipSpace()
        guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: "{") else { throw p.fail("expected an object") }
        p.i += 1
        p.skipSpace()
        if p.i < bytes.count, bytes[p.i] == UInt8(ascii: "}") { p.i += 1; return out }
        while true {
            p.skipSpace()
            guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: "\"") else { throw p.fail("expected a key") }
            let slot = try p.keySlot(keys)
            p.skipSpace()
            guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: ":") else { throw p.fail("expected ':'") }
            p.i += 1
            p.skipSpace()
            if let slot { out[slot] = try p.value() } else { try p.skipValue() }
            p.skipSpace()
            guard p.i < bytes.count else { throw p.fail("unterminated object") }
            if bytes[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
            if bytes[p.i] == UInt8(ascii: "}") { p.i += 1; break }
            throw p.fail("expected ',' or '}'")
        }
        p.skipSpace()
        guard p.i == bytes.count else { throw p.fail("trailing characters") }
        return out
    }

    /// Reads a key and returns its index in `keys` (nil if not wanted).
    private mutating func keySlot(_ keys: [[UInt8]]) throws -> Int? {
        let start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\") { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {  // no escapes: compare bytes in place
            let len = j - start
            i = j + 1
            return keys.firstIndex { k in k.count == len && k.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress! + start, len) == 0 } }
        }
        let key = Array(try string().utf8)
        return keys.firstIndex(of: key)
    }

    /// Moves past one value without building it.
    private mutating func skipValue() throws {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard i < bytes.count else { throw fail("unterminated string") }
            i += 1
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            _ = try value()  // nested values are rare in skipped columns; parse them plainly
        default:
            _ = try value()
        }
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

    private mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count,
            memcmp(bytes.baseAddress! + i, word.utf8Start, n) == 0
        else { throw fail("invalid literal") }
        i += n
    }

    /// Enters an array or object: one level deeper, refused past `maxDepth`.
    private mutating func descend() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func object() throws -> JSONValue {
        try descend()
        defer { depth -= 1 }
        i += 1
        var pairs: [(String, JSONValue)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            pairs.append((key, try value()))
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func array() throws -> JSONValue {
        try descend()
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") {
            guard bytes[i] >= 0x20 else { throw fail("control character in string") }
            i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        if bytes[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(i - 1)]), as: UTF8.self)
        }
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("invalid hex digit")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    private mutating func number() throws -> JSONValue {
        let start = i
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("invalid value") }
        // JSON has no leading zeros: "0134…" is not a number (ids like batch 0134278454483681283 stay text).
        if bytes[i] == 0x30, i + 1 < bytes.count, (0x30...0x39).contains(bytes[i + 1]) { throw fail("invalid number (leading zero)") }
        while i < bytes.count {
            let c = bytes[i]
            if (0x30...0x39).contains(c) { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            {
                isInteger = false; i += 1; continue
            }
            break
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if isInteger, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw JSONParseError(message: "invalid number '\(text)'", offset: start) }
        // 1e999 would become infinity, which JSON cannot write back (found by Fuzz/fuzz-json).
        guard d.isFinite else { throw JSONParseError(message: "number '\(text)' is out of range", offset: start) }
        return .double(d)
    }
}

/// Number formatting as the JVM prints doubles (Spark CSV/JSON writers): 1.0, 0.5, 1.0E7, 1.0E-4.
/// Java uses plain notation for 1e-3 <= |d| < 1e7 and scientific otherwise, with the shortest digits
/// that round-trip — the digits Swift's description also picks, so only the layout is redone here.
public enum NumberText {
    public static func java(_ d: Double) -> String {
        // Plain range: Swift prints the same shortest digits in the same layout (NumberTextTests).
        let a = abs(d)
        if a >= 1e-3 && a < 1e7 { return String(d) }
        return laidOut(d)
    }

    /// Java's layout built from Swift's shortest digits, for every double.
    static func laidOut(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-Infinity" : "Infinity") }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        var (digits, point) = decimalDigits(abs(d))
        let sign = d < 0 ? "-" : ""
        let a = abs(d)
        if a >= 1e-3 && a < 1e7 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
            if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + ".0" }
            let i = digits.index(digits.startIndex, offsetBy: point)
            return sign + digits[..<i] + "." + digits[i...]
        }
        if digits.count == 1 { digits += "0" }
        return sign + digits.prefix(1) + "." + digits.dropFirst() + "E" + String(point - 1)
    }

    /// Shortest round-trip significant digits of a positive double, and where the decimal point goes
    /// (value = 0.DIGITS × 10^point).
    public static func decimalDigits(_ d: Double) -> (String, Int) {
        let text = String(d)  // e.g. "10000000.0", "1.5e-05", "1e+16"
        let parts = text.split(separator: "e")
        let exponent = parts.count > 1 ? Int(parts[1].replacingOccurrences(of: "+", with: "")) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(mantissa[0]), fracPart = mantissa.count > 1 ? String(mantissa[1]) : ""
        var digits = Substring(intPart + fracPart)
        var point = intPart.count + exponent
        while digits.count > 1 && digits.first == "0" { digits = digits.dropFirst(); point -= 1 }
        while digits.count > 1 && digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), point)
    }
}
