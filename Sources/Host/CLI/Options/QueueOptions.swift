import ArgumentParser
import Foundation
import JobParameters
import RowBatch

/// Where the queue lives: shared by the requests subcommands.
struct QueueOptions: ParsableArguments {
    @Option(
        help: """
            Request queue: postgres:CONNINFO[#table] (the job_request table; default table job_request) or local:FILE \
            (JSON lines). Default: $DATAPRODUCTS_REQUESTS, else the --store's PostgreSQL, else local:<home>/requests/job_request.jsonl.
            """)
    var requests: String?

    func spec(home: String, store: StoreSpec?) -> String {
        if let requests { return requests }
        if let e = ProcessInfo.processInfo.environment["DATAPRODUCTS_REQUESTS"] { return e }
        if case .postgres? = store { return store!.text }
        return "local:" + (home as NSString).appendingPathComponent("requests/job_request.jsonl")
    }
}
