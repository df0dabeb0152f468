import Foundation
import PluginAPI
import RowBatch

// ABI 1.9: the user cache maintained by a job (scan a database, write or refresh it, delete keys).

/// An open dp_cache_writer: retained once for the plugin's pointer until commit or abort.
final class CacheWriterHandle {
    let run: RunContext
    let writer: CacheWriter
    let what: String

    init(run: RunContext, writer: CacheWriter, what: String) { (self.run, self.writer, self.what) = (run, writer, what) }
}

private func database(_ db: Int32) -> Int? { db < 0 ? nil : Int(db) }

func hostCacheScan(
    _ run: OpaquePointer?, _ db: Int32, _ pattern: dp_str, _ fields: UnsafePointer<dp_str>?, _ nFields: Int, _ count: UInt32,
    _ onBatch: dp_batch_fn?, _ user: UnsafeMutableRawPointer?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onBatch, nFields == 0 || fields != nil, pattern.len > 0 else {
        return ctx.fail(HostCallError.invalid("cache_scan needs a pattern, fields and a callback"))
    }
    do {
        let fieldList = (0..<nFields).map { fields![$0].string }
        try ctx.cacheMaintenance().scan(db: database(db), pattern: pattern.string, fields: fieldList, count: count == 0 ? 10_000 : Int(count)) {
            builder in
            ctx.progress.read("user cache", rows: builder.count)
            try HostAPI.deliver(builder, onBatch, user, what: "cache_scan")
        }
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostCacheOpen(_ run: OpaquePointer?, _ db: Int32, _ flags: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("cache_open needs an out pointer")) }
    guard flags == DP_CACHE_MERGE || flags == DP_CACHE_REFRESH else { return ctx.fail(HostCallError.invalid("cache_open: unknown flags \(flags)")) }
    do {
        let refresh = flags == DP_CACHE_REFRESH
        let writer = try ctx.cacheMaintenance().openWriter(db: database(db), refresh: refresh)
        let handle = CacheWriterHandle(run: ctx, writer: writer, what: "\(refresh ? "refresh" : "merge") of user cache database \(db)")
        ctx.register(handle)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return DP_OK
    } catch { return ctx.fail(error) }
}

private func handle(_ writer: OpaquePointer) -> CacheWriterHandle {
    Unmanaged<CacheWriterHandle>.fromOpaque(UnsafeRawPointer(writer)).takeUnretainedValue()
}

func hostCacheWrite(_ writer: OpaquePointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?) -> dp_status {
    guard let writer, let schema, let array else { return DP_ERROR_INVALID_ARGUMENT }
    let h = handle(writer)
    do {
        let batch = try BatchView(schema: schema, array: array)
        try h.writer.write(batch)
        h.run.progress.read("user cache writes", rows: batch.count)
        return DP_OK
    } catch { return h.run.fail(error) }
}

func hostCacheDelete(_ writer: OpaquePointer?, _ keys: UnsafePointer<dp_str>?, _ nKeys: Int) -> dp_status {
    guard let writer, nKeys == 0 || keys != nil else { return DP_ERROR_INVALID_ARGUMENT }
    let h = handle(writer)
    do {
        try h.writer.delete((0..<nKeys).map { keys![$0].string })
        return DP_OK
    } catch { return h.run.fail(error) }
}

func hostCacheCommit(_ writer: OpaquePointer?, _ hashesOut: UnsafeMutablePointer<UInt64>?) -> dp_status {
    guard let writer else { return DP_ERROR_INVALID_ARGUMENT }
    let h = Unmanaged<CacheWriterHandle>.fromOpaque(UnsafeRawPointer(writer)).takeRetainedValue()
    h.run.closed(h)
    do {
        let n = try h.writer.commit()
        hashesOut?.pointee = UInt64(n)
        h.run.logger.log(.info, "\(h.what): \(n) hashes written, committed")
        return DP_OK
    } catch {
        h.writer.abort()
        return h.run.fail(error)
    }
}

func hostCacheAbort(_ writer: OpaquePointer?) {
    guard let writer else { return }
    let h = Unmanaged<CacheWriterHandle>.fromOpaque(UnsafeRawPointer(writer)).takeRetainedValue()
    h.run.closed(h)
    h.writer.abort()
}
