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
