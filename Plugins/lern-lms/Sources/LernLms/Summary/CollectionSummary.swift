import Foundation
import PluginKit

/// `collection-summary-report-v2` (upstream CollectionSummaryJobV2, lern-jobs-spec §3): per course
/// batch and learner state/district, enrolment, completion and certificate counts with the course's
/// metadata (content search) and a learner's profile (user cache), as JSON lines at
/// `<reportPath>collection-summary-report-<IST yyyyMMdd>.json` and `…-latest.json`; then the Druid
/// ingestion spec is POSTed, once the files are published.
///
/// Decisions: the representative learner of §3.5 (see `Representative`); a content search that
/// fails fails the run (`ContentLookup`); an unreadable `specPath` fails the run before any work
/// (upstream POSTs `null`), an empty one sends nothing; batch dates are IST days as in §4.
struct CollectionSummary: Job {
    static let id = "collection-summary-report-v2"
    static let title = "Collection summary: per batch, state and district, enrolments, completions and certificates (JSON lines + Druid ingestion)"
    static let legacyNames = ["org.sunbird.lms.audit.CollectionSummaryJobV2"]

    static let searchFilter = Param<JSONValue?>("searchFilter", doc: "a content search request; only its courses' batches (wins over the next two)")
    static let batchStartDate = Param<String>("batchStartDate", default: "", doc: "only batches starting on or after this day (yyyy-MM-dd)")
    static let generateForAllBatches = Param<Bool>("generateForAllBatches", default: false, doc: "all batches (else the ongoing ones)")
    static let batchSize = Param<Int>("batchSize", default: 50, in: 1...10_000, doc: "course ids per content search call")
    static let contentStatus = Param<[String]>(
        "contentStatus", default: ["Live", "Unlisted", "Retired"], doc: "status filter of the content search calls")
    static let contentFields = Param<[String]>(
        "contentFields", default: ["identifier", "name", "organisation", "channel", "status", "keywords", "createdFor", "medium", "subject"],
        doc: "fields the content search calls ask for")
    static let reportPath = Param<String>("reportPath", default: "collection-summary-reports-v2/", doc: "folder of the report files")
    static let specPath = Param<String>("specPath", default: "", doc: "local file holding the Druid ingestion spec (empty: no ingestion)")
    static let druidIngestionUrl = Param<String>(
        "druidIngestionUrl", default: "http://localhost:8081/druid/indexer/v1/task", doc: "Druid overlord task API")
    static let contentSearchUrl = Param<String>("contentSearchUrl", default: "", doc: "content search API (upstream service.search.url + path)")
    static let courseKeyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of course_batch")
    static let reportKeyspace = Param<String>("reportKeyspace", default: "sunbird_courses", doc: "keyspace of user_enrolments (the report cluster)")
    static let parameters: [any ParameterDeclaring] = [
        searchFilter, batchStartDate, generateForAllBatches, batchSize, contentStatus, contentFields, reportPath, specPath,
        druidIngestionUrl, contentSearchUrl, courseKeyspace, reportKeyspace,
    ]

    func run(_ job: JobContext) throws {
        let p = job.params
        let spec = try ingestionSpec(p[Self.specPath])
        var content: [String: CourseContent]?
        let selection: BatchSelection
        if let filter = p[Self.searchFilter] {
            let found = try ContentLookup.search(job, url: p[Self.contentSearchUrl], filter: filter)
            content = found
            selection = .courses(Set(found.keys))
        } else if !p[Self.batchStartDate].isEmpty {
            selection = .startingFrom(p[Self.batchStartDate])
        } else if p[Self.generateForAllBatches] {
            selection = .all
        } else {
            selection = .endingFrom(String(Timestamp.string(job.now.addingTimeInterval(-86_400), .plain).prefix(10)))
        }
        let batches = try SummaryBatch.load(job, table: "\(p[Self.courseKeyspace]).course_batch", selection: selection)
        job.log("\(batches.count) batches selected (\(selection))")
        guard let counts = try SpreadSummary.counts(job, table: "\(p[Self.reportKeyspace]).user_enrolments", batches: batches) else {
            job.log("another host combines this run's summary")
            return
        }
        job.log("\(counts.joinedRows) enrolments of learners with a state, in \(counts.counts.count) batch/state/district groups")
        let courses =
            try content
            ?? ContentLookup.courses(
                job, url: p[Self.contentSearchUrl], ids: counts.courses.sorted(), chunk: p[Self.batchSize],
                status: p[Self.contentStatus], fields: p[Self.contentFields])
        let rows = try write(job, counts: counts, batches: batches, content: courses)
        job.count("totalRecords", rows)
        if let spec {
            try job.httpAfterPublish("POST", p[Self.druidIngestionUrl], headers: ["Content-Type": "application/json"], body: spec)
        } else {
            job.log("no specPath: the summary is not submitted to Druid")
        }
    }

    /// The ingestion spec's text, read before any work so a bad path costs nothing.
    private func ingestionSpec(_ path: String) throws -> String? {
        guard !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobError(.invalidArgument, "modelParams.specPath \(path): the Druid ingestion spec cannot be read")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension CollectionSummary {
    static let outputColumns: [Field] = [
        Field("contentorg", .json), Field("batchid", .utf8), Field("courseid", .utf8), Field("collectionname", .utf8),
        Field("batchname", .utf8), Field("startdate", .utf8), Field("enddate", .utf8), Field("hascertified", .utf8),
        Field("state", .utf8), Field("district", .utf8), Field("enrolleduserscount", .int64), Field("completionuserscount", .int64),
        Field("certificateissuedcount", .int64), Field("contentstatus", .utf8), Field("keywords", .json), Field("channel", .utf8),
        Field("timestamp", .int64), Field("orgname", .utf8), Field("createdfor", .json), Field("medium", .json),
        Field("subject", .json), Field("usertype", .utf8), Field("usersubtype", .utf8),
    ]

    /// Rule 3 (the inner join with the content), 6 and 7: the dated file and the latest copy, rows
    /// in batch, course, state, district order. Returns the row count.
    private func write(
        _ job: JobContext, counts: SummaryCounts, batches: [String: SummaryBatch], content: [String: CourseContent]
    ) throws -> Int64 {
        let folder = job.params[Self.reportPath]
        let day = BatchDates.istDay(job.now).replacingOccurrences(of: "-", with: "")
        let reports = try ["collection-summary-report-" + day, "collection-summary-report-latest"].map {
            try job.openReport(folder + $0, format: .jsonl, columns: Self.outputColumns)
        }
        let timestamp = Int64((job.now.timeIntervalSince1970 * 1000).rounded(.down))
        var rows: Int64 = 0
        for key in counts.counts.keys.sorted() {
            guard let c = content[key.courseId], let batch = batches[key.batchId], let n = counts.counts[key] else { continue }
            let who = counts.representatives[key.batchId]?.learner
            let json = { (text: String?) in text.map { Value.json($0) } ?? .null }
            let row: [Value] = [
                json(c.organisation), .string("batch-" + key.batchId), .string(key.courseId), Value(c.name), Value(batch.name),
                Value(batch.startDate), Value(batch.endDate), .string(batch.hasCertificate ? "Y" : "N"), .string(key.state),
                Value(key.district), .int(n.enrolled), .int(n.completed), .int(n.certified), Value(c.status), json(c.keywords),
                Value(c.channel), .int(timestamp), Value(who?.orgName), json(c.createdFor), json(c.medium), json(c.subject),
                Value(who?.userType), Value(who?.userSubtype),
            ]
            for r in reports { try r.append(row) }
            rows += 1
        }
        for r in reports { try r.close() }
        return rows
    }
}
