import Foundation

/// A pull scan's rows one at a time, each seen before it is taken: the walk under every merge join
/// (UserOrderedRows, a plugin's own keyed merges), which stops at the first row past its key and
/// leaves it for the next key.
public final class PeekableRows {
    private let cursor: ScanCursor
    private var batch: BatchView?
    private var row = 0
    private var ended = false

    public init(_ cursor: ScanCursor) { self.cursor = cursor }

    /// The row the walk stands on (its batch and index, valid until the walk leaves the batch); nil at the end.
    public func peek() throws -> (batch: BatchView, row: Int)? {
        while !ended {
            if let b = batch, row < b.count { return (b, row) }
            batch = try cursor.next()
            row = 0
            if batch == nil { ended = true }
        }
        return nil
    }

    /// Takes the row `peek` showed.
    public func advance() { row += 1 }

    /// A keyed merge step, for scans ordered by their first `key.count` columns (utf8; null reads
    /// as empty): skips the rows whose key sorts before `key`, hands over those equal to it, and
    /// stops at the first later one, which stays for the next key. Keys compare by their UTF-8 bytes,
    /// column by column (the stores' order).
    public func forEach(equalTo key: [[UInt8]], _ body: (BatchView, Int) throws -> Void) throws {
        rows: while let (b, row) = try peek() {
            for (c, part) in key.enumerated() {
                let order = part.withUnsafeBytes { wanted in
                    UserOrderedRows.compare(b.utf8(c, row) ?? UnsafeRawBufferPointer(start: nil, count: 0), wanted)
                }
                if order < 0 {
                    advance()
                    continue rows
                }
                if order > 0 { return }
            }
            try body(b, row)
            advance()
        }
    }

    public func close() { cursor.close() }
}
