import Foundation

/// A table's rows in user order (an ABI 1.5 pull scan ordered by column 0, the user id), handed out
/// up to a user at a time: the merge side of a join with another user-ordered stream (the learners of
/// a batch, a program's enrolments), so neither side is ever held whole.
public final class UserOrderedRows {
    private let rows: PeekableRows

    public init(_ cursor: ScanCursor) { rows = PeekableRows(cursor) }

    public func close() { rows.close() }

    /// Hands over every row (with its user_id bytes, nil when null) whose user_id is at most `last`
    /// (UTF-8 bytes, the scan's order) and keeps the first later row for the next call; nil `last`:
    /// every remaining row.
    public func forEach(upTo last: [UInt8]?, _ body: (BatchView, Int, UnsafeRawBufferPointer?) throws -> Void) throws {
        try (last ?? []).withUnsafeBytes { bound in
            while let (b, row) = try rows.peek() {
                let u = b.utf8(0, row)
                if let u, last != nil, Self.compare(u, bound) > 0 { return }
                try body(b, row, u)
                rows.advance()
            }
        }
    }

    /// Byte order of two UTF-8 strings (memcmp, then length).
    public static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}
