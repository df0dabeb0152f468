import Foundation
import PluginKit

/// `druid_reports` in batch mode (framework-spec A4.6): every ACTIVE report config of the
/// report_config table whose schedule falls on the run clock's day, each run on its own — one
/// report's failure is logged and counted, the others still run and publish.
struct DruidReportBatch {
    struct Entry {
        var id: String
        var schedule: String
        var params: JSONValue
    }

    /// Upstream's rule (A4.6): DAILY and ONCE always, WEEKLY on Mondays, MONTHLY on the 1st (UTC run
    /// day; QUIRK C1.15: B8's submitter reads the slider instead — batch mode keeps upstream's own).
    static func isDue(_ schedule: String, on day: Date) -> Bool {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        switch schedule.uppercased() {
        case "DAILY", "ONCE": return true
        case "WEEKLY": return utc.component(.weekday, from: day) == 2
        case "MONTHLY": return utc.component(.day, from: day) == 1
        default: return false
        }
    }

    /// The due, active configs of `table`, optionally of one batch number. A config that is not JSON
    /// is kept with a nil params, to fail (and be counted) like any other broken report.
    static func entries(_ job: JobContext, table: String, batchNumber: Int?) throws -> [Entry] {
        var due: [Entry] = []
        let columns = [
            Field("report_id", .utf8), Field("report_schedule", .utf8), Field("config", .utf8), Field("status", .utf8), Field("batch_number", .int64),
        ]
        try job.scan(table, columns: columns) { row in
            guard row.string("status")?.uppercased() == "ACTIVE", isDue(row.string("report_schedule") ?? "", on: job.now) else { return }
            if let b = batchNumber, row.int("batch_number") != Int64(b) { return }
            let params = (try? JSONParser.parse(row.string("config") ?? "")) ?? .null
            due.append(Entry(id: row.string("report_id") ?? "", schedule: row.string("report_schedule") ?? "", params: params))
        }
        return due
    }

    /// Runs every due report; returns (succeeded, failed, first failure).
    static func run(_ job: JobContext, table: String, batchNumber: Int?) throws -> (Int, Int, String?) {
        var ok = 0, failed = 0
        var firstFailure: String?
        for entry in try entries(job, table: table, batchNumber: batchNumber) {
            let started = Date()
            do {
                guard let json = entry.params["reportConfig"] else {
                    throw JobError(.invalidArgument, "its config has no reportConfig (or is not JSON)")
                }
                let config = try ReportConfig(json)
                let (files, rows) = try DruidReports.report(config, job, overrides: entry.params)
                ok += 1
                job.count("outputEvents", Int64(files.count))
                job.log(
                    "report \(entry.id): \(rows) Druid rows, \(files.count) outputs, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            } catch {
                failed += 1
                firstFailure = firstFailure ?? "report \(entry.id): \(error)"
                job.log("report \(entry.id) FAILED: \(error)", level: .error)
            }
        }
        return (ok, failed, firstFailure)
    }
}
