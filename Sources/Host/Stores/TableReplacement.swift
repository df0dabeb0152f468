import Foundation
import PluginAPI
import RowBatch

/// A table's whole content being replaced (ABI table_replace_*; upstream's truncate-then-write
/// migrations): the old rows go and the new ones arrive in one transaction, so readers see the old
/// table or the new one, and a failed or abandoned copy leaves the old one as it was.
protocol TableReplacement: AnyObject {
    /// Adds a batch of rows (the columns given when the replacement began, in that order).
    func write(_ batch: BatchView) throws
    /// Makes the new content the table's; returns how many rows it has.
    func commit() throws -> Int64
    /// Gives up: the table keeps its old content. Safe to call after a failed write or commit.
    func abort()
}

/// What both stores' replacements share: the once-only commit or abort, the row count, a failed
/// commit rolled back. A store supplies `append` (rows into the open transaction), `finish` (make them
/// the table's) and `rollback`.
class TransactionalReplacement: TableReplacement {
    let table: String
    private var rows: Int64 = 0
    private var open = true

    init(table: String) { self.table = table }

    func write(_ batch: BatchView) throws {
        guard open else { throw HostCallError.invalid("replacement of \(table) is already closed") }
        try append(batch)
        rows += Int64(batch.count)
    }

    func commit() throws -> Int64 {
        guard open else { throw HostCallError.invalid("replacement of \(table) is already closed") }
        do {
            try finish()
            open = false
            return rows
        } catch {
            abort()
            throw error
        }
    }

    func abort() {
        guard open else { return }
        open = false
        rollback()
    }

    func append(_ batch: BatchView) throws { preconditionFailure("a store's replacement overrides append") }
    func finish() throws { preconditionFailure("a store's replacement overrides finish") }
    func rollback() { preconditionFailure("a store's replacement overrides rollback") }
}

extension TableStore {
    /// The table's columns with the types a scan of all of them should ask for (ABI table_columns);
    /// DP_ERROR_NOT_FOUND when there is no such table.
    func columns(keyspace: String, table: String) throws -> [Field] {
        throw HostCallError(status: DP_ERROR_UNSUPPORTED, description: "\(Self.self) cannot describe tables: use an sqlite: or postgres: store")
    }

    func replace(keyspace: String, table: String, columns: [Field]) throws -> TableReplacement {
        throw HostCallError(status: DP_ERROR_UNSUPPORTED, description: "\(Self.self) cannot replace tables: use an sqlite: or postgres: store")
    }
}
