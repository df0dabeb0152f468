import Foundation
import RowBatch
import PluginAPI

/// Runs one job in the current process: load the plugin, call the job, close its reports.
/// Never throws: every ending becomes a RunOutcome (a crash, of course, ends the process).
enum JobRunner {
    static func execute(_ spec: RunSpec, logger: JobLogger) -> RunOutcome {
        let plugin: LoadedPlugin
        do {
            let manifest = try Manifest.read(spec.manifestPath)
            plugin = try LoadedPlugin.load(path: spec.libraryPath, expect: manifest)
        } catch {
            return RunOutcome(kind: .refused, message: "\(error)")
        }
        guard let job = plugin.jobs[spec.jobId] else {
            return RunOutcome(kind: .refused, message: "plugin \(plugin.name): \(spec.libraryPath): does not provide job '\(spec.jobId)'")
        }
        let store: TableStore, http: HTTPConnector
        do {
            store = try StoreFactory.make(spec.connectors.store, modelParams: (try? JSONParser.parse(spec.configText))?["modelParams"])
            http = try HTTPConnectorFactory.make(spec.connectors.http)
        } catch { return RunOutcome(kind: .failed, message: "\(error)") }
        let staging = Staging(output: spec.output, directory: spec.stagingDir)
        let ctx = RunContext(
            jobId: spec.jobId, configText: spec.configText, store: store, http: http, connectors: spec.connectors,
            staging: staging, logger: logger, progressLabel: spec.progressLabel, nowMillis: spec.nowMillis)
        ctx.setRequest(spec.request)
        ctx.progress.start()
        let status = withExtendedLifetime(ctx) {
            job.pointee.run(HostAPI.pointer(for: ctx), UnsafePointer(HostAPI.table), job.pointee.job_data)
        }
        ctx.progress.finish()
        ctx.closeLeftoverCursors()
        do { try ctx.closeLeftoverReports() } catch {
            return RunOutcome(kind: .failed, message: "closing reports: \(error)", counters: ctx.counters)
        }
        var counters = ctx.counters
        if !counters.contains(where: { $0.0 == "outputEvents" }) { counters.append(("outputEvents", ctx.reportRows)) }
        guard status == DP_OK else {
            let message = ctx.errorMessage ?? "job returned status \(status) without a message"
            return RunOutcome(kind: .failed, message: message, counters: counters, result: ctx.resultJSON)
        }
        return RunOutcome(kind: .succeeded, message: "", counters: counters, result: ctx.resultJSON)
    }
}
