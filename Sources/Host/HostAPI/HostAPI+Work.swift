import Foundation
import PluginAPI
import RowBatch

// ABI 1.10: a run's work items, drained by every host that runs the job.

func hostWorkDeclare(_ run: OpaquePointer?, _ items: UnsafePointer<dp_str>?, _ n: Int, _ sharedOut: UnsafeMutablePointer<Int32>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard n == 0 || items != nil else { return ctx.fail(HostCallError.invalid("work_declare needs items")) }
    do {
        let list = (0..<n).map { items![$0].string }
        if let empty = list.firstIndex(where: \.isEmpty) { throw HostCallError.invalid("work_declare: item \(empty) is empty") }
        let queue = try ctx.workQueue()
        try queue.declare(list)
        sharedOut?.pointee = queue.shared ? 1 : 0
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostWorkNext(_ run: OpaquePointer?, _ out: UnsafeMutablePointer<dp_str>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("work_next needs an out pointer")) }
    do {
        let item = try ctx.workQueue().next()
        out.pointee = item.map { ctx.keepWorkItem($0) } ?? dp_str(data: nil, len: 0)
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostWorkDone(
    _ run: OpaquePointer?, _ item: dp_str, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?
)
    -> dp_status
{
    let ctx = HostAPI.context(run)
    guard let schema, let array, item.len > 0 else { return ctx.fail(HostCallError.invalid("work_done needs an item and a batch")) }
    do {
        let batch = try BatchView(schema: schema, array: array)
        let stored = try ctx.workQueue().done(item.string, columns: batch.fields, rows: try WorkRows.encode(batch))
        if !stored { ctx.logger.log(.warn, "work item \(item.string): another host took it over and finished it first; this result is dropped") }
        ctx.progress.read("work items", rows: 1)
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostWorkFinish(_ run: OpaquePointer?, _ stateOut: UnsafeMutablePointer<Int32>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let stateOut else { return ctx.fail(HostCallError.invalid("work_finish needs an out pointer")) }
    do {
        let state = try ctx.workQueue().finish()
        if state == .combine { ctx.combinesWork = true }
        stateOut.pointee = state.rawValue
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostWorkOutputs(_ run: OpaquePointer?, _ onBatch: dp_batch_fn?, _ user: UnsafeMutableRawPointer?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onBatch else { return ctx.fail(HostCallError.invalid("work_outputs needs a callback")) }
    guard ctx.combinesWork else { return ctx.fail(HostCallError.invalid("work_outputs: this host does not combine the run (work_finish)")) }
    do {
        try ctx.workQueue().outputs { try HostAPI.deliver($0, onBatch, user, what: "work_outputs") }
        return DP_OK
    } catch { return ctx.fail(error) }
}
