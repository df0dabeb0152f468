import Foundation
import JobParameters
import RowBatch
import HostSystem

/// One `dataproducts run`: resolve and check the plugin, render the config, run the job (isolated by
/// default), log JOB_START/JOB_END, and publish the reports only if the job succeeded.
struct JobExecution {
    var registry: Registry
    var environment: String?
    var config: EffectiveConfig
    var job: String
    var connectors: Connectors
    var output: String
    var timeout: TimeInterval?
    var inProcess: Bool
    var logFile: String?
    var logLevel: JobLogger.Level
    /// For `requests run`: the request the job serves (ABI request) and who publishes its staged files
    /// instead of the plain move into `output` (it gets the staged files' root and the job's result).
    var request: String? = nil
    var progressLabel: String? = nil
    /// The run clock: what every date rule of the job takes as now (`--now`, else the host's start).
    var now = RunClock.start
    var publish: ((_ stagedFiles: String, _ result: String?) throws -> [String])? = nil
    /// Blob stores a scheduled job's reports are uploaded to (`--publish`), in order, before they
    /// are moved into `output`; each file keeps its path under the reports as its key.
    var publishTo: [BlobSpec] = []
    /// The plugin and job id as `RunOptions` resolved and checked them (resolved again when unset).
    var resolved: (VerifiedPlugin, String)? = nil
    /// The config's modelParams checked against the job's and the host's declarations.
    var parameters = ResolvedParameters()

    struct Result {
        var jobId: String
        var published: [String]
        var counters: [(String, Int64)]
        var seconds: Double
        var requestResult: String? = nil
    }

    func run() throws -> Result {
        let (plugin, jobId) = try resolved ?? PluginResolver(registry: registry, environment: environment).resolve(job: job)
        let logger = try JobLogger.open(path: logFile, jobName: jobId, minimumLevel: logLevel)
        logger.requestId = RunSpec.requestId(of: request)
        let started = Date()
        logger.start(
            "Started processing of \(jobId)",
            data: [
                ("model", .string(jobId)), ("plugin", .string("\(plugin.entry.name) \(plugin.manifest.version)")),
                ("config", config.json),
            ])
        func end(_ success: Bool, _ message: String, _ data: [(String, JSONValue)], counters: [(String, Int64)] = []) {
            let secs = Date().timeIntervalSince(started)
            logger.end(
                message, success: success,
                data: [("model", .string(jobId))] + data + [
                    ("timeTaken", .double(secs.rounded(.down))), ("timeTakenMs", .int(Int64(secs * 1000))),
                ])
            if let topic = connectors.metricsTopic, let kafka = connectors.kafka {
                let event = MetricEvent.json(job: jobId, success: success, counters: counters, seconds: secs, runClock: now)
                MetricEvent.send(event, topic: topic, kafka: kafka, logger: logger)
            }
        }
        let staging: Staging
        do { staging = try Staging.create(output: output) } catch {
            end(false, "\(jobId) processing failed", [("statusMsg", .string("\(error)"))])
            throw error
        }
        let spec = RunSpec(
            libraryPath: plugin.libraryPath, librarySHA256: plugin.image.sha256, manifestPath: Manifest.path(forLibrary: plugin.libraryPath),
            jobId: jobId, configText: config.text, connectors: connectors, stagingDir: staging.directory,
            output: output, logFile: logFile, logLevel: logLevel.name, request: request, progressLabel: progressLabel,
            nowMillis: RunClock.millis(now))
        let outcome: RunOutcome
        do {
            outcome = try inProcess ? JobRunner.execute(spec, logger: logger) : runIsolated(spec, staging: staging)
        } catch let e as HostError {
            staging.discard()
            let what: String
            switch e {
            case .jobCrashed: what = "crashed"
            case .jobTimedOut: what = "timed out"
            default: what = "failed"
            }
            end(false, "\(jobId) processing \(what)", [("statusMsg", .string(e.description))])
            throw e
        }
        let counterData = outcome.counters.map { ($0.name, JSONValue.int($0.value)) }
        switch outcome.kind {
        case .succeeded:
            let published: [String]
            do {
                if let publish {
                    published = try publish(staging.files, outcome.result)
                    staging.discard()
                } else {
                    try uploadStaged(staging, logger: logger)
                    published = try staging.commit()
                }
                if let combine = outcome.workCombine {
                    try combine.mark()
                    logger.log(.info, "work run \(combine.runId): combined output published")
                }
                if let calls = outcome.afterPublish {
                    try DeferredHTTPCall.send(calls, through: try HTTPConnectorFactory.make(connectors.http), logger: logger)
                }
            } catch {
                staging.discard()
                end(false, "\(jobId) processing failed", [("statusMsg", .string("\(error)"))])
                throw error
            }
            end(
                true, "\(jobId) processing complete",
                counterData + [("reports", .array(published.map { .string($0) }))], counters: outcome.counterPairs)
            return Result(
                jobId: jobId, published: published, counters: outcome.counterPairs,
                seconds: Date().timeIntervalSince(started), requestResult: outcome.result)
        case .failed, .refused:
            staging.discard()
            end(false, "\(jobId) processing failed", counterData + [("statusMsg", .string(outcome.message))])
            throw outcome.kind == .refused
                ? HostError.pluginRefused(outcome.message)
                : HostError.jobFailed("job \(jobId) failed: \(outcome.message)")
        }
    }

    /// Uploads every staged file to each `--publish` store. A failed upload fails the run before the
    /// local move; objects already uploaded are whole, at the keys a re-run writes again.
    private func uploadStaged(_ staging: Staging, logger: JobLogger) throws {
        guard !publishTo.isEmpty else { return }
        let files = staging.stagedFiles()
        for spec in publishTo {
            let store = try BlobStoreFactory.make(spec)
            for rel in files {
                do { try store.putFile(key: rel, path: (staging.files as NSString).appendingPathComponent(rel)) } catch {
                    throw HostError.jobFailed("publishing \(rel) to \(spec.text) failed: \(error)")
                }
            }
            logger.log(.info, "published \(files.count) report file(s) to \(spec.text)", data: [("files", .array(files.map { .string($0) }))])
        }
    }

    /// Runs the job in a child process and reads the outcome it sent; a child that died without one
    /// crashed (signal) or was killed for its timeout.
    private func runIsolated(_ spec: RunSpec, staging: Staging) throws -> RunOutcome {
        let (exit, sent) = try ChildProcess.run(spec: try JSONEncoder().encode(spec), timeout: timeout)
        let result = sent.isEmpty ? nil : try? JSONDecoder().decode(RunOutcome.self, from: sent)
        switch exit {
        case .timedOut(let s):
            throw HostError.jobTimedOut("job \(spec.jobId) exceeded its timeout of \(Int(s)) s and was killed")
        case .signaled(let sig):
            throw HostError.jobCrashed("job \(spec.jobId) crashed: plugin process killed by \(ChildProcess.signalName(sig))")
        case .exited(let code):
            if let result { return result }
            throw HostError.jobCrashed("job \(spec.jobId) crashed: plugin process exited with status \(code) without a result")
        }
    }

    /// The `_child` side: read the spec from stdin, run it in this process, send the outcome on fd 3.
    static func childMain() -> Int32 {
        _ = fcntl(ChildProcess.resultFD, F_SETFD, FD_CLOEXEC)  // processes a plugin starts must not hold it
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let spec = try? JSONDecoder().decode(RunSpec.self, from: input) else {
            fputs("dataproducts _child: unreadable run spec on stdin (\(input.count) bytes)\n", stderr)
            return ExitCodes.internalError
        }
        // The specs came on stdin, not the command line: learn their secrets before anything logs.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let connectors = (try? encoder.encode(spec.connectors)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        Secrets.learn(arguments: [connectors], environment: ProcessInfo.processInfo.environment)
        installCancellationHandlers()
        // If the host dies (even by SIGKILL), its job must not run on unsupervised.
        _ = dp_set_parent_death_signal(SIGKILL)  // nobody would publish its reports now
        if getppid() == 1 { return ExitCodes.internalError }  // the parent is already gone
        let level = JobLogger.Level.allNamed[spec.logLevel] ?? .info
        guard let logger = try? JobLogger.open(path: spec.logFile, jobName: spec.jobId, minimumLevel: level) else {
            return ExitCodes.internalError
        }
        logger.requestId = RunSpec.requestId(of: spec.request)
        let outcome = JobRunner.execute(spec, logger: logger)
        guard let data = try? JSONEncoder().encode(outcome), ChildProcess.writeAll(ChildProcess.resultFD, data) else {
            return ExitCodes.internalError
        }
        return outcome.kind == .succeeded ? 0 : 1
    }
}

extension JobLogger.Level {
    static let allNamed: [String: JobLogger.Level] = ["DEBUG": .debug, "INFO": .info, "WARN": .warn, "ERROR": .error]
}
