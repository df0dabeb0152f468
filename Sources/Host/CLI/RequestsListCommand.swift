import ArgumentParser
import Foundation
import JobParameters
import RowBatch

struct RequestsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the queue's requests as JSON lines.")
    @Option(help: "Only this job_id.") var job: String?
    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var queueOptions: QueueOptions

    func run() throws {
        try reportingErrors {
            if queueOptions.defaultQueueNotYetCreated(home: homeOptions.homePath, store: nil) { return }
            let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: homeOptions.homePath, store: nil), create: false) }
            // The request key is a secret (a zip password or text key): listed as set or not, never shown.
            for var q in try withStoreErrors({ try queue.list(jobId: job) }) {
                if q.encryptionKey != nil { q.encryptionKey = "***" }
                print(q.json.render())
            }
        }
    }
}
