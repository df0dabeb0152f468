import Foundation
import RowBatch

/// A JSON-lines row's top-level members read in place, for imports: no tree, no String per cell.
/// Plain strings and documents already in the compact form `JSONValue.render()` prints are handed
/// out as the line's own bytes; anything else (escapes, spaces, non-canonical numbers) is parsed and
/// rendered as before, so a table reads back exactly as the JSON-lines store always gave it.
/// Invalid JSON is an error, as with the full parser.
struct JSONLineCells {
    enum Cell {
        case null, bool(Bool), int(Int64), double(Double)
        /// A string without escapes: its UTF-8 bytes.
        case text(UnsafeRawBufferPointer)
        /// An object or array in canonical compact form: its bytes.
        case document(UnsafeRawBufferPointer)
        /// Anything else, parsed (escaped strings, documents to re-render).
        case value(JSONValue)
    }

    private let b: UnsafeRawBufferPointer
    private var i = 0

    private init(_ b: UnsafeRawBufferPointer) { self.b = b }

    /// Calls `body` with each member's key (UTF-8 bytes, unescaped) and cell; both valid during the call.
    static func forEach(
        _ line: UnsafeRawBufferPointer, _ body: (_ key: UnsafeRawBufferPointer, _ cell: Cell) throws -> Void
    ) throws {
        try members(line) { k, c in
            try body(k, c)
            return false
        }
    }

    /// As `forEach`, until `body` returns true: the rest of the line is then neither read nor checked.
    static func members(
        _ line: UnsafeRawBufferPointer, _ body: (_ key: UnsafeRawBufferPointer, _ cell: Cell) throws -> Bool
    ) throws {
        var p = JSONLineCells(line)
        p.space()
        try p.expect(UInt8(ascii: "{"), "expected an object")
        p.space()
        if p.peek == UInt8(ascii: "}") {
            p.i += 1
        } else {
            while true {
                p.space()
                guard p.peek == UInt8(ascii: "\"") else { throw p.fail("expected a key") }
                let keyStart = p.i
                let plain = try p.string()
                let key: UnsafeRawBufferPointer
                var owned: [UInt8] = []
                if plain {
                    key = UnsafeRawBufferPointer(rebasing: line[(keyStart + 1)..<(p.i - 1)])
                } else {
                    owned = Array(try JSONParser.parse(UnsafeRawBufferPointer(rebasing: line[keyStart..<p.i])).string!.utf8)
                    key = owned.withUnsafeBytes { $0 }
                }
                p.space()
                try p.expect(UInt8(ascii: ":"), "expected ':'")
                p.space()
                let cell = try p.cell()
                if try owned.withUnsafeBytes({ o in try body(plain ? key : o, cell) }) { return }
                p.space()
                if p.peek == UInt8(ascii: ",") { p.i += 1; continue }
                try p.expect(UInt8(ascii: "}"), "expected ',' or '}'")
                break
            }
        }
        p.space()
        guard p.i == line.count else { throw p.fail("trailing characters") }
    }

    private var peek: UInt8? { i < b.count ? b[i] : nil }
    private func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }
    private mutating func expect(_ c: UInt8, _ m: String) throws {
        guard peek == c else { throw fail(m) }
        i += 1
    }
    private mutating func space() { while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } }

    private enum StringForm { case plain, canonical, other }

    /// Moves past a string: plain (no escapes), canonical (only the escapes rendering writes: \" \\
    /// \n \r \t \b \f), or other (\/, \u…, raw control characters).
    private mutating func stringForm() throws -> StringForm {
        i += 1
        var form = StringForm.plain
        let base = b.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while i < b.count {
            // Most bytes are ordinary: skip them without bounds checks.
            while i < b.count {
                let c = base[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                i += 1
            }
            guard i < b.count else { break }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return form }
            if c == UInt8(ascii: "\\") {
                let next = i + 1 < b.count ? b[i + 1] : 0
                if form == .plain { form = .canonical }
                if !"\"\\nrtbf".utf8.contains(next) { form = .other }
                i += 2
                continue
            }
            if c < 0x20 { form = .other }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// Moves past a string; true when it has no escapes at all.
    private mutating func string() throws -> Bool { try stringForm() == .plain }

    private mutating func cell() throws -> Cell {
        let start = i
        switch peek {
        case UInt8(ascii: "\"")?:
            if try string() { return .text(UnsafeRawBufferPointer(rebasing: b[(start + 1)..<(i - 1)])) }
            return .value(try JSONParser.parse(UnsafeRawBufferPointer(rebasing: b[start..<i])))
        case UInt8(ascii: "{")?, UInt8(ascii: "[")?:
            let canonical = try document()
            let span = UnsafeRawBufferPointer(rebasing: b[start..<i])
            return canonical ? .document(span) : .value(try JSONParser.parse(span))
        case UInt8(ascii: "t")?, UInt8(ascii: "f")?, UInt8(ascii: "n")?:
            if try literal() { return .null }
            return .bool(b[start] == UInt8(ascii: "t"))
        default:
            guard case .canonical = try number() else {
                return .value(try JSONParser.parse(UnsafeRawBufferPointer(rebasing: b[start..<i])))
            }
            let text = UnsafeRawBufferPointer(rebasing: b[start..<i])
            var v: Int64 = 0
            let negative = text[0] == UInt8(ascii: "-")
            for d in text.dropFirst(negative ? 1 : 0) { v = v * 10 + Int64(d - 0x30) }
            return .int(negative ? -v : v)
        }
    }

    /// Moves past true/false/null; true for null.
    private mutating func literal() throws -> Bool {
        for (word, isNull) in [("true", false), ("false", false), ("null", true)] where b[i] == word.utf8.first! {
            guard b.count - i >= word.utf8.count, b[i..<(i + word.utf8.count)].elementsEqual(word.utf8) else { break }
            i += word.utf8.count
            return isNull
        }
        throw fail("invalid value")
    }

    private enum NumberForm { case canonical, other }

    /// Moves past a number; canonical = an integer of at most 18 digits without sign games (its
    /// text is what rendering the parsed value prints).
    private mutating func number() throws -> NumberForm {
        let start = i
        if peek == UInt8(ascii: "-") { i += 1 }
        guard let first = peek, (0x30...0x39).contains(first) else { throw fail("invalid value") }
        var integer = true
        while let c = peek {
            if (0x30...0x39).contains(c) { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                integer = false
                i += 1
                continue
            }
            break
        }
        let digits = b[start..<i].drop { $0 == UInt8(ascii: "-") }
        let negativeZero = b[start] == UInt8(ascii: "-") && digits.first == 0x30
        return integer && digits.count <= 18 && (digits.first != 0x30 || digits.count == 1) && !negativeZero ? .canonical : .other
    }

    /// Moves past an object or array, validating it; true when it is already canonical compact JSON.
    private mutating func document() throws -> Bool {
        let open = b[i]
        let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        i += 1
        var canonical = true
        func noteSpace() {
            let before = i
            space()
            if i != before { canonical = false }
        }
        noteSpace()
        if peek == close { i += 1; return canonical }
        while true {
            noteSpace()
            if open == UInt8(ascii: "{") {
                guard peek == UInt8(ascii: "\"") else { throw fail("expected a key") }
                if try stringForm() == .other { canonical = false }
                noteSpace()
                try expect(UInt8(ascii: ":"), "expected ':'")
                noteSpace()
            }
            switch peek {
            case UInt8(ascii: "\"")?: if try stringForm() == .other { canonical = false }
            case UInt8(ascii: "{")?, UInt8(ascii: "[")?: if !(try document()) { canonical = false }
            case UInt8(ascii: "t")?, UInt8(ascii: "f")?, UInt8(ascii: "n")?: _ = try literal()
            case nil: throw fail("unexpected end of input")
            default:
                let start = i
                if case .other = try number() {  // a decimal is canonical when it is what rendering its double prints
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                    if Double(text).map(NumberText.java) != text { canonical = false }
                }
            }
            noteSpace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try expect(close, open == UInt8(ascii: "{") ? "expected ',' or '}'" : "expected ',' or ']'")
            return canonical
        }
    }
}
