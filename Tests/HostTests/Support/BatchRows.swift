import PluginAPI
import RowBatch

extension BatchBuilder {
    /// Exports the builder's rows through the Arrow C Data Interface and reads them back, as a
    /// consumer on the other side of the ABI would.
    func exportedRows() throws -> [[Value]] {
        var s = ArrowSchema(), a = ArrowArray()
        export(schema: &s, array: &a)
        defer { s.release?(&s); a.release?(&a) }
        let v = try BatchView(schema: &s, array: &a)
        return (0..<v.count).map { v.row($0) }
    }
}

/// Rows as a BatchView borrowed for `body` (what a store's write receives across the ABI).
func withBatch<T>(_ fields: [Field], _ rows: [[Value]], _ body: (BatchView) throws -> T) throws -> T {
    let b = BatchBuilder(fields: fields)
    for r in rows { try b.append(r) }
    var s = ArrowSchema(), a = ArrowArray()
    b.export(schema: &s, array: &a)
    defer { s.release?(&s); a.release?(&a) }
    return try body(try BatchView(schema: &s, array: &a))
}
