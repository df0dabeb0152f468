import Foundation
import PluginAPI
import RowBatch

/// The host function table handed to every job (dp_host_api), in the header's field order: plain
/// named functions, each in the file of its area (HostAPI+Run, +Tables, +Reports, +Connectors,
/// +Requests, +Kafka, +Publishing, +Cache, +Work, +Druid). Each turns the opaque `dp_run *` back into its RunContext; no Swift error or object
/// crosses the boundary.
enum HostAPI {
    static let table: UnsafeMutablePointer<dp_host_api> = {
        let t = UnsafeMutablePointer<dp_host_api>.allocate(capacity: 1)
        t.pointee = dp_host_api(
            size: UInt32(MemoryLayout<dp_host_api>.size),
            abi_major: UInt16(DP_ABI_MAJOR),
            abi_minor: UInt16(DP_ABI_MINOR),
            log: hostLog,
            set_error: hostSetError,
            last_error: hostLastError,
            job_id: hostJobId,
            model_config: hostModelConfig,
            scan: hostScan,
            report_open: hostReportOpen,
            report_write: hostReportWrite,
            report_close: hostReportClose,
            count: hostCount,
            progress: hostProgress,
            is_cancelled: hostIsCancelled,
            http: hostHttp,
            redis_read: hostRedisRead,
            redis_write: hostRedisWrite,
            blob_put: hostBlobPut,
            blob_get: hostBlobGet,
            blob_list: hostBlobList,
            blob_delete: hostBlobDelete,
            request: hostRequest,
            set_result: hostSetResult,
            report_size: hostReportSize,
            decrypt_pii: hostDecryptPii,
            table_upsert: hostTableUpsert,
            table_delete: hostTableDelete,
            course_cache_members: hostCourseCacheMembers,
            cursor_open: hostCursorOpen,
            cursor_next: hostCursorNext,
            cursor_close: hostCursorClose,
            now_ms: hostNowMs,
            kafka_send: hostKafkaSend,
            table_columns: hostTableColumns,
            table_replace_open: hostTableReplaceOpen,
            table_replace_write: hostTableReplaceWrite,
            table_replace_commit: hostTableReplaceCommit,
            table_replace_abort: hostTableReplaceAbort,
            report_secure: hostReportSecure,
            http_after_publish: hostHttpAfterPublish,
            cache_scan: hostCacheScan,
            cache_open: hostCacheOpen,
            cache_write: hostCacheWrite,
            cache_delete: hostCacheDelete,
            cache_commit: hostCacheCommit,
            cache_abort: hostCacheAbort,
            work_declare: hostWorkDeclare,
            work_next: hostWorkNext,
            work_done: hostWorkDone,
            work_finish: hostWorkFinish,
            work_outputs: hostWorkOutputs,
            druid_query: hostDruidQuery
        )
        return t
    }()

    /// Hands a batch to a plugin's callback, borrowed for the call (whatever the plugin did not
    /// move is released after it); a non-DP_OK answer stops the producer with that status.
    static func deliver(
        _ builder: BatchBuilder, _ onBatch: dp_batch_fn, _ user: UnsafeMutableRawPointer?,
        what: String
    ) throws {
        var schema = ArrowSchema(), array = ArrowArray()
        builder.export(schema: &schema, array: &array)
        let status = onBatch(user, &schema, &array)
        schema.release?(&schema)
        array.release?(&array)
        if status != DP_OK { throw HostCallError(status: status, description: "\(what) stopped by the job (status \(status))") }
    }

    static func pointer(for ctx: RunContext) -> OpaquePointer {
        OpaquePointer(Unmanaged.passUnretained(ctx).toOpaque())
    }

    static func context(_ run: OpaquePointer?) -> RunContext {
        Unmanaged<RunContext>.fromOpaque(UnsafeRawPointer(run!)).takeUnretainedValue()
    }
}
