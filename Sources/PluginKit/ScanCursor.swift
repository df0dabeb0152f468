import Foundation
import PluginAPI

/// A pull scan (ABI 1.5): batches come when the job asks, so it can hold two ordered scans open and
/// merge-join them (`scan` pushes a whole table through one callback). The host reads ahead up to
/// `readAhead` batches on a thread of its own.
public final class ScanCursor {
    private let context: JobContext
    private var handle: OpaquePointer?
    let schema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
    let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
    private(set) var holding = false

    init(context: JobContext, handle: OpaquePointer) {
        self.context = context
        self.handle = handle
    }

    deinit {
        close()
        schema.deallocate()
        array.deallocate()
    }

    /// The next batch, valid until the next call to `next` or `close`; nil at the end.
    public func next() throws -> BatchView? {
        releaseCurrent()
        guard let handle else { return nil }
        var done: Int32 = 0
        try context.check(context.host.pointee.cursor_next!(handle, schema, array, &done))
        if done != 0 { return nil }
        holding = true
        return try BatchView(schema: schema, array: array)
    }

    /// Ends the scan (early or at its end); idempotent.
    public func close() {
        releaseCurrent()
        guard let h = handle else { return }
        handle = nil
        context.host.pointee.cursor_close!(h)
    }

    private func releaseCurrent() {
        guard holding else { return }
        holding = false
        schema.pointee.release?(schema)
        array.pointee.release?(array)
    }
}

extension JobContext {
    /// Opens a pull scan of `table` with the same request as `scan`; `readAhead` batches at most are
    /// read ahead (0: the host's default).
    public func openScan(
        _ table: String, columns: [Field], where filters: [Filter] = [], orderBy: [String] = [],
        batchRows: Int = 0, readAhead: Int = 0
    ) throws -> ScanCursor {
        try requireHost(\.cursor_open, minor: 5, for: "pull scans")
        var handle: OpaquePointer?
        let status = try withScanRequest(table, columns: columns, where: filters, orderBy: orderBy, batchRows: batchRows) { request in
            host.pointee.cursor_open!(run, request, UInt32(clamping: readAhead), &handle)
        }
        try check(status)
        return ScanCursor(context: self, handle: handle!)
    }
}
