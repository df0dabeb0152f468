import ArgumentParser
import Foundation
import RowBatch

struct RequestsStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per job: queue depth by status, the oldest waiting request, failures and retries in the last 24 h, the last scheduled runs.",
        discussion: """
            --textfile writes the Prometheus exposition format for node_exporter's textfile collector (written to a \
            temporary file and renamed, so the collector never reads half a file); dp-run-job does so after every run. \
            When the queue cannot be read, the file still carries the last runs and dataproducts_requests_queue_up 0, \
            and the command exits 70.
            """)

    enum Format: String, ExpressibleByArgument { case text, prometheus }

    @Option(help: "Output format on stdout.") var format: Format = .text
    @Option(help: "Also write the Prometheus format to this file (atomically); stdout then stays quiet unless --format is given.")
    var textfile: String?
    @Option(help: "Folder of dp-run-job's last-run records (<job>.json). Default: <home>/state/last-run.") var runs: String?
    @Option(help: "Table store whose queue to read when --requests is not given. Default: $DATAPRODUCTS_STORE.") var store: String?

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var queueOptions: QueueOptions

    func run() throws {
        try reportingErrors {
            let now = Date()
            let home = homeOptions.homePath
            let (lastRuns, problems) = LastRun.read(runs ?? (home as NSString).appendingPathComponent("state/last-run"))
            for p in problems { FileHandle.standardError.write(Data("dataproducts: skipped an unreadable last-run record: \(p)\n".utf8)) }
            var queueError: Error?
            var queues: [JobQueueStats] = []
            do {
                let storeSpec = try (store ?? ProcessInfo.processInfo.environment["DATAPRODUCTS_STORE"]).map { try StoreSpec($0) }
                if !queueOptions.defaultQueueNotYetCreated(home: home, store: storeSpec) {
                    let queue = try withStoreErrors { try RequestQueueFactory.make(queueOptions.spec(home: home, store: storeSpec), create: false) }
                    queues = try withStoreErrors { try queue.stats(now: now) }
                }
            } catch { queueError = error }
            var exposition = StatsExposition.prometheus(queues: queues, runs: lastRuns, now: now)
            exposition += "# HELP dataproducts_requests_queue_up 1 when the request queue could be read for these statistics.\n"
            exposition += "# TYPE dataproducts_requests_queue_up gauge\ndataproducts_requests_queue_up \(queueError == nil ? 1 : 0)\n"
            if let textfile { try Self.writeAtomically(exposition, to: textfile) }
            if textfile == nil || CommandLine.arguments.contains("--format") {
                print(format == .prometheus ? exposition : StatsExposition.text(queues: queues, runs: lastRuns, now: now), terminator: "")
            }
            if let queueError { throw HostError.internal("the request queue could not be read: \(queueError)") }
        }
    }

    /// node_exporter may read the file at any moment: write a sibling, fsync, rename over.
    static func writeAtomically(_ text: String, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let temp = path + ".\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.internal("cannot write \(temp): \(String(cString: strerror(errno)))") }
        let ok = ChildProcess.writeAll(fd, Data(text.utf8)) && fsync(fd) == 0
        let err = errno
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let e = ok ? errno : err
            unlink(temp)
            throw HostError.internal("cannot write \(path): \(String(cString: strerror(e)))")
        }
    }
}
