import Foundation
import PluginKit

/// `course-consumption-report` (lern-jobs-spec §8, CourseConsumptionJob): minutes learners spent
/// in each course batch, from Druid's summary events, per tenant `<filePath>/<id>/<slug>/course_usage.csv`.
///
/// Decisions: the Status spelling applies only to a column labelled `Status` — the deployed labels
/// call it `Batch Status`, so it keeps 0/1/2 (Spark 3.1 skips the replacement there; UNVERIFIED C2.2
/// settled as "skip"). A Druid row of a batch we do not know keeps its minutes with empty names and
/// slug `unknown`, as upstream's left join.
struct CourseConsumption: Job {
    static let id = "course-consumption-report"
    static let title = "Course consumption: minutes spent per course batch (Druid summary events), per tenant"
    static let legacyNames = ["org.sunbird.lms.job.report.CourseConsumptionJob", "org.sunbird.lms.model.report.CourseConsumptionModel"]
    static let parameters = CourseMetricsParams.all

    static let columns = [
        Field("date", .utf8), Field("courseName", .utf8), Field("batchName", .utf8), Field("status", .utf8), Field("timespent", .float64),
        Field("slug", .utf8), Field("reportName", .utf8),
    ]

    func run(_ job: JobContext) throws {
        let config = try ReportConfig(job.params[CourseMetricsParams.reportConfig])
        guard let metric = config.metrics.first else { throw JobError(.invalidArgument, "reportConfig.metrics: the Druid query is missing") }
        let batches = Dictionary(
            try CourseMetricsParams.batches(job).map { ("\($0.courseId)\u{1}\($0.batchId)", $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [[Value]] = []
        try job.druidQuery(metric.query) { r in
            let key = "\(r["courseId"]?.string ?? "")\u{1}\(r["batchId"]?.string ?? "")"
            let b = batches[key]
            let minutes: Value =
                r["timespent"].flatMap { v -> Value? in
                    if case .double(let d) = v { return .double(d) }
                    if case .int(let i) = v { return .double(Double(i)) }
                    return nil
                } ?? .null
            rows.append([
                .string(r["date"]?.string ?? ""), .string(b?.courseName ?? ""), .string(b?.batchName ?? ""), .string(b?.status ?? ""), minutes,
                .string(b?.slug ?? "unknown"), .string("course_usage"),
            ])
        }
        job.count("inputEvents", Int64(rows.count))
        guard !rows.isEmpty else {
            job.log("No data found from druid")
            return
        }
        try CourseMetricsParams.writer(job).write(job, columns: Self.columns, rows: rows)
        job.count("outputEvents", Int64(rows.count))
    }
}
