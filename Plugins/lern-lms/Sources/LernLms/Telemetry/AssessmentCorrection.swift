import Foundation
import PluginKit

/// `assessment-correction` (lern-jobs-spec §7, AssessmentCorrectionJob/Model): a day's raw ASSESS
/// telemetry of SelfAssess contents re-emitted per learner attempt, with the learner's batch, for
/// the assessment aggregator (Kafka `output` topic); attempts larger than `max_request_size` go to
/// the `fileOutputConfig` file instead.
///
/// Decisions: the raw files come from the host's blob store (the search's bucket is the store's);
/// a line that is not JSON is skipped and counted (upstream dropped it silently); an attempt id
/// made up for events without one is the lower-case hex MD5 of contentid+courseid+userid+batchid
/// (commons-codec md5Hex); the file output is a report `<last two parts of its path>.json` (JSON
/// lines) published with the run; without a Kafka `output` the run fails before reading anything.
struct AssessmentCorrection: Job {
    static let id = "assessment-correction"
    static let title = "Assessment correction: raw ASSESS telemetry of SelfAssess contents re-emitted per attempt to Kafka"
    static let legacyNames = ["org.sunbird.lms.job.report.AssessmentCorrectionJob", "org.sunbird.analytics.model.report.AssessmentCorrectionModel"]

    static let druidConfig = Param<JSONValue>(required: "druidConfig", doc: "the Druid query giving the SelfAssess content identifiers")
    static let batchId = Param<[String]>("batchId", default: [], doc: "only these batches (empty: all)")
    static let maxSize = Param<Int>(
        "max_request_size", default: 1_000_000, in: 1...Int.max, doc: "attempts longer than this many bytes go to the file output")
    static let fileOutput = Param<JSONValue>(
        "fileOutputConfig", .object,
        default: .object([
            ("to", .string("file")), ("params", .object([("file", .string("/mount/data/analytics/tmp/assessment-correction/failedEvents"))])),
        ]),
        doc: "where oversized attempts go: {to: file, params: {file}}")
    static let keyspace = Param<String>("sunbird.courses.keyspace", default: "sunbird_courses", doc: "keyspace of user_enrolments")
    static let parameters: [any ParameterDeclaring] = [druidConfig, batchId, maxSize, fileOutput, keyspace]

    func run(_ job: JobContext) throws {
        let p = job.params
        let topic = try Self.kafkaTopic(job.modelConfig["output"])
        let files = try RawTelemetry(job, search: job.modelConfig["search"])
        var attempts = try AttemptGroups(enrolments: try Self.enrolments(job, keyspace: p[Self.keyspace], batches: Set(p[Self.batchId])))
        var lines = 0, unreadable = 0
        try files.forEachLine(job) { line in
            lines += 1
            guard let event = try? JSONParser.parse(String(line)) else { unreadable += 1; return }
            attempts.add(event, text: String(line))
        }
        var selfAssess = Set<String>()
        try job.druidQuery(p[Self.druidConfig]) { row in if let id = row["identifier"]?.string { selfAssess.insert(id) } }
        let records = attempts.records(contents: selfAssess, now: job.now)
        let skipped = try EventFile(job, reportId: try Self.reportId(p[Self.fileOutput]), keys: Self.recordFields)
        var sent = 0, oversized = 0
        for r in records {
            if r.utf8.count > p[Self.maxSize] {
                try skipped.append(try JSONParser.parse(r))
                oversized += 1
            } else {
                try job.kafkaSend(topic: topic, value: r)
                sent += 1
            }
        }
        try skipped.close()
        job.count("inputEvents", Int64(lines))
        job.count("outputEvents", Int64(sent))
        job.log(
            "assessment correction: \(lines) lines (\(unreadable) not JSON) from \(files.keys.count) files, \(records.count) attempts, \(sent) sent to \(topic), \(oversized) oversized"
        )
    }

    /// A record's keys, for the file output's lines (each the record as sent to Kafka).
    static let recordFields = [
        Field("assessmentTs", .int64), Field("batchId", .utf8), Field("courseId", .utf8), Field("userId", .utf8), Field("attemptId", .utf8),
        Field("contentId", .utf8), Field("events", .json),
    ]

    /// The Kafka topic of the config's `output` ({to: kafka, params: {topic}}).
    static func kafkaTopic(_ output: JSONValue?) throws -> String {
        guard let k = output?.array?.first(where: { $0["to"]?.string?.lowercased() == "kafka" }), let topic = k["params"]?["topic"]?.string,
            !topic.isEmpty
        else {
            throw JobError(
                .invalidArgument, "output: a {\"to\": \"kafka\", \"params\": {\"topic\": ...}} entry is required (the corrected attempts go there)")
        }
        return topic
    }

    static func reportId(_ config: JSONValue) throws -> String {
        guard let file = config["params"]?["file"]?.string, !file.isEmpty else {
            throw JobError(.invalidArgument, "fileOutputConfig.params.file is missing")
        }
        return file.split(separator: "/").suffix(2).joined(separator: "/")
    }

    /// (courseid, userid) → the batches the learner is actively enrolled in (enrolleddate set).
    static func enrolments(_ job: JobContext, keyspace: String, batches: Set<String>) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        let columns = [
            Field("courseid", .utf8), Field("userid", .utf8), Field("batchid", .utf8), Field("active", .bool), Field("enrolleddate", .utf8),
        ]
        try job.scan("\(keyspace).user_enrolments", columns: columns) { row in
            guard row.bool("active") == true, row.string("enrolleddate") != nil, let b = row.string("batchid") else { return }
            if !batches.isEmpty, !batches.contains(b) { return }
            out["\(row.string("courseid") ?? "")\u{1}\(row.string("userid") ?? "")", default: []].append(b)
        }
        return out
    }
}
