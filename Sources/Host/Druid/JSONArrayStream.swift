import Foundation
import RowBatch

/// Splits a streamed JSON array (a Druid answer) into its elements as bytes arrive, so an answer of
/// any size is read with the memory of one element. Strings and escapes are tracked so brackets
/// inside values do not count. `finish()` fails when the array never closed: a truncated answer.
struct JSONArrayStream {
    /// One element (one Druid row or bucket) may not be larger: memory is bounded by it.
    static let maxElementBytes = 64 << 20
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var opened = false
    private(set) var closed = false
    private var element: [UInt8] = []
    /// Bytes seen, for error positions.
    private(set) var offset = 0
    /// The text before the array opened, when the answer is not an array (an error object).
    private var preamble: [UInt8] = []

    /// Feeds bytes; calls `onElement` with each complete element's bytes. An element that lies
    /// within one chunk is handed over in place; only one spanning chunks is copied.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onElement: (UnsafeRawBufferPointer) throws -> Void) throws {
        var start: Int? = depth > 0 ? 0 : nil  // where the current element begins in this chunk
        for (i, b) in bytes.enumerated() {
            offset += 1
            if closed {
                if !isSpace(b) { throw DruidError.broker("unexpected data after the end of the Druid answer at byte \(offset)") }
                continue
            }
            if !opened {
                if preamble.isEmpty, b == UInt8(ascii: "[") {
                    opened = true
                } else if !(preamble.isEmpty && isSpace(b)), preamble.count < 4096 {
                    preamble.append(b)
                }
                continue
            }
            if depth == 0 {
                if isSpace(b) || b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "]") { closed = true; continue }
                guard b == UInt8(ascii: "{") else {
                    throw DruidError.broker("the Druid answer holds a non-object element at byte \(offset)")
                }
                start = i
            }
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    try emit(UnsafeRawBufferPointer(rebasing: bytes[start!...i]), onElement)
                    start = nil
                }
            default: break
            }
        }
        if let start, depth > 0 {
            element += UnsafeRawBufferPointer(rebasing: bytes[start...])
            try checkSize(element.count)
        }
    }

    private func checkSize(_ count: Int) throws {
        guard count <= Self.maxElementBytes else {
            throw DruidError.broker("a Druid answer element is larger than \(Self.maxElementBytes >> 20) MiB (at byte \(offset))")
        }
    }

    /// Hands over `tail` (the element's bytes in this chunk), after what earlier chunks held of it.
    private mutating func emit(_ tail: UnsafeRawBufferPointer, _ onElement: (UnsafeRawBufferPointer) throws -> Void) throws {
        try checkSize(element.count + tail.count)
        guard !element.isEmpty else { return try onElement(tail) }
        element += tail
        try element.withUnsafeBytes { try onElement($0) }
        element.removeAll(keepingCapacity: true)
    }

    /// Checks the array ended.
    func finish() throws {
        if !preamble.isEmpty {
            throw DruidError.broker("Druid answered \(String(decoding: preamble.prefix(500), as: UTF8.self)) instead of a result array")
        }
        guard closed else {
            throw DruidError.broker(
                opened ? "the Druid answer was cut off after \(offset) bytes (the array never closed)" : "Druid sent an empty answer")
        }
    }

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
}
