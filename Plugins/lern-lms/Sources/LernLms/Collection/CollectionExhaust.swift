import Foundation
import PluginKit

/// A collection exhaust: one CSV per batch of a course (upstream `BaseCollectionExhaustJob`). The
/// shared flow — request validation, batch resolution, per-batch throttling, learners — is
/// `CollectionExhaustRunner`; a job supplies only what its report contains.
protocol CollectionExhaustJob: Job {
    /// Folder of the reports, e.g. "progress-exhaust/".
    static var reportPath: String { get }
    /// File-name key, e.g. "progress".
    static var reportKey: String { get }
    /// User info also needs the request's encryption key.
    static var requiresEncryptionKey: Bool { get }
    /// User-cache fields the report reads (upstream §2.6 table).
    static var userFields: [String] { get }
    /// Upstream `validateCsvColumns` (true for all but user info).
    func validateCsvColumns(_ settings: ExhaustSettings, _ request: ExhaustRequest) -> Bool
    /// Writes the batch's report `reportId` (open, rows, close); throws to fail the batch.
    func writeBatch(
        _ job: JobContext, _ batch: CollectionBatch, _ learners: LearnerStream, reportId: String,
        settings: ExhaustSettings) throws
}

extension CollectionExhaustJob {
    static var requiresEncryptionKey: Bool { false }
    func validateCsvColumns(_ settings: ExhaustSettings, _ request: ExhaustRequest) -> Bool { true }
    func run(_ job: JobContext) throws { try CollectionExhaustRunner(job: job, report: self).run() }

    /// Upstream `getFilePath`: `<reportPath><requestId>/<batchId>_<reportKey>_<yyyyMMdd>` (no request folder when standalone).
    static func filePath(batchId: String, requestId: String, date: String) -> String {
        reportPath + (requestId.isEmpty ? "" : requestId + "/") + "\(batchId)_\(reportKey)_\(date)"
    }
}

/// An enrolled learner found in the user cache (upstream: enrolments inner-joined with the cache).
struct Learner {
    var userId: String
    /// latest(enrolled_date, enrolleddate).
    var enrolledDate: String?
    var completedOn: String?
    /// Contents with status 2 (completed) in `contentstatus`: all progress needs, far smaller than the map.
    var completedContents: [String]
    /// `certificates` or `issued_certificates` is a non-empty list.
    var hasCertificate: Bool
    /// The user-cache fields the report reads, by position in `fields` (no dictionary per learner).
    var values: [String?] = []
    var fields = CacheFields.none

    func field(_ name: String) -> String? { fields.index[name].flatMap { $0 < values.count ? values[$0] : nil } }
}

/// The names of a report's user-cache fields and their positions, shared by all its learners.
final class CacheFields {
    let names: [String]
    let index: [String: Int]
    init(_ names: [String]) {
        self.names = names
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }
    static let none = CacheFields([])
}

struct CollectionExhaustRunner<Report: CollectionExhaustJob> {
    let job: JobContext
    let report: Report
    let settings: ExhaustSettings

    init(job: JobContext, report: Report) {
        self.job = job
        self.report = report
        settings = ExhaustSettings(job.params)
    }

    static var requestError: String { "Request should have either of batchId, batchFilter, searchFilter or encrption key" }  // sic

    func run() throws {
        guard let request = job.request else { return try standalone() }
        try job.setResult(try answer(request))
    }

    /// The outcome of one request (lern-exhaust-spec §2.3–2.4, outcome table §2.12).
    func answer(_ request: ExhaustRequest) throws -> RequestResult {
        // QUIRK Q11 decided: a failed column check stops the request (upstream marks FAILED and goes on).
        guard report.validateCsvColumns(settings, request) else {
            return RequestResult(
                .failed, message: "Request Security Level is not matching with PII fields or csvColumns CSV columns configured. Please check.")
        }
        let what = try CollectionRequest(request.requestData)
        if what == .none || (Report.requiresEncryptionKey && !request.hasEncryptionKey) {
            return RequestResult(.failed, message: Self.requestError)
        }
        if case .batches(let ids) = what, ids.count > settings.batchLimitPerRequest {
            return RequestResult(.failed, message: "Number of batches in request exceeded. It should be within \(settings.batchLimitPerRequest)")
        }
        var completed = request.processedBatches
        let (batches, message) = try resolve(what, requestedOrgId: request.requestedChannel)
        let done = Set(completed.map(\.batchId))
        let todo = batches.filter { !done.contains($0.batchId) }
        guard !batches.isEmpty else { return RequestResult(.failed, message: message, processedBatches: completed) }

        var failures: [String] = [], throttled = false, files: [String] = []
        var count = 0, bytes: Int64 = 0
        for batch in todo {
            // The channel throttle with this run's running counters (§2.7 step 1).
            guard count < request.budgetBatches, bytes < request.budgetBytes else {
                throttled = true
                continue
            }
            count += 1
            let id = Report.filePath(batchId: batch.batchId, requestId: request.requestId, date: request.date)
            do {
                try report.writeBatch(job, batch, learners(of: batch), reportId: id, settings: settings)
                let size = try job.reportSize(id)
                bytes += size  // QUIRK Q14 decided: a failed batch adds nothing
                completed.append(ProcessedBatch(channel: request.requestedChannel, batchId: batch.batchId, filePath: id + ".csv", fileSize: size))
                files.append(id)
                job.log("batch \(batch.batchId): \(size) bytes")
            } catch {
                job.log("batch \(batch.batchId) failed: \(error)", level: .warn)
                failures.append("\(error)")
            }
        }
        if todo.isEmpty { return RequestResult(.failed, message: "No data found", processedBatches: completed) }
        if !failures.isEmpty {
            return RequestResult(.failed, message: failures.joined(separator: ","), processedBatches: completed, files: files)
        }
        if throttled { return RequestResult(.submitted, processedBatches: completed, files: files) }
        return RequestResult(.success, processedBatches: completed, files: files)
    }

    /// Standalone mode (§2.13): batches from modelParams, files without a request folder. QUIRK Q17
    /// decided: the files are the result, so the run succeeds when every batch was written.
    func standalone() throws {
        var data: [(String, JSONValue)] = []
        if let id = job.params[ExhaustSettings.batchId] { data.append(("batchId", .string(id))) }
        if let ids = job.params[ExhaustSettings.batchFilter] { data.append(("batchFilter", .array(ids.map { .string($0) }))) }
        if let filter = job.params[ExhaustSettings.searchFilter] { data.append(("searchFilter", filter)) }
        let what = try CollectionRequest(.object(data))
        let (batches, message) = try resolve(what, requestedOrgId: nil)
        guard !batches.isEmpty else { throw JobError(.notFound, message) }
        let date = ReportDates.today(job.now)
        for batch in batches {
            try report.writeBatch(
                job, batch, learners(of: batch), reportId: Report.filePath(batchId: batch.batchId, requestId: "", date: date),
                settings: settings)
        }
    }

    // MARK: Batches (§2.5)

    func resolve(_ what: CollectionRequest, requestedOrgId: String?) throws -> ([CollectionBatch], String) {
        let custodian = try custodianOrgId()
        var rows: [(courseId: String, batchId: String, name: String)] = []
        let columns = [Field("courseid", .utf8), Field("batchid", .utf8), Field("name", .utf8)]
        let items: [String: JSONValue]
        switch what {
        case .none:
            return ([], Self.requestError)
        case .batches(let ids):
            let unique = Array(Set(ids)).sorted()
            try job.scan("\(settings.courseKeyspace).course_batch", columns: columns, where: [.in("batchid", unique.map { .string($0) })]) { r in
                if let c = r.string("courseid"), let b = r.string("batchid") { rows.append((c, b, r.string("name") ?? "")) }
            }
            guard !rows.isEmpty else { return ([], "No data found") }
            let courseIds = Array(Set(rows.map(\.courseId))).sorted()
            let body = JSONValue.object([
                (
                    "request",
                    .object([
                        (
                            "filters",
                            .object([
                                ("identifier", .array(courseIds.map { .string($0) })),
                                ("status", .array(["Live", "Unlisted", "Retired"].map { .string($0) })),
                            ])
                        ),
                        ("fields", .array(["channel", "identifier", "name", "userConsent", "status"].map { .string($0) })),
                    ])
                )
            ])
            items = try search(body).filter { $0.value["status"]?.string != "Retired" }
            guard !items.isEmpty else { return ([], "The request is made for retired collection") }
        case .search(let filter):
            items = try search(.object([("request", filter["request"] ?? filter)]))
            guard !items.isEmpty else { return ([], "No data found") }  // QUIRK Q13 decided
            try job.scan(
                "\(settings.courseKeyspace).course_batch", columns: columns,
                where: [.in("courseid", items.keys.sorted().map { .string($0) })]
            ) { r in
                if let c = r.string("courseid"), let b = r.string("batchid") { rows.append((c, b, r.string("name") ?? "")) }
            }
        }
        // QUIRK Q3 decided: batches in batch id order (upstream: Cassandra token order; the tests only need a fixed order).
        let batches = rows.sorted { ($0.batchId, $0.courseId) < ($1.batchId, $1.courseId) }.compactMap { r -> CollectionBatch? in
            guard let item = items[r.courseId] else { return nil }
            let channel = item["channel"]?.string ?? ""
            return CollectionBatch(
                batchId: r.batchId, collectionId: r.courseId, batchName: r.name, custodianOrgId: custodian,
                requestedOrgId: requestedOrgId ?? channel, collectionOrgId: channel,
                collectionName: item["name"]?.string ?? "", userConsent: item["userConsent"]?.string)
        }
        return (batches, batches.isEmpty ? "No data found" : "")
    }

    func custodianOrgId() throws -> String {
        var value: String?
        try job.scan(
            "\(settings.userKeyspace).system_settings", columns: [Field("id", .utf8), Field("value", .utf8)],
            where: [.eq("id", .string("custodianOrgId"))]
        ) { value = $0.string("value") }
        guard let value else { throw JobError(.notFound, "system_settings has no custodianOrgId row") }
        return value
    }

    func search(_ body: JSONValue) throws -> [String: JSONValue] {
        try ContentSearch.items(job, url: settings.contentSearchUrl, body: body)
    }

    func learners(of batch: CollectionBatch) -> LearnerStream {
        LearnerStream(
            job: job, batch: batch, courseKeyspace: settings.courseKeyspace,
            wanted: Set(Report.userFields + ["firstname", "lastname", "rootorgid"]))
    }

}

/// A batch's learners (§2.6–2.7: active enrolments inner-joined with the user cache, then the org
/// filter), delivered in user id order a chunk at a time: the enrolments arrive ordered by user
/// (ABI 1.5 ordered scan) and each chunk is looked up in the cache at once, so memory holds one chunk,
/// never the batch. A report that needs every learner at once asks for `all()`.
struct LearnerStream {
    let job: JobContext
    let batch: CollectionBatch
    let courseKeyspace: String
    /// Only the cache fields the report reads are kept.
    let wanted: Set<String>
    var chunkSize = 5000

    /// Calls `body` with consecutive chunks of learners, ascending user ids, none empty.
    func forEachChunk(_ body: ([Learner]) throws -> Void) throws {
        var pending: [Learner] = []
        pending.reserveCapacity(chunkSize)
        let columns = [
            Field("userid", .utf8), Field("active", .json), Field("enrolleddate", .utf8), Field("enrolled_date", .utf8),
            Field("completedon", .utf8), Field("contentstatus", .json), Field("certificates", .json),
            Field("issued_certificates", .json),
        ]
        // A pull scan: the host reads and converts the next enrolments on its own thread while
        // this one looks the last chunk up in the cache and makes its rows.
        let enrolments = try job.openScan(
            "\(courseKeyspace).user_enrolments", columns: columns,
            where: [.eq("batchid", .string(batch.batchId)), .eq("courseid", .string(batch.collectionId))],
            orderBy: ["userid"], readAhead: 16)
        defer { enrolments.close() }
        while let b = try enrolments.next() {
            for row in 0..<b.count {
                guard let learner = Self.learner(b, row) else { continue }
                // A user's rows are adjacent; the last one wins (as a keyed map would).
                if pending.last?.userId == learner.userId {
                    pending[pending.count - 1] = learner
                    continue
                }
                if pending.count >= chunkSize {
                    let found = try withCache(pending)
                    pending.removeAll(keepingCapacity: true)
                    if !found.isEmpty { try body(found) }
                }
                pending.append(learner)
            }
        }
        let found = try withCache(pending)
        if !found.isEmpty { try body(found) }
    }

    /// An active enrolment with an enrolment date as a learner (columns as `forEachChunk` asks).
    static func learner(_ b: BatchView, _ row: Int) -> Learner? {
        guard let user = b.string(0, row), b.string(1, row)?.lowercased() == "true" else { return nil }
        let newer = b.string(3, row), older = b.string(2, row)
        let enrolled = (newer?.isEmpty == false) ? newer : older  // the latest-value rule (jobs-spec §0.3)
        guard let enrolled, !enrolled.isEmpty else { return nil }
        func json(_ c: Int) -> JSONValue? { b.string(c, row).flatMap { try? JSONParser.parse($0) } }
        var completed: [String] = []
        if let fast = b.utf8(5, row).flatMap(completedContents) {
            completed = fast
        } else if case .object(let pairs)? = json(5) {
            completed = pairs.filter { $0.1.int == 2 }.map(\.0)
        }
        let certified = [json(6), json(7)].contains { $0?.array?.isEmpty == false }
        return Learner(
            userId: user, enrolledDate: enrolled, completedOn: b.string(4, row), completedContents: completed, hasCertificate: certified)
    }

    /// The keys whose value is 2 (completed) in a flat `contentstatus` object of plain keys and
    /// integers, read from the bytes; nil for anything else (the caller then parses the JSON).
    static func completedContents(_ b: UnsafeRawBufferPointer) -> [String]? {
        var out: [String] = []
        let flat = FlatNumberObject.forEach(b) { key, number in
            guard number.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }  // not a plain integer
            if number.count == 1, number[0] == UInt8(ascii: "2") { out.append(String(decoding: key, as: UTF8.self)) }
            return true
        }
        return flat ? out : nil
    }

    /// Every learner of the batch, ascending user ids.
    func all() throws -> [Learner] {
        var out: [Learner] = []
        try forEachChunk { out += $0 }
        return out
    }

    /// The chunk's learners found in the user cache, in the chunk's order, with the org filter applied.
    private func withCache(_ chunk: [Learner]) throws -> [Learner] {
        guard !chunk.isEmpty else { return [] }
        // HMGET of the wanted fields only; rows come in key order. A hash with none of them counts as
        // absent (it would be a row of empty cells); upstream's inner join drops only missing hashes.
        let names = wanted.subtracting(["username"]).sorted()  // username is made from the names, below
        let fields = CacheFields(names + ["username"])
        let first = fields.index["firstname"]!, last = fields.index["lastname"]!, root = fields.index["rootorgid"]!
        var found: [Learner] = []
        found.reserveCapacity(chunk.count)
        var next = 0
        try job.redisRead(keys: chunk.map { "user:" + $0.userId }, fields: names) { r in
            var learner = chunk[next]
            next += 1
            var values = [String?](repeating: nil, count: names.count + 1)
            var any = false
            for i in 0..<names.count {
                values[i] = r.string(at: i + 1)
                if values[i] != nil { any = true }
            }
            guard any else { return }
            // Org filter (§2.7 step 3): another org's admin sees only its own users.
            if batch.requestedOrgId != batch.collectionOrgId && values[root] != batch.requestedOrgId { return }
            // The cache's `username` is firstname and lastname joined by a space, nulls skipped (concat_ws).
            values[names.count] = [values[first], values[last]].compactMap { $0 }.joined(separator: " ")
            learner.values = values
            learner.fields = fields
            found.append(learner)
        }
        return found
    }
}

/// The content search API (upstream `RestUtil` POST to service.search). QUIRK Q37 decided: every list
/// under `result` is read (`content`, `QuestionSet`, ...), other values ignored; the first item of an
/// identifier wins.
enum ContentSearch {
    static func items(_ job: JobContext, url: String?, body: JSONValue) throws -> [String: JSONValue] {
        guard let url, !url.isEmpty else { throw JobError(.invalidArgument, "modelParams.contentSearchUrl is not set") }
        let answer = try job.http("POST", url, headers: ["Content-Type": "application/json"], body: body.render())
        guard (200..<300).contains(answer.status), let json = try? JSONParser.parse(answer.body) else {
            throw JobError(.io, "content search answered HTTP \(answer.status)")
        }
        var items: [String: JSONValue] = [:]
        if case .object(let pairs)? = json["result"] {
            for (k, v) in pairs where k != "count" {
                for item in v.array ?? [] {
                    if let id = item["identifier"]?.string, items[id] == nil { items[id] = item }
                }
            }
        }
        return items
    }
}
