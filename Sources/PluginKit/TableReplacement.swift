import Foundation
import PluginAPI

/// A table whose whole content is being replaced (ABI 1.7; upstream's truncate-then-write
/// migrations): nothing changes for other readers until `commit`; `abort`, a failed write or a run
/// that returns without committing leaves the old rows.
public final class TableReplacement {
    private let context: JobContext
    private var handle: OpaquePointer?
    public let table: String
    public let columns: [Field]

    init(context: JobContext, handle: OpaquePointer, table: String, columns: [Field]) {
        (self.context, self.handle, self.table, self.columns) = (context, handle, table, columns)
    }

    deinit { abort() }

    /// Adds the batch `cursor.next()` returned last, as it is (no copy through Swift values).
    public func write(currentBatchOf cursor: ScanCursor) throws {
        guard let handle, cursor.holding else { throw JobError(.invalidArgument, "replacement of \(table): nothing to write") }
        try context.check(context.host.pointee.table_replace_write!(handle, cursor.schema, cursor.array))
    }

    /// Adds rows in `columns` order.
    public func write(rows: [[Value]]) throws {
        guard let handle else { throw JobError(.invalidArgument, "replacement of \(table) is closed") }
        try context.withBatch(columns, rows) { s, a in try context.check(context.host.pointee.table_replace_write!(handle, s, a)) }
    }

    /// Makes the written rows the table's content; returns their count.
    @discardableResult
    public func commit() throws -> Int64 {
        guard let h = handle else { throw JobError(.invalidArgument, "replacement of \(table) is closed") }
        handle = nil
        var rows: UInt64 = 0
        try context.check(context.host.pointee.table_replace_commit!(h, &rows))
        return Int64(rows)
    }

    public func abort() {
        guard let h = handle else { return }
        handle = nil
        context.host.pointee.table_replace_abort!(h)
    }
}

extension JobContext {
    /// Where a migration reads or writes: the run's store, or its `--target-store`.
    public enum StoreName: String { case run = "", target }

    /// The columns of `table` ("keyspace.table") in `store`, typed for a scan of all of them.
    public func tableColumns(_ table: String, in store: StoreName = .run) throws -> [Field] {
        try requireHost(\.table_replace_abort, minor: 7, for: "table replacement")
        let (keyspace, name) = try Self.split(table)
        var out = dp_str(data: nil, len: 0)
        let strings = StringArena()
        try check(host.pointee.table_columns!(run, strings.dp(store.rawValue), strings.dp(keyspace), strings.dp(name), &out))
        return try (JSONParser.parse(out.string).array ?? []).map { c in
            guard let n = c["name"]?.string, let t = c["type"]?.string.flatMap(ColumnType.init(name:)) else {
                throw JobError(.internal, "host described \(table) as \(c.render())")
            }
            return Field(n, t)
        }
    }

    /// Begins replacing the content of `table` in `store` with rows of `columns`.
    public func replaceTable(_ table: String, in store: StoreName = .target, columns: [Field]) throws -> TableReplacement {
        try requireHost(\.table_replace_abort, minor: 7, for: "table replacement")
        let (keyspace, name) = try Self.split(table)
        let strings = StringArena()
        var out: OpaquePointer?
        var schema = ArrowSchema()
        exportSchema(fields: columns, into: &schema)
        defer { schema.release?(&schema) }
        try check(host.pointee.table_replace_open!(run, strings.dp(store.rawValue), strings.dp(keyspace), strings.dp(name), &schema, &out))
        return TableReplacement(context: self, handle: out!, table: table, columns: columns)
    }
}
