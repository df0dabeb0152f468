import ArgumentParser
import Foundation
import JobParameters
import RowBatch

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
            // The job must be one this deployment runs: a typo would wait in the queue forever.
            let registry = try homeOptions.loadRegistry()
            guard registry.plugins.contains(where: { $0.jobs.contains(job) }) else {
                let known = registry.plugins.flatMap(\.jobs).sorted().joined(separator: ", ")
                throw HostError.config("unknown job '\(job.printable())': no plugin in \(registry.path) provides it (known jobs: \(known))")
            }
            let day = String(Timestamps.now().prefix(10))
            let fullTag = tag + ":" + channel
            var q = JobRequest(
                tag: fullTag,
                requestId: requestId
                    ?? JobRequest.apiRequestId(
                        dataset: job, tag: fullTag, requestedBy: requestedBy, channel: channel, day: day), jobId: job)
            q.requestData = data
            q.requestedBy = requestedBy
            q.requestedChannel = channel
            q.encryptionKey = key
            if let why = q.sizeProblem { throw HostError.config("the request's \(why)") }
            let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: homeOptions.homePath, store: nil)) }
            try withStoreErrors { try queue.submit(q) }
            print("submitted \(q.requestId) (tag \(q.tag), job \(job))")
        }
    }
}
