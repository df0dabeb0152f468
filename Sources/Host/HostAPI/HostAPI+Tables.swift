import Foundation
import PluginAPI
import RowBatch

// Tables: push scans, pull scans (cursors), upserts and deletes through the configured store.

func hostScan(_ run: OpaquePointer?, _ request: UnsafePointer<dp_scan>?, _ onBatch: dp_batch_fn?, _ user: UnsafeMutableRawPointer?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let request, let onBatch else {
        return ctx.fail(HostCallError.invalid("scan needs a request and a callback"))
    }
    do {
        let r = try HostAPI.scanRequest(request.pointee)
        try ctx.store.scan(r) { builder in
            ctx.progress.read(r.qualifiedName, rows: builder.count)
            try HostAPI.deliver(builder, onBatch, user, what: "scan of \(r.qualifiedName)")
            if cancelRequested != 0 {
                throw HostCallError(status: DP_ERROR_CANCELLED, description: "scan of \(r.qualifiedName) cancelled")
            }
        }
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostCursorOpen(
    _ run: OpaquePointer?, _ request: UnsafePointer<dp_scan>?, _ readAhead: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let request, let out else { return ctx.fail(HostCallError.invalid("cursor_open needs a request and an out pointer")) }
    do {
        let cursor = ScanCursor(store: ctx.store, request: try HostAPI.scanRequest(request.pointee), readAhead: Int(readAhead), run: ctx)
        ctx.register(cursor)
        out.pointee = OpaquePointer(Unmanaged.passRetained(cursor).toOpaque())
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostCursorNext(
    _ cursor: OpaquePointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?,
    _ done: UnsafeMutablePointer<Int32>?
) -> dp_status {
    guard let cursor, let schema, let array, let done else { return DP_ERROR_INVALID_ARGUMENT }
    let c = Unmanaged<ScanCursor>.fromOpaque(UnsafeRawPointer(cursor)).takeUnretainedValue()
    do {
        let more = try c.next(schema: schema, array: array)
        done.pointee = more ? 0 : 1
        if more { c.run.progress.read(c.table, rows: Int(array.pointee.length)) }
        return DP_OK
    } catch {
        return c.run.fail(error)
    }
}

func hostCursorClose(_ cursor: OpaquePointer?) {
    guard let cursor else { return }
    let c = Unmanaged<ScanCursor>.fromOpaque(UnsafeRawPointer(cursor)).takeRetainedValue()
    c.close()
    c.run.closed(c)
}

func hostTableUpsert(
    _ run: OpaquePointer?, _ keyspace: dp_str, _ table: dp_str, _ keys: UnsafePointer<dp_str>?, _ nKeys: Int,
    _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let schema, let array, nKeys > 0, let keys else {
        return ctx.fail(HostCallError.invalid("table_upsert needs key columns and a batch"))
    }
    do {
        try ctx.store.upsert(
            keyspace: keyspace.string, table: table.string, key: (0..<nKeys).map { keys[$0].string },
            batch: try BatchView(schema: schema, array: array))
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostTableDelete(
    _ run: OpaquePointer?, _ keyspace: dp_str, _ table: dp_str, _ schema: UnsafeMutablePointer<ArrowSchema>?,
    _ array: UnsafeMutablePointer<ArrowArray>?, _ out: UnsafeMutablePointer<UInt64>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let schema, let array else { return ctx.fail(HostCallError.invalid("table_delete needs a batch")) }
    do {
        let n = try ctx.store.delete(keyspace: keyspace.string, table: table.string, batch: try BatchView(schema: schema, array: array))
        out?.pointee = UInt64(n)
        return DP_OK
    } catch { return ctx.fail(error) }
}

extension HostAPI {
    /// dp_scan → ScanRequest, validating what the plugin sent.
    static func scanRequest(_ s: dp_scan) throws -> ScanRequest {
        guard Int(s.size) >= MemoryLayout<dp_scan>.offset(of: \.batch_rows)! + 4 else {
            throw HostCallError.invalid("dp_scan.size \(s.size) is too small")
        }
        var columns: [Field] = []
        for i in 0..<s.n_columns {
            let c = s.columns[i]
            guard let t = ColumnType(rawValue: c.type) else {
                throw HostCallError.invalid("column \(c.name.string): unknown type \(c.type)")
            }
            columns.append(Field(c.name.string, t))
        }
        var filters: [ScanRequest.Filter] = []
        for i in 0..<s.n_filters {
            let f = s.filters[i]
            guard let op = ScanRequest.Op(rawValue: f.op) else {
                throw HostCallError.invalid("filter on \(f.column.string): unknown operator \(f.op)")
            }
            let values = try (0..<f.n_values).map { j -> JSONValue in
                let text = f.values[j].string
                do { return try JSONParser.parse(text) } catch {
                    throw HostCallError.invalid("filter on \(f.column.string): value \(text) is not a JSON literal")
                }
            }
            guard op == .in ? !values.isEmpty : values.count == 1 else {
                throw HostCallError.invalid("filter on \(f.column.string): wrong number of values (\(values.count))")
            }
            filters.append(ScanRequest.Filter(column: f.column.string, op: op, values: values))
        }
        var orderBy: [String] = []
        // A plugin built against ABI < 1.5 sends a shorter dp_scan: no order.
        if Int(s.size) >= MemoryLayout<dp_scan>.offset(of: \.n_order_by)! + MemoryLayout<Int>.size {
            for i in 0..<s.n_order_by {
                let name = s.order_by[i].string
                guard let column = columns.first(where: { $0.name == name }) else {
                    throw HostCallError.invalid("order_by \(name): not one of the scan's columns")
                }
                guard column.type != .json else { throw HostCallError.invalid("order_by \(name): a JSON column has no order") }
                orderBy.append(name)
            }
        }
        return ScanRequest(
            keyspace: s.keyspace.string, table: s.table.string, columns: columns, filters: filters,
            batchRows: Int(s.batch_rows), orderBy: orderBy)
    }
}

// Table replacement (ABI 1.7): a handle per replacement, retained for the plugin's pointer.

/// One open replacement, and the run it reports errors to.
final class ReplacementHandle {
    let run: RunContext
    let replacement: TableReplacement
    let columns: [Field]
    let table: String

    init(run: RunContext, replacement: TableReplacement, columns: [Field], table: String) {
        (self.run, self.replacement, self.columns, self.table) = (run, replacement, columns, table)
    }
}

func hostTableColumns(
    _ run: OpaquePointer?, _ store: dp_str, _ keyspace: dp_str, _ table: dp_str, _ out: UnsafeMutablePointer<dp_str>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("table_columns needs an out pointer")) }
    do {
        let fields = try ctx.store(named: store.string).columns(keyspace: keyspace.string, table: table.string)
        let json = JSONValue.array(fields.map { .object([("name", .string($0.name)), ("type", .string($0.type.description))]) })
        out.pointee = ctx.keepColumns(json.render())
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostTableReplaceOpen(
    _ run: OpaquePointer?, _ store: dp_str, _ keyspace: dp_str, _ table: dp_str, _ schema: UnsafeMutablePointer<ArrowSchema>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let schema, let out else { return ctx.fail(HostCallError.invalid("table_replace_open needs a schema and an out pointer")) }
    do {
        let columns = try BatchView.fields(of: schema)
        guard !columns.isEmpty else { throw HostCallError.invalid("table_replace_open: the schema has no columns") }
        let name = "\(keyspace.string).\(table.string)"
        // On one store, truncating a table the job is still reading would wait on the scan's lock forever.
        if ctx.isRunStore(store.string), ctx.openCursors.values.contains(where: { $0.table == name }) {
            throw HostCallError.invalid("cannot replace \(name) while reading it from the same store (give --target-store)")
        }
        let replacement = try ctx.store(named: store.string).replace(keyspace: keyspace.string, table: table.string, columns: columns)
        let handle = ReplacementHandle(run: ctx, replacement: replacement, columns: columns, table: name)
        ctx.register(handle)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostTableReplaceWrite(
    _ replacement: OpaquePointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?
) -> dp_status {
    guard let replacement, let schema, let array else { return DP_ERROR_INVALID_ARGUMENT }
    let h = Unmanaged<ReplacementHandle>.fromOpaque(UnsafeRawPointer(replacement)).takeUnretainedValue()
    do {
        let batch = try BatchView(schema: schema, array: array)
        guard batch.fields == h.columns else {
            throw HostCallError.invalid("replacement of \(h.table): batch columns \(batch.fields.map(\.name)) differ from those it was opened with")
        }
        try h.replacement.write(batch)
        h.run.progress.read(h.table, rows: batch.count)
        return DP_OK
    } catch {
        h.replacement.abort()
        return h.run.fail(error)
    }
}

func hostTableReplaceCommit(_ replacement: OpaquePointer?, _ rowsOut: UnsafeMutablePointer<UInt64>?) -> dp_status {
    guard let replacement else { return DP_ERROR_INVALID_ARGUMENT }
    let h = Unmanaged<ReplacementHandle>.fromOpaque(UnsafeRawPointer(replacement)).takeRetainedValue()
    h.run.closed(h)
    do {
        let rows = try h.replacement.commit()
        rowsOut?.pointee = UInt64(rows)
        return DP_OK
    } catch { return h.run.fail(error) }
}

func hostTableReplaceAbort(_ replacement: OpaquePointer?) {
    guard let replacement else { return }
    let h = Unmanaged<ReplacementHandle>.fromOpaque(UnsafeRawPointer(replacement)).takeRetainedValue()
    h.run.closed(h)
    h.replacement.abort()
}
