import Foundation
import PluginAPI
import RowBatch

// Reports: rows a job writes, staged until it succeeds.

func hostReportOpen(_ run: OpaquePointer?, _ spec: UnsafePointer<dp_report_spec>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let spec, let out else { return ctx.fail(HostCallError.invalid("report_open needs a spec and an out pointer")) }
    do {
        let s = spec.pointee
        let parts = (0..<s.n_partition_by).map { s.partition_by[$0].string }
        // flags arrived with ABI 1.11: an older plugin's smaller struct has none.
        let hasFlags = Int(s.size) >= MemoryLayout<dp_report_spec>.offset(of: \dp_report_spec.flags)! + MemoryLayout<UInt32>.size
        let sink = try ReportSink(
            reportId: s.report_id.string, format: s.format, partitionBy: parts,
            stagingFiles: ctx.staging.files, dialect: ctx.csvDialect, zipped: hasFlags && s.flags & DP_REPORT_ZIP != 0)
        let handle = ReportHandle(sink: sink, run: ctx)
        ctx.register(handle)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostReportWrite(_ report: OpaquePointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?) -> dp_status
{
    guard let report else { return DP_ERROR_INVALID_ARGUMENT }
    let h = Unmanaged<ReportHandle>.fromOpaque(UnsafeRawPointer(report)).takeUnretainedValue()
    guard let schema, let array else { return h.run.fail(HostCallError.invalid("report_write needs a batch")) }
    do {
        let batch = try BatchView(schema: schema, array: array)
        try h.sink.write(batch)
        h.run.progress.wrote(h.sink.reportId, rows: batch.count)
        return DP_OK
    } catch {
        return h.run.fail(error)
    }
}

func hostReportClose(_ report: OpaquePointer?) -> dp_status {
    guard let report else { return DP_ERROR_INVALID_ARGUMENT }
    let h = Unmanaged<ReportHandle>.fromOpaque(UnsafeRawPointer(report)).takeRetainedValue()
    do {
        try h.sink.close()
        h.run.closed(h)
        return DP_OK
    } catch {
        h.run.closed(h)
        return h.run.fail(error)
    }
}

func hostReportSize(_ run: OpaquePointer?, _ reportId: dp_str, _ out: UnsafeMutablePointer<UInt64>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("report_size needs bytes_out")) }
    guard let bytes = ctx.reportBytes[reportId.string] else {
        return ctx.fail(HostCallError(status: DP_ERROR_NOT_FOUND, description: "no closed report '\(reportId.string)' in this run"))
    }
    out.pointee = bytes
    return DP_OK
}
