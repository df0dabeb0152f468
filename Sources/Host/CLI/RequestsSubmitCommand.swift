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
            let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: homeOptions.homePath, store: nil)) }
            try withStoreErrors { try queue.submit(q) }
            print("submitted \(q.requestId) (tag \(q.tag), job \(job))")
        }
    }
}
