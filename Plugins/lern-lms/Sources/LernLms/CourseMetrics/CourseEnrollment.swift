import Foundation
import PluginKit

/// `course-enrollment-report` (lern-jobs-spec §9, CourseEnrollmentJob): enrolment and completion
/// counts per course batch from the `course-batch` search index, per tenant
/// `<filePath>/<id>/<slug>/course_enrollments.csv`, merged into `<slug>/course_enrollment.csv`.
///
/// Decisions: the date column is the run clock's UTC day (upstream: the JVM's zone); the index is
/// read with a scroll over HTTP (`es.host`, `es.port`, `es.scroll.size`) and the scroll cleared
/// afterwards; a failing search fails the run (upstream's model failed and the driver hid it).
struct CourseEnrollment: Job {
    static let id = "course-enrollment-report"
    static let title = "Course enrolment: enrolment and completion counts per course batch (course-batch index), per tenant"
    static let legacyNames = ["org.sunbird.lms.job.report.CourseEnrollmentJob", "org.sunbird.lms.model.report.CourseEnrollmentModel"]
    static let esHost = Param<String>("es.host", default: "http://localhost", doc: "Elasticsearch holding the course-batch index")
    static let esPort = Param<String>("es.port", default: "9200", doc: "its port")
    static let scrollSize = Param<Int>("es.scroll.size", default: 1000, in: 1...10_000, doc: "documents per scroll page")
    static let parameters: [any ParameterDeclaring] = CourseMetricsParams.all + [esHost, esPort, scrollSize]

    static let columns = [
        Field("date", .utf8), Field("courseName", .utf8), Field("batchName", .utf8), Field("status", .utf8), Field("enrollmentCount", .int64),
        Field("completionCount", .int64), Field("slug", .utf8), Field("reportName", .utf8),
    ]

    func run(_ job: JobContext) throws {
        let batches = try CourseMetricsParams.batches(job)
        let p = job.params
        let counts = try BatchCounts.read(
            job, base: "\(p[Self.esHost]):\(p[Self.esPort])", batchIds: batches.map(\.batchId), size: p[Self.scrollSize])
        let day = UTCDates.formatter("dd-MM-yyyy").string(from: job.now)
        let rows: [[Value]] = batches.map { b in
            let c = counts[b.batchId]
            return [
                .string(day), .string(b.courseName), .string(b.batchName), .string(b.status), .int(c?.participants ?? 0), .int(c?.completed ?? 0),
                .string(b.slug), .string("course_enrollments"),
            ]
        }
        job.count("inputEvents", Int64(batches.count))
        guard !rows.isEmpty else {
            job.log("No data found")
            return
        }
        try CourseMetricsParams.writer(job).write(job, columns: Self.columns, rows: rows)
        job.count("outputEvents", Int64(rows.count))
    }
}

/// participantCount and completedCount per batch id from the `course-batch` index, by scroll.
enum BatchCounts {
    static func read(_ job: JobContext, base: String, batchIds: [String], size: Int) throws -> [String: (participants: Int64, completed: Int64)] {
        var out: [String: (Int64, Int64)] = [:]
        guard !batchIds.isEmpty else { return [:] }
        let query = JSONValue.object([
            ("size", .int(Int64(size))), ("_source", .array(["participantCount", "completedCount", "id"].map(JSONValue.string))),
            (
                "query",
                .object([
                    ("bool", .object([("filter", .array([.object([("terms", .object([("id.raw", .array(batchIds.map(JSONValue.string)))]))])]))]))
                ])
            ),
        ])
        var page = try call(job, "POST", base + "/course-batch/_search?scroll=1m", query.render())
        var scrollId = page["_scroll_id"]?.string
        while let hits = page["hits"]?["hits"]?.array, !hits.isEmpty {
            for h in hits {
                let s = h["_source"]
                guard let id = s?["id"]?.string ?? h["_id"]?.string else { continue }
                out[id] = (s?["participantCount"]?.int ?? 0, s?["completedCount"]?.int ?? 0)
            }
            guard let sid = scrollId else { break }
            page = try call(
                job, "POST", base + "/_search/scroll", JSONValue.object([("scroll", .string("1m")), ("scroll_id", .string(sid))]).render())
            scrollId = page["_scroll_id"]?.string ?? scrollId
        }
        if let sid = scrollId {
            _ = try? job.http(
                "DELETE", base + "/_search/scroll", headers: ["Content-Type": "application/json"], body: #"{"scroll_id":[\#(JSONText.quote(sid))]}"#)
        }
        return out
    }

    private static func call(_ job: JobContext, _ method: String, _ url: String, _ body: String) throws -> JSONValue {
        let r = try job.http(method, url, headers: ["Content-Type": "application/json"], body: body)
        guard (200..<300).contains(r.status), let json = try? JSONParser.parse(r.body) else {
            throw JobError(.io, "Elasticsearch \(method) \(url) answered HTTP \(r.status): \(r.body.prefix(200))")
        }
        return json
    }
}
