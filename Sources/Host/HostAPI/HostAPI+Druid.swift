import Foundation
import PluginAPI
import RowBatch

// Druid queries (ABI 1.11): the answer streamed to the job in batches of converted rows.

/// Rows per batch handed to the job: large enough to amortise the call, small enough to stay flat.
private let druidBatchRows = 4096

func hostDruidQuery(_ run: OpaquePointer?, _ query: dp_str, _ onBatch: dp_batch_fn?, _ user: UnsafeMutableRawPointer?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onBatch else { return ctx.fail(HostCallError.invalid("druid_query needs a callback")) }
    do {
        let model: JSONValue
        do { model = try JSONParser.parse(query.string) } catch {
            throw HostCallError.invalid("druid_query: the query is not JSON: \(error)")
        }
        let builder = BatchBuilder(fields: [Field("row", .utf8)])
        let rows = try ctx.druid().query(model, now: Date(timeIntervalSince1970: Double(ctx.nowMillis) / 1000)) { record in
            builder.setUTF8(0, record)
            builder.endRow()
            if builder.count == druidBatchRows { try HostAPI.deliver(builder, onBatch, user, what: "druid_query") }
        }
        if builder.count > 0 { try HostAPI.deliver(builder, onBatch, user, what: "druid_query") }
        ctx.progress.read("druid \(model["dataSource"]?.string ?? "")", rows: rows)
        return DP_OK
    } catch let e as DruidError {
        return ctx.fail(HostCallError(status: e.isConfig ? DP_ERROR_INVALID_ARGUMENT : DP_ERROR_IO, description: e.description))
    } catch {
        return ctx.fail(error)
    }
}

extension DruidError {
    var isConfig: Bool { if case .config = self { return true } else { return false } }
}
