import Foundation
import PluginAPI
import RowBatch

// The run itself: logging, errors, config, counters, progress, cancellation.

func hostLog(_ run: OpaquePointer?, _ level: dp_log_level, _ message: dp_str) {
    let ctx = HostAPI.context(run)
    let l = JobLogger.Level(rawValue: Int(level)) ?? .info
    ctx.progress.outside { ctx.logger.log(l, message.string) }
}

func hostSetError(_ run: OpaquePointer?, _ message: dp_str) {
    HostAPI.context(run).errorMessage = message.string
}

func hostLastError(_ run: OpaquePointer?) -> dp_str {
    HostAPI.context(run).lastError
}

func hostJobId(_ run: OpaquePointer?) -> dp_str {
    HostAPI.context(run).jobIdStr
}

func hostModelConfig(_ run: OpaquePointer?) -> dp_str {
    HostAPI.context(run).configStr
}

func hostCount(_ run: OpaquePointer?, _ name: dp_str, _ delta: Int64) {
    HostAPI.context(run).count(name.string, delta)
}

func hostProgress(_ run: OpaquePointer?, _ done: UInt64, _ total: UInt64) {
    HostAPI.context(run).progress.job(done: done, total: total)
}

func hostIsCancelled(_ run: OpaquePointer?) -> Int32 {
    cancelRequested != 0 ? 1 : 0
}

func hostNowMs(_ run: OpaquePointer?) -> Int64 {
    HostAPI.context(run).nowMillis
}
