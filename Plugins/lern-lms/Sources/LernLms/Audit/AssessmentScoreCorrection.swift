import Foundation
import PluginKit

/// `assessment-score-metric-correction` (upstream AssessmentScoreCorrectionJob, lern-jobs-spec §1):
/// per batch, the attempts of self-assessments whose number of questions differs from the content's
/// `totalQuestions` (content read API): written out for cross-checking, deleted in live mode, with
/// instruction events (scores to recompute) and the certificates to revoke.
///
/// Decisions: QUIRK Q42 — a listed batch without any attempt is an error before anything is
/// written (upstream silently does nothing); Q43 — each output is one file (`<name>.csv`,
/// `<name>.json`) under the report folder `csvPath`, not a Spark directory of part files, and the
/// `<ts>` in the names is the run clock's; Q44 — `assessment.score.correction.batches` may also be
/// comma-separated text (the host's rule for lists), so the deployed config's `""` is no batch and
/// the run does nothing, where upstream failed on a cast.
struct AssessmentScoreCorrection: Job {
    static let id = "assessment-score-metric-correction"
    static let title = "Assessment score correction: attempts whose question count disagrees with the content's, reported and (live) deleted"
    static let legacyNames = ["org.sunbird.lms.audit.AssessmentScoreCorrectionJob"]
    static let batches = Param<[String]>("assessment.score.correction.batches", default: [], doc: "batch ids to correct")
    static let dryRun = Param<Bool>("isDryRunMode", default: true, doc: "report only (false: delete the invalid attempts)")
    static let contentRead = Param<String>(
        "contentReadAPI", default: "http://localhost:9080/api/content/v1/read/", doc: "content read URL prefix (the id is appended)")
    static let contentType = Param<String>("supportedContentType", default: "SelfAssess", doc: "the content type corrected")
    static let csvPath = Param<String>("csvPath", default: "", doc: "report folder of the outputs")
    static let keyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of the course tables")
    static let parameters: [any ParameterDeclaring] = [batches, dryRun, contentRead, contentType, csvPath, keyspace]

    static let attemptColumns = [
        Field("content_id", .utf8), Field("course_id", .utf8), Field("batch_id", .utf8), Field("attempt_id", .utf8),
        Field("user_id", .utf8), Field("question", .json),
    ]
    static let keyColumns = ["course_id", "batch_id", "content_id", "attempt_id", "user_id"]

    func run(_ job: JobContext) throws {
        let ks = job.params[Self.keyspace]
        let batches = job.params[Self.batches].filter { !$0.isEmpty }
        for b in batches {  // every batch checked before anything is written
            let probe = try job.openScan("\(ks).assessment_aggregator", columns: [Field("batch_id", .utf8)], where: [.eq("batch_id", .string(b))])
            defer { probe.close() }
            guard let first = try probe.next(), first.count > 0 else {
                throw JobError(.notFound, "batch \(b) has no assessment attempts in \(ks).assessment_aggregator")
            }
        }
        var metrics: [JSONValue] = []
        for b in batches { metrics += try correct(job, batch: b, keyspace: ks) }
        job.count("processed_batches", Int64(batches.count))
        job.log("corrections: \(JSONValue.array(metrics).render())")
    }

    /// One invalid attempt's key, in the report's column order.
    typealias Key = [String]

    /// §1 rules 1–5 for one batch: a content's attempts at a time (the scan in content order).
    func correct(_ job: JobContext, batch: String, keyspace ks: String) throws -> [JSONValue] {
        let attempts = try job.openScan(
            "\(ks).assessment_aggregator", columns: Self.attemptColumns, where: [.eq("batch_id", .string(batch))], orderBy: ["content_id"],
            readAhead: 8)
        defer { attempts.close() }
        var out: [JSONValue] = []
        var content: String?, expected: (type: String, questions: Int) = ("", 0), invalid: [Key] = []
        func finish() throws {
            guard let c = content else { return }
            out.append(
                try report(
                    job, batch: batch, content: c, totalQuestions: expected.questions, supported: expected.type == job.params[Self.contentType],
                    invalid: invalid, keyspace: ks))
        }
        while let b = try attempts.next() {
            for r in 0..<b.count {
                guard let c = b.string(0, r) else { continue }
                if c != content {
                    try finish()
                    content = c
                    expected = try Self.contentMeta(job, c)
                    invalid = []
                }
                // Rule 1: the number of question ids (a store holds one row per key); only the invalid are kept.
                let questions = b.string(5, r).flatMap { try? JSONParser.parse($0) }?.array ?? []
                if questions.filter({ !($0["id"]?.isNull ?? true) }).count != expected.questions {
                    invalid.append([b.string(1, r) ?? "", b.string(2, r) ?? "", c, b.string(3, r) ?? "", b.string(4, r) ?? ""])
                }
            }
        }
        try finish()
        return out
    }

    /// Rule 2: the content's type and question count, or the run fails.
    static func contentMeta(_ job: JobContext, _ id: String) throws -> (type: String, questions: Int) {
        let failed = JobError(.io, "Failed to fetch the content meta for the content ID: \(id)")
        let answer: HTTPResult
        do { answer = try job.http("GET", job.params[contentRead] + id, headers: ["user-id": "analytics"]) } catch { throw failed }
        guard let json = try? JSONParser.parse(answer.body), json["responseCode"]?.string?.lowercased() == "ok",
            case .object(let pairs)? = json["result"]?["content"], !pairs.isEmpty
        else { throw failed }
        let content = JSONValue.object(pairs)
        return (content["contentType"]?.string ?? "", Int(content["totalQuestions"]?.int ?? 0))
    }

    /// Rules 3–5 for one content: its metric, and the outputs (and deletes) when some attempts are invalid.
    func report(
        _ job: JobContext, batch: String, content: String, totalQuestions: Int, supported: Bool, invalid: [Key], keyspace ks: String
    ) throws -> JSONValue {
        let users = Array(Set(invalid.map { $0[4] })).sorted()
        let found = supported ? invalid : []
        let metric = JSONValue.object([
            ("batchId", .string(batch)), ("contentId", .string(content)), ("invalidRecords", .int(Int64(found.count))),
            ("totalAffectedUsers", .int(Int64(supported ? users.count : 0))), ("contentTotalQuestions", .int(Int64(totalQuestions))),
        ])
        job.count("invalidRecords", Int64(found.count))
        guard !found.isEmpty else { return metric }
        let folder =
            job.params[Self.csvPath].isEmpty || job.params[Self.csvPath].hasSuffix("/") ? job.params[Self.csvPath] : job.params[Self.csvPath] + "/"
        let ts = Int64(job.now.timeIntervalSince1970 * 1000)
        let records = try job.openReport(
            "\(folder)assessment-invalid-attempts-records-\(batch)-\(content)-\(ts)", format: .csv, columns: Self.keyColumns.map { Field($0, .utf8) })
        for k in found { try records.append(k.map { .string($0) }) }
        try records.close()
        if !job.params[Self.dryRun] {
            let columns = ["course_id", "batch_id", "user_id", "content_id", "attempt_id"]
            try job.delete(
                "\(ks).assessment_aggregator", columns: columns.map { Field($0, .utf8) },
                rows: found.map { k in [k[0], k[1], k[4], k[2], k[3]].map { .string($0) } })
        }
        let course = found[0][0]
        let events = try job.openReport(
            "\(folder)instruction-events-\(batch)-\(content)-\(ts)", format: .jsonl,
            columns: [
                Field("assessmentTs", .int64), Field("batchId", .utf8), Field("courseId", .utf8), Field("userId", .utf8), Field("contentId", .utf8),
            ])
        for u in users { try events.append([.int(ts), .string(batch), .string(course), .string(u), .string(content)]) }
        try events.close()
        let certificates = try job.openReport(
            "\(folder)revoked-cert-data-\(batch)-\(content)-\(ts)", format: .csv,
            columns: ["courseid", "batchid", "userid", "certificate_id"].map { Field($0, .utf8) })
        for row in try Self.revoked(job, batch: batch, affected: Set(found.map { [$0[0], $0[1], $0[4]] }), keyspace: ks) {
            try certificates.append(row.map { .string($0) })
        }
        try certificates.close()
        return metric
    }

    /// Rule 5: the issued certificates of the affected (course, batch, user)s, one row per certificate.
    static func revoked(_ job: JobContext, batch: String, affected: Set<[String]>, keyspace ks: String) throws -> [[String]] {
        var out: [[String]] = []
        try job.scan(
            "\(ks).user_enrolments",
            columns: [Field("courseid", .utf8), Field("batchid", .utf8), Field("userid", .utf8), Field("issued_certificates", .json)],
            where: [.eq("batchid", .string(batch))]
        ) { r in
            guard let c = r.string("courseid"), let b = r.string("batchid"), let u = r.string("userid"), affected.contains([c, b, u]) else { return }
            for cert in r.string("issued_certificates").flatMap({ try? JSONParser.parse($0) })?.array ?? [] {
                if let id = cert["identifier"]?.string, !id.isEmpty { out.append([c, b, u, id]) }
            }
        }
        return out.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
