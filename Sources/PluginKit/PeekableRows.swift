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

    public func close() { cursor.close() }
}
