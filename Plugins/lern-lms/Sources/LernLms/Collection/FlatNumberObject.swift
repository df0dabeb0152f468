import Foundation

/// A flat JSON object of plain keys (no escapes) and number values, read from its bytes: the shape
/// of `contentstatus` and of the activity aggregates, met once per learner, so read without a tree
/// or a String per key. Anything else answers false, and the caller parses the document.
enum FlatNumberObject {
    /// Calls `body` with each member's key and number bytes, in order; false (possibly after some
    /// calls) when the bytes are not such an object, or when `body` returns false.
    static func forEach(_ b: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) -> Bool {
        var i = 0
        func space() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func expect(_ c: UInt8) -> Bool {
            space()
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard expect(UInt8(ascii: "{")) else { return false }
        space()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            space()
            return i == b.count
        }
        while true {
            guard expect(UInt8(ascii: "\"")) else { return false }
            let keyStart = i
            while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }  // escapes: the full parser
            let key = UnsafeRawBufferPointer(rebasing: b[keyStart..<i])
            i += 1
            guard expect(UInt8(ascii: ":")) else { return false }
            space()
            let numberStart = i
            while i < b.count,
                (0x30...0x39).contains(b[i]) || b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: ".")
                    || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") || b[i] == UInt8(ascii: "+")
            {
                i += 1
            }
            guard i > numberStart, body(key, UnsafeRawBufferPointer(rebasing: b[numberStart..<i])) else { return false }
            space()
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "}") else { return false }
            i += 1
            space()
            return i == b.count
        }
    }
}
