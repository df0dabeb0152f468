import Foundation
import RowBatch

/// The last run of each scheduled job, as the cron wrapper (dp-run-job) records it after every run:
/// `<dir>/<job>.json` = `{"job", "mode", "exit", "started", "finished"}` (epoch seconds). The wrapper
/// writes them, not the host, so a host that was killed or could not start still leaves its exit
/// status behind.
struct LastRun: Equatable {
    var job: String
    var mode: String
    var exit: Int
    var started: Date
    var finished: Date

    var succeeded: Bool { exit == 0 }

    init(job: String, mode: String = "run", exit: Int, started: Date, finished: Date) {
        (self.job, self.mode, self.exit, self.started, self.finished) = (job, mode, exit, started, finished)
    }

    init(json j: JSONValue) throws {
        guard let job = j["job"]?.string, !job.isEmpty, let exit = j["exit"]?.int, let started = j["started"]?.int,
            let finished = j["finished"]?.int
        else { throw HostError.config("a last-run record needs job, exit, started and finished") }
        self.init(
            job: job, mode: j["mode"]?.string ?? "run", exit: Int(exit), started: Date(timeIntervalSince1970: Double(started)),
            finished: Date(timeIntervalSince1970: Double(finished)))
    }

    /// Every record in `dir` by job id; an unreadable one is reported in `problems` and skipped, so one
    /// damaged file cannot hide the others. A missing folder means no run was recorded yet.
    static func read(_ dir: String) -> (runs: [LastRun], problems: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return ([], []) }
        var runs: [LastRun] = []
        var problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = (dir as NSString).appendingPathComponent(name)
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                runs.append(try LastRun(json: try JSONParser.parse(text)))
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        return (runs.sorted { $0.job < $1.job }, problems)
    }
}
