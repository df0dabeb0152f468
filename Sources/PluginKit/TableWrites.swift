import PluginAPI

extension JobContext {
    /// Upserts rows into `table` ("keyspace.table") by `key` columns (ABI 1.4); one transaction.
    public func upsert(_ table: String, key: [String], columns: [Field], rows: [[Value]]) throws {
        try requireHost(\.table_upsert, minor: 4, for: "table writes")
        let (keyspace, name) = try Self.split(table)
        let strings = StringArena()
        var k = key.map { strings.dp($0) }
        try withBatch(columns, rows) { schema, array in
            try check(
                k.withUnsafeMutableBufferPointer { kb in
                    host.pointee.table_upsert!(run, strings.dp(keyspace), strings.dp(name), kb.baseAddress, kb.count, schema, array)
                })
        }
    }

    /// Deletes the rows of `table` equal to one of `rows` on `columns`; returns how many were deleted.
    @discardableResult
    public func delete(_ table: String, columns: [Field], rows: [[Value]]) throws -> Int {
        try requireHost(\.table_delete, minor: 4, for: "table writes")
        let (keyspace, name) = try Self.split(table)
        let strings = StringArena()
        var deleted: UInt64 = 0
        try withBatch(columns, rows) { schema, array in
            try check(host.pointee.table_delete!(run, strings.dp(keyspace), strings.dp(name), schema, array, &deleted))
        }
        return Int(deleted)
    }

    static func split(_ table: String) throws -> (String, String) {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw JobError(.invalidArgument, "table '\(table)' is not keyspace.table") }
        return (parts[0], parts[1])
    }

    func withBatch(
        _ columns: [Field], _ rows: [[Value]],
        _ body: (UnsafeMutablePointer<ArrowSchema>, UnsafeMutablePointer<ArrowArray>) throws -> Void
    ) throws {
        let builder = BatchBuilder(fields: columns)
        for r in rows { do { try builder.append(r) } catch { throw JobError(.data, "\(error)") } }
        try builder.withExported(body)
    }
}
