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
            // This process loads what the host verified, or nothing: its own sealed copy, re-hashed.
            let image: PluginImage
            do { image = try PluginImage.seal(spec.libraryPath) } catch {
                throw HostError.pluginRefused("plugin \(manifest.name): \(spec.libraryPath): \(error)")
            }
            guard image.sha256 == spec.librarySHA256 else {
                throw HostError.pluginRefused(
                    "plugin \(manifest.name): \(spec.libraryPath): changed since it was verified (sha256 \(image.sha256), verified \(spec.librarySHA256)); not loaded"
                )
            }
            plugin = try LoadedPlugin.load(image: image, path: spec.libraryPath, expect: manifest)
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
        ctx.abortLeftoverReplacements()
        ctx.abortLeftoverCacheWriters()
        do { try ctx.closeLeftoverReports() } catch {
            return RunOutcome(kind: .failed, message: "closing reports: \(error)", counters: ctx.counters)
        }
        let undelivered = awaitKafka(ctx, logger: logger)
        var counters = ctx.counters
        if !counters.contains(where: { $0.0 == "outputEvents" }) { counters.append(("outputEvents", ctx.reportRows)) }
        guard status == DP_OK else {
            // A job that passes a failed host call's status on unexplained is explained by that call.
            let unexplained = ctx.lastErrorText.map { "job returned status \(status) after a failed host call: \($0)" }
            let message = [ctx.errorMessage ?? unexplained ?? "job returned status \(status) without a message", undelivered].compactMap { $0 }
            return RunOutcome(kind: .failed, message: message.joined(separator: "; "), counters: counters, result: ctx.resultJSON)
        }
        if let undelivered { return RunOutcome(kind: .failed, message: undelivered, counters: counters, result: ctx.resultJSON) }
        return RunOutcome(
            kind: .succeeded, message: "", counters: counters, result: ctx.resultJSON, afterPublish: ctx.afterPublish,
            workCombine: ctx.workCombine)
    }

    /// A job is done only when Kafka has acknowledged every message it sent: waits for the delivery
    /// reports, logs each topic's count, and returns the failure naming the topics that fell short.
    private static func awaitKafka(_ ctx: RunContext, logger: JobLogger) -> String? {
        guard let producer = ctx.kafkaProducer else { return nil }
        let reports = producer.finish()
        for r in reports {
            logger.log(
                .info, "Kafka topic \(r.topic): \(r.acknowledged) of \(r.sent) messages acknowledged",
                data: [("topic", .string(r.topic)), ("sent", .int(Int64(r.sent))), ("acknowledged", .int(Int64(r.acknowledged)))])
        }
        return KafkaProducer.failure(reports, timeoutMs: producer.spec.deliveryTimeoutMs)
    }
}
