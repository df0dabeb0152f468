import Foundation
import PluginKit

/// `response-exhaust` (upstream ResponseExhaustJob, lern-exhaust-spec §4.1–4.3): per batch, one row
/// per question of each learner's assessment attempts.
struct ResponseExhaust: CollectionExhaustJob, ResponseReport {
    static let id = "response-exhaust"
    static let title = "Response exhaust: learners' question-level assessment responses per batch (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.ResponseExhaustJob"]
    static let parameters = ExhaustSettings.parameters
    static let withArchive = false
}

/// `response-exhaust-v2` (upstream ResponseExhaustJobV2, §4.4): the same report over the live rows
/// and the archived ones, so a report is the same before and after archival. Serves the
/// `response-exhaust` requests (run it with `--request-job response-exhaust`; QUIRK Q7).
struct ResponseExhaustV2: CollectionExhaustJob, ResponseReport {
    static let id = "response-exhaust-v2"
    static let title = "Response exhaust V2: live and archived assessment responses per batch (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.ResponseExhaustJobV2"]
    static let parameters = ExhaustSettings.parameters + [archive]
    static let archive = Param<JSONValue>(
        "assessmentFetcherConfig", default: .object([("filePath", .string("archived-data/")), ("format", .string("csv.gz"))]),
        doc: "where the archived assessment files are in the host's blob store (filePath; format csv.gz or csv: both are read)")
    static let withArchive = true
}

protocol ResponseReport {
    static var withArchive: Bool { get }
}

extension CollectionExhaustJob where Self: ResponseReport {
    static var reportPath: String { "response-exhaust/" }
    static var reportKey: String { "response" }
    static var userFields: [String] { ["state", "district", "rootorgid"] }

    static var columns: [(String, String)] { ResponseColumns.all }

    func writeBatch(
        _ job: JobContext, _ batch: CollectionBatch, _ stream: LearnerStream, reportId: String,
        settings: ExhaustSettings
    ) throws {
        // Live rows of this batch and course (QUIRK Q24 decided for V1 too: attempts of another batch are not reported here),
        // merged with the learners in user order a chunk at a time.
        let live = try AttemptRows.liveInUserOrder(job, batch: batch, keyspace: settings.courseKeyspace)
        defer { live.close() }
        let archived =
            Self.withArchive ? AttemptRows.byUser(ArchivedAttempts.read(job, batch: batch, config: job.params[ResponseExhaustV2.archive])) : [:]
        // Upstream selects the columns after reading the attempts: the archive's log line comes first.
        let missing = ResponseColumns.all.map(\.0).filter { !settings.csvColumns.contains($0) }
        guard missing.isEmpty else {
            throw JobError(
                .invalidArgument, settings.csvColumns.isEmpty ? "csvColumns is empty" : "csvColumns lacks \(missing.joined(separator: ", "))")
        }
        // Rows wait in a spool until the question set titles are known: one content search for every
        // content someone attempted, after the last learner, as upstream asks it.
        let spool = try RowSpool()
        var contentIds: [String] = [], contentIndex: [String: Int] = [:]
        try stream.forEachChunk { learners in
            var attempts = try AttemptRows.live(live, batch: batch, upTo: learners.last!.userId)
            for l in learners {
                guard var mine = attempts.removeValue(forKey: l.userId) else {
                    if let a = archived[l.userId] { try spoolRows(a) }
                    continue
                }
                mine += archived[l.userId] ?? []
                try spoolRows(mine)
            }
        }
        func spoolRows(_ attempts: [Attempt]) throws {
            var rows = AttemptRows.questionRows(attempts)
            if Self.withArchive { rows = AttemptRows.deduplicated(rows) }  // QUIRK Q26 decided: live rows win
            for r in rows {
                let id = r.attempt.contentId
                let index =
                    contentIndex[id]
                    ?? {
                        contentIds.append(id)
                        contentIndex[id] = contentIds.count - 1
                        return contentIds.count - 1
                    }()
                try spool.append(Self.cells(batch, r, contentIndex: index))
            }
        }
        let titles = try Self.titles(job, contentIds, settings: settings)
        let out = try job.openReport(reportId, format: .csv, columns: ResponseColumns.all.map { Field($0.1, .utf8) })
        try spool.replay(
            into: out, columnOf: ResponseColumns.all.indices.map { $0 },
            texts: [ResponseColumns.titleColumn: contentIds.map { Array((titles[$0]?["name"]?.string ?? "").utf8) }])
        try out.close()
        job.count("outputEvents", Int64(spool.rows))
    }

    /// The question set titles by content id (none searched when nobody attempted anything).
    static func titles(_ job: JobContext, _ contentIds: [String], settings: ExhaustSettings) throws -> [String: JSONValue] {
        guard !contentIds.isEmpty else { return [:] }
        let filter = JSONValue.object([("identifier", .array(contentIds.sorted().map { .string($0) }))])
        return try ContentSearch.items(job, url: settings.contentSearchUrl, body: .object([("request", .object([("filters", filter)]))]))
    }

    /// A report row; the title cell holds the content's index until the titles are known.
    static func cells(_ batch: CollectionBatch, _ r: AttemptRows.QuestionRow, contentIndex: Int) -> [Value] {
        let q = r.question
        let a = r.attempt
        func num(_ key: String) -> Value { q?[key].flatMap(AttemptRows.double).map { .string(NumberText.java($0)) } ?? .null }
        let duration: Value =
            q?["duration"].flatMap(AttemptRows.double).map { d -> Value in
                let rounded = d.rounded(.toNearestOrAwayFromZero)
                // QUIRK Q23 decided: V2 prints the double (1.0) always, V1 the integer-valued decimal (1).
                return .string(withArchive ? NumberText.java(rounded) : String(Int64(rounded)))
            } ?? .null
        return [
            .string(batch.collectionId), .string(batch.collectionName), .string("BatchId_" + batch.batchId), .string(batch.batchName),
            .string(a.userId), .string(a.contentId), .int(Int64(contentIndex)), .string(a.attemptId),
            .string(AttemptRows.attemptedOn(a.lastAttemptedOn, iso: !withArchive)),
            .string(q?["id"]?.string ?? ""), .string(q?["type"]?.string ?? ""), .string(q?["title"]?.string ?? ""),
            .string(q?["description"]?.string ?? ""), duration, num("score"), num("max_score"),
            .string(q.map { AttemptRows.csvFriendly($0["params"]) } ?? ""), .string(q.map { AttemptRows.csvFriendly($0["resvalues"]) } ?? ""),
        ]
    }
}

enum ResponseColumns {
    static let all: [(String, String)] = [
        ("courseid", "Collection Id"), ("collectionName", "Collection Name"), ("batchid", "Batch Id"), ("batchName", "Batch Name"),
        ("userid", "User UUID"), ("content_id", "QuestionSet Id"), ("contentname", "QuestionSet Title"), ("attempt_id", "Attempt Id"),
        ("last_attempted_on", "Attempted On"), ("questionid", "Question Id"), ("questiontype", "Question Type"),
        ("questiontitle", "Question Title"), ("questiondescription", "Question Description"), ("questionduration", "Question Duration"),
        ("questionscore", "Question Score"), ("questionmaxscore", "Question Max Score"), ("questionoption", "Question Options"),
        ("questionresponse", "Question Response"),
    ]
    /// "QuestionSet Title": looked up after the last row.
    static let titleColumn = 6
}

/// One assessment attempt (an `assessment_aggregator` row, live or archived).
struct Attempt {
    var courseId: String
    var batchId: String
    var userId: String
    var contentId: String
    var attemptId: String
    var lastAttemptedOn: String?
    var questions: [JSONValue]
    var archived: Bool
}

enum AttemptRows {
    /// The batch's live attempts in user order (an ABI 1.5 pull scan), for a merge with the learners.
    static func liveInUserOrder(_ job: JobContext, batch: CollectionBatch, keyspace: String) throws -> UserOrderedRows {
        let columns = [
            Field("user_id", .utf8), Field("content_id", .utf8), Field("attempt_id", .utf8),
            Field("last_attempted_on", .json), Field("question", .json),
        ]
        return UserOrderedRows(
            try job.openScan(
                "\(keyspace).assessment_aggregator", columns: columns,
                where: [.eq("course_id", .string(batch.collectionId)), .eq("batch_id", .string(batch.batchId))],
                orderBy: ["user_id"], readAhead: 16))
    }

    /// The live attempts of users up to `last`, by user. Rows with one primary key are one row
    /// (Cassandra upserts): the last wins.
    static func live(_ rows: UserOrderedRows, batch: CollectionBatch, upTo last: String) throws -> [String: [Attempt]] {
        var byUser: [String: [Attempt]] = [:]
        try rows.forEach(upTo: Array(last.utf8)) { b, r, _ in
            guard let u = b.string(0, r), let c = b.string(1, r), let a = b.string(2, r) else { return }
            let questions = b.string(4, r).flatMap { try? JSONParser.parse($0) }?.array ?? []
            let attempt = Attempt(
                courseId: batch.collectionId, batchId: batch.batchId, userId: u, contentId: c,
                attemptId: a, lastAttemptedOn: scalarText(b.string(3, r)), questions: questions, archived: false)
            if let i = byUser[u]?.firstIndex(where: { $0.contentId == c && $0.attemptId == a }) {
                byUser[u]![i] = attempt
            } else {
                byUser[u, default: []].append(attempt)
            }
        }
        return byUser
    }

    /// Attempts grouped by user (the archived ones: read whole, as the archive files come).
    static func byUser(_ attempts: [Attempt]) -> [String: [Attempt]] {
        Dictionary(grouping: attempts, by: \.userId)
    }

    struct QuestionRow {
        var attempt: Attempt
        var question: JSONValue?
        var position: Int
    }

    /// One row per question in stored order; an attempt without questions gives one row without them.
    /// Attempts come ordered by user, content, attempt, the live one first.
    static func questionRows(_ attempts: [Attempt]) -> [QuestionRow] {
        let ordered = attempts.sorted {
            ($0.userId, $0.contentId, $0.attemptId, $0.archived ? 1 : 0) < ($1.userId, $1.contentId, $1.attemptId, $1.archived ? 1 : 0)
        }
        return ordered.flatMap { a in
            a.questions.isEmpty
                ? [QuestionRow(attempt: a, question: nil, position: 0)]
                : a.questions.enumerated().map { QuestionRow(attempt: a, question: $1, position: $0) }
        }
    }

    /// Upstream's de-duplication on (course, batch, user, attempt, question id); the first row (live) wins.
    static func deduplicated(_ rows: [QuestionRow]) -> [QuestionRow] {
        var seen: Set<String> = []
        return rows.filter { r in
            let key = [r.attempt.courseId, r.attempt.batchId, r.attempt.userId, r.attempt.attemptId, r.question?["id"]?.string ?? ""]
                .joined(separator: "\u{1F}")
            return seen.insert(key).inserted
        }
    }

    /// A timestamp cell read as JSON: a string's text or a number's digits (stores hold both forms).
    static func scalarText(_ json: String?) -> String? {
        guard let json, let v = try? JSONParser.parse(json) else { return nil }
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(Int64(d))
        default: return nil
        }
    }

    static func double(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    /// Upstream's "CSV friendly" options/responses (QUIRK Q35, kept): JSON text, then every `\n` pair
    /// and every backslash deleted, every `"` turned into `'`.
    static func csvFriendly(_ v: JSONValue?) -> String {
        (v ?? .null).render().replacingOccurrences(of: "\\n", with: "").replacingOccurrences(of: "\\", with: "")
            .replacingOccurrences(of: "\"", with: "'")
    }

    /// `last_attempted_on` (epoch milliseconds or an ISO timestamp) as V1 (`yyyy-MM-dd'T'HH:mm:ss.SSSZ`)
    /// or V2 (`yyyy-MM-dd HH:mm:ss`) print it, in UTC; "" when absent or unreadable (archived `null`).
    static func attemptedOn(_ text: String?, iso: Bool) -> String {
        guard let text, let date = Timestamp.parse(text) else { return "" }
        return Timestamp.string(date, iso ? .iso : .plain)
    }
}
