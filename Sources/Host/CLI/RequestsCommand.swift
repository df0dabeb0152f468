import ArgumentParser
import Foundation
import JobParameters
import RowBatch

struct Requests: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The on-demand request queue (upstream job_request): submit, drain, inspect.",
        subcommands: [RequestsRun.self, RequestsSubmit.self, RequestsList.self])
}

/// Where the queue lives: shared by the requests subcommands.
struct QueueOptions: ParsableArguments {
    @Option(help: """
        Request queue: postgres:CONNINFO[#table] (the job_request table; default table job_request) or local:FILE \
        (JSON lines). Default: $DATAPRODUCTS_REQUESTS, else the --store's PostgreSQL, else local:<home>/requests/job_request.jsonl.
        """)
    var requests: String?

    func spec(home: String, store: String?) -> String {
        if let requests { return requests }
        if let e = ProcessInfo.processInfo.environment["DATAPRODUCTS_REQUESTS"] { return e }
        if let store, store.hasPrefix("postgres:") { return store }
        return "local:" + (home as NSString).appendingPathComponent("requests/job_request.jsonl")
    }
}

struct RequestsRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drain the queue for one job: claim each pending request (leased), run the job for it, secure and publish its files, record the outcome.",
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

    func run() throws {
        try reportingErrors {
            guard lease >= 1 else { throw HostError.config("--lease must be at least 1 second") }
            let execution = try runOptions.execution(job: job, home: homeOptions, config: configOptions, onDemand: true)
            let spec = queueOptions.spec(home: homeOptions.homePath, store: execution.store)
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
            settings.sunbirdEncryptionKey = ProcessInfo.processInfo.environment["SUNBIRD_ENCRYPTION_KEY"]
                ?? params[HostParameters.encryptionKey] ?? ""
            let logger = try JobLogger.open(path: execution.logFile, jobName: job, minimumLevel: execution.logLevel)
            let engine = RequestEngine(queue: queue, heartbeatQueue: heartbeatQueue, settings: settings, execution: execution,
                                       blob: try BlobStoreFactory.make(execution.blob ?? "local:blob"),
                                       http: try HTTPConnectorFactory.make(execution.http), logger: logger)
            installCancellationHandlers()
            let started = Date()
            logger.start("\(job) started executing", data: [("model", .string(job)), ("requests", .string(PGConnection.describe(spec)))])
            let summary: RequestEngine.Summary
            do { summary = try withStoreErrors { try engine.drain() } } catch {
                logger.end("\(job) execution failed", success: false, data: [("model", .string(job)), ("statusMsg", .string("\(error)"))])
                throw (error as? HostError).map { HostError.internal($0.description) } ?? error
            }
            let secs = Date().timeIntervalSince(started)
            logger.end("\(job) completed execution", success: true, data: [
                ("model", .string(job)), ("timeTaken", .double(secs.rounded(.down))), ("totalRequests", .int(Int64(summary.total))),
                ("successRequests", .int(Int64(summary.success))), ("failedRequests", .int(Int64(summary.failed))),
                ("duplicateRequests", .int(Int64(summary.duplicates))), ("deferredRequests", .int(Int64(summary.deferred))),
            ])
            print("\(job): \(summary.line) in \(String(format: "%.3f", secs)) s")
        }
    }
}

struct RequestsSubmit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Queue a request as the analytics API does (tag <tag>:<channel>, request_id = MD5 of dataset|tag|requestedBy|channel|date).")

    @Option(help: "job_request.job_id (the dataset), e.g. progress-exhaust.") var job: String
    @Option(help: "The request's tag, e.g. do_1130928636168192001667_batch-001.") var tag: String
    @Option(help: "request_data: the dataset config JSON, e.g. '{\"batchId\": \"batch-001\"}'.") var data: String
    @Option(help: "Requesting user id.") var requestedBy: String
    @Option(help: "Requesting organisation (root org id).") var channel: String
    @Option(help: "Encryption key / zip password (stored as given).") var key: String?
    @Option(help: "Use this request_id instead of the API's.") var requestId: String?
    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var queueOptions: QueueOptions

    func run() throws {
        try reportingErrors {
            guard case .object? = try? JSONParser.parse(data) else { throw HostError.config("--data must be a JSON object") }
            let day = String(Timestamps.now().prefix(10))
            let fullTag = tag + ":" + channel
            var q = JobRequest(tag: fullTag, requestId: requestId ?? JobRequest.apiRequestId(
                dataset: job, tag: fullTag, requestedBy: requestedBy, channel: channel, day: day), jobId: job)
            q.requestData = data
            q.requestedBy = requestedBy
            q.requestedChannel = channel
            q.encryptionKey = key
            let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: homeOptions.homePath, store: nil)) }
            try withStoreErrors { try queue.submit(q) }
            print("submitted \(q.requestId) (tag \(q.tag), job \(job))")
        }
    }
}

struct RequestsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the queue's requests as JSON lines.")
    @Option(help: "Only this job_id.") var job: String?
    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var queueOptions: QueueOptions

    func run() throws {
        try reportingErrors {
            let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: homeOptions.homePath, store: nil)) }
            // The request key is a secret (a zip password or text key): listed as set or not, never shown.
            for var q in try withStoreErrors({ try queue.list(jobId: job) }) {
                if q.encryptionKey != nil { q.encryptionKey = "***" }
                print(q.json.render())
            }
        }
    }
}
