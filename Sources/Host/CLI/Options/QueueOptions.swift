import ArgumentParser
import Foundation
import JobParameters
import RowBatch

/// Where the queue lives: shared by the requests subcommands.
struct QueueOptions: ParsableArguments {
    @Option(
        help: """
            Request queue: postgres:CONNINFO[#table] (the job_request table; default table job_request), sqlite:FILE \
            (the embedded queue, table dp_job_request) or local:FILE (JSON lines). Default: $DATAPRODUCTS_REQUESTS, else \
            the --store's PostgreSQL or SQLite file, else sqlite:<home>/requests/job_request.sqlite.
            """)
    var requests: String?

    func spec(home: String, store: StoreSpec?) -> String {
        if let requests { return requests }
        if let e = ProcessInfo.processInfo.environment["DATAPRODUCTS_REQUESTS"] { return e }
        switch store {
        case .postgres?, .sqlite?: return store!.text
        default: return "sqlite:" + (home as NSString).appendingPathComponent("requests/job_request.sqlite")
        }
    }
}
