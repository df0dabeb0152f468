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
        default: return "sqlite:" + Self.defaultFile(home: home)
        }
    }

    static func defaultFile(home: String) -> String { (home as NSString).appendingPathComponent("requests/job_request.sqlite") }

    /// For reading commands: nothing names a queue, and the deployment's own default file does not
    /// exist yet (no request was ever submitted there). That queue is empty, not missing; a queue
    /// that is named (option, environment, store) must exist.
    func defaultQueueNotYetCreated(home: String, store: StoreSpec?) -> Bool {
        spec(home: home, store: store) == "sqlite:" + Self.defaultFile(home: home) && requests == nil
            && ProcessInfo.processInfo.environment["DATAPRODUCTS_REQUESTS"] == nil
            && !FileManager.default.fileExists(atPath: Self.defaultFile(home: home))
    }
}
