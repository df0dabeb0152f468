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
