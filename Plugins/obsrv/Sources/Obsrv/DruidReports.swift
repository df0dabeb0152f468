import PluginKit

/// `druid_reports` (framework-spec A4.5/A4.6, upstream DruidQueryProcessor + DruidQueryProcessingModel):
/// a dashboard described by a report config only — Druid metrics, labels, output files — run through
/// the host's Druid connector and written as report files. What B8's submitter queues, one report
/// per message (standalone mode).
///
/// Decisions:
/// - Every metric's answer is read whole before any file is opened, so a broker that times out,
///   fails or cuts its answer off fails the report with the broker's message and publishes nothing.
/// - Records merge in memory by key, as upstream's Spark job holds them: memory grows with the
///   report's distinct keys (dashboards are aggregates: thousands of rows, not millions).
/// - `key` defaults to `druid-reports` (upstream `/tmp/druid-reports`, a local path): files go under
///   the host's report output, published when the run succeeds.
/// - Batch mode (DruidReportBatch) runs the due ACTIVE configs of the report_config table one by one;
///   a failing report is logged at ERROR and counted, the others run. The job fails only when every
///   due report failed (upstream always ends "Completed successfully", which hides an outage).
/// - mergeConfig: each CSV file's rows are merged into the report published in the host's blob
///   store (upstream's report container; postContainer and the storage type are the host's
///   `--blob`), before the day's files are written; a merge that cannot read or write fails the
///   report (upstream only logged it, leaving dashboards stale without a word).
/// - `exhaustQuery: true` runs the first metric as Druid SQL (the host's DruidSQL): each SQL row is
///   one record; the query must select every output column, `date` included, or the report fails
///   naming the missing column (as Spark's select would).
struct DruidReports: Job {
    static let id = "druid_reports"
    static let title = "Druid reports: a report config's Druid metrics written as CSV/JSON files per dimension values"
    static let legacyNames = ["org.ekstep.analytics.model.DruidQueryProcessingModel", "org.ekstep.analytics.job.summarizer.DruidQueryProcessor"]

    static let mode = Param<String>("mode", default: "standalone", oneOf: ["standalone", "batch"], doc: "standalone: run modelParams.reportConfig")
    static let reportConfig = Param<JSONValue?>("reportConfig", doc: "the report: id, dateRange, metrics, labels, output (framework-spec A4.4)")
    static let key = Param<String>("key", default: "druid-reports", doc: "folder of the report files under the report output")
    static let quoteColumns = Param<[String]>("quoteColumns", default: [], doc: "columns (by label) whose values are written in single quotes")
    static let locationURL = Param<String>("location.search.url", default: "", doc: "location search API (locationMapping)")
    static let locationToken = Param<String>("location.search.token", default: "", doc: "Authorization header of the location search")
    static let locationRequest = Param<String>(
        "location.search.request", default: #"{"request":{"filters":{"type":["state","district"]},"limit":10000}}"#,
        doc: "body of the location search")
    static let stateLookupURL = Param<String>("druid.state.lookup.url", default: "", doc: "Druid's state-slug lookup (locationMapping)")
    static let table = Param<String>(
        "reportConfigTable", default: "public.report_config", doc: "batch mode: the report configs (upstream <keyspace_prefix>report_config)")
    static let batchNumber = Param<Int?>("batchNumber", in: 0...Int(Int32.max), doc: "batch mode: only the configs of this batch_number")
    static let parameters: [any ParameterDeclaring] = [
        mode, reportConfig, key, quoteColumns, locationURL, locationToken, locationRequest, stateLookupURL, table, batchNumber,
    ]

    func run(_ job: JobContext) throws {
        if job.params[Self.mode] == "batch" { return try runBatch(job) }
        guard let json = job.params[Self.reportConfig] else { throw JobError(.invalidArgument, "druid_reports: modelParams.reportConfig is missing") }
        let config = try ReportConfig(json)
        let (files, rows) = try Self.report(config, job)
        job.count("inputEvents", Int64(rows))
        job.count("outputEvents", Int64(files.count))
        job.log("\(config.id): \(rows) Druid rows, \(files.count) report outputs written (\(files.joined(separator: ", ")))")
    }

    private func runBatch(_ job: JobContext) throws {
        let number = job.params[Self.batchNumber]
        let (ok, failed, first) = try DruidReportBatch.run(job, table: job.params[Self.table], batchNumber: number)
        job.count("totalRequests", Int64(ok + failed))
        job.count("successRequests", Int64(ok))
        job.count("failedRequests", Int64(failed))
        job.log("DruidReports_\(number ?? 1): \(ok + failed) reports due, \(ok) succeeded, \(failed) failed")
        if ok == 0, let first { throw JobError(.io, "every due report failed; the first: \(first)") }
    }

    /// Runs one report: returns the report ids written and the Druid rows read. `overrides` (a batch
    /// row's config) may set key, quoteColumns and the location settings for this report.
    static func report(_ config: ReportConfig, _ job: JobContext, overrides: JSONValue = .object([])) throws -> ([String], Int) {
        let merge = try config.mergeConfig.map(MergeConfig.init)
        let sql = (overrides["exhaustQuery"] ?? job.modelParams["exhaustQuery"]) == .bool(true)
        var rows = 0
        let records = try ReportRecords(config, exhaustQuery: sql) { query, add in
            try job.druidQuery(query) { record in
                rows += 1
                try add(record)
            }
        }
        let p = job.params
        func setting(_ param: Param<String>) -> String { overrides[param.name]?.string ?? p[param] }
        var pairs: Set<LocationPair>?
        let quotes = overrides["quoteColumns"]?.array?.compactMap(\.string) ?? p[quoteColumns]
        let files = try ReportFiles(config: config, records: records, key: setting(key), quoteColumns: quotes).write(job, merge: merge) {
            if let pairs { return pairs }
            guard !setting(locationURL).isEmpty, !setting(stateLookupURL).isEmpty else {
                throw JobError(.invalidArgument, "\(config.id): locationMapping needs location.search.url and druid.state.lookup.url")
            }
            let fetched = try LocationMapping.fetch(
                job, searchURL: setting(locationURL), token: setting(locationToken), request: setting(locationRequest),
                lookupURL: setting(stateLookupURL))
            pairs = fetched
            return fetched
        }
        return (files, rows)
    }
}
