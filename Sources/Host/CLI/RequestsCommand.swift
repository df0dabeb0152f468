import ArgumentParser
import Foundation
import JobParameters
import RowBatch

struct Requests: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The on-demand request queue (upstream job_request): submit, drain, inspect.",
        subcommands: [RequestsRun.self, RequestsSubmit.self, RequestsList.self, RequestsStats.self])
}

struct RequestsRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Drain the queue for one job: claim each pending request (leased), run the job for it, secure and publish its files, record the outcome.",
        discussion: """
            Several hosts may drain one PostgreSQL queue at once: claims use FOR UPDATE SKIP LOCKED and a lease that a \
            heartbeat renews; a request whose host died is taken over when its lease expires. Exit 0 when the queue was \
            drained (failed requests are recorded in their rows), 65 for bad configuration, 70 when the queue itself failed.
            """)

    @Option(help: "Job id of the plugin job to run (e.g. progress-exhaust).") var job: String
    @Option(help: "job_request.job_id served (default: --job). V2 jobs serve their V1's requests, e.g. progress-exhaust.")
    var requestJob: String?
    @Option(help: "Lease length in seconds; the heartbeat renews it every third.") var lease: Double = 60
    @Option(help: "A FAILED request (iteration < 3) is retried only this many seconds after it failed.") var retryAfter: Double = 300
    @Option(help: "Stop after this many requests.") var maxRequests: Int?
    @Option(help: "Only requests with this batch_number (upstream's parallel submission).") var batchNumber: Int?

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var queueOptions: QueueOptions

    func validate() throws {
        try OptionRanges.check(lease, "--lease", 1...OptionRanges.day)
        try OptionRanges.check(retryAfter, "--retry-after", 0...OptionRanges.month)
        try OptionRanges.check(maxRequests, "--max-requests", 1...Int.max)
        try OptionRanges.check(batchNumber, "--batch-number", 0...Int(Int32.max))
    }

    func run() throws {
        try reportingErrors {
            let execution = try runOptions.execution(job: job, home: homeOptions, config: configOptions, onDemand: true)
            let spec = queueOptions.spec(home: homeOptions.homePath, store: execution.connectors.store)
            let queue = try withStoreErrors { try RequestQueueFactory.make(spec) }
            let heartbeatQueue = try withStoreErrors { try RequestQueueFactory.make(spec) }
            let params = execution.parameters
            var settings = RequestEngine.Settings(requestJobId: requestJob ?? job)
            settings.lease = lease
            settings.retryAfter = retryAfter
            settings.batchNumber = batchNumber ?? params[HostParameters.batchNumber]
            settings.maxRequests = maxRequests ?? .max
            settings.tenantPreferenceUrl = params[HostParameters.tenantPreferenceUrl]
            settings.orgSearchUrl = params[HostParameters.orgSearchUrl]
            settings.batchesPerChannel = params[HostParameters.batchesLimitPerChannel]
            settings.bytesPerChannel = Int64(params[HostParameters.fileSizeLimitPerChannel])
            settings.maxErrorMessageLength = params[HostParameters.maxErrorMessageLength]
            settings.sunbirdEncryptionKey =
                ProcessInfo.processInfo.environment["SUNBIRD_ENCRYPTION_KEY"]
                ?? params[HostParameters.encryptionKey] ?? ""
            let logger = try JobLogger.open(path: execution.logFile, jobName: job, minimumLevel: execution.logLevel)
            let engine = RequestEngine(
                queue: queue, heartbeatQueue: heartbeatQueue, settings: settings, execution: execution,
                blob: try BlobStoreFactory.make(execution.connectors.blob),
                http: try HTTPConnectorFactory.make(execution.connectors.http), logger: logger)
            installCancellationHandlers()
            let started = Date()
            logger.start("\(job) started executing", data: [("model", .string(job)), ("requests", .string(PGConnection.describe(spec)))])
            let summary: RequestEngine.Summary
            do { summary = try withStoreErrors { try engine.drain() } } catch {
                logger.end("\(job) execution failed", success: false, data: [("model", .string(job)), ("statusMsg", .string("\(error)"))])
                throw (error as? HostError).map { HostError.internal($0.description) } ?? error
            }
            let secs = Date().timeIntervalSince(started)
            logger.end(
                "\(job) completed execution", success: true,
                data: [
                    ("model", .string(job)), ("timeTaken", .double(secs.rounded(.down))), ("totalRequests", .int(Int64(summary.total))),
                    ("successRequests", .int(Int64(summary.success))), ("failedRequests", .int(Int64(summary.failed))),
                    ("duplicateRequests", .int(Int64(summary.duplicates))), ("deferredRequests", .int(Int64(summary.deferred))),
                ])
            print("\(job): \(summary.line) in \(String(format: "%.3f", secs)) s")
        }
    }
}
