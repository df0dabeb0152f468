import Foundation
import PluginKit

/// `score-metric-migration-job` (upstream ScoreMetricMigrationJob, lern-jobs-spec §6): back-fills each
/// learner's best score, max score and attempt count per assessed content into `user_activity_agg`
/// (`aggregates`, `agg_last_updated`, one JSON detail per attempt in `agg_details`) from
/// `assessment_aggregator`. Both tables stream in user order and are merged a user at a time; the
/// rewritten rows are upserted a chunk at a time, so memory holds one user and one chunk.
///
/// Decisions: QUIRK Q40 — a learner's existing `agg_details` are kept once, not once per content
/// group (upstream repeats them, and every re-run would add copies); Q41 — a content's max score is
/// that of its first attempt in attempt id order (upstream: an arbitrary attempt's). Re-running is
/// safe: the next run gives the same rows again. A malformed map or list column fails the run
/// before anything is written (a first pass reads every row); a store failure part way leaves some
/// learners migrated, which a re-run completes. Q51 — a listed batch without activity rows is an
/// error before anything is written (upstream silently skipped it).
struct ScoreMetricMigration: Job {
    static let id = "score-metric-migration-job"
    static let title = "Score metric migration: best scores and attempt details from the attempts into the activity aggregates"
    static let legacyNames = ["org.sunbird.lms.audit.ScoreMetricMigrationJob"]
    static let batchIds = Param<[String]>("batchId", default: [], doc: "batches to migrate (none: all)")
    static let metricsType = Param<String>("metricsType", default: "attempt_metrics", doc: "`type` of each attempt detail")
    static let forceMerge = Param<Bool>(
        "forceMerge", default: true, doc: "replace agg_details with the attempts' (false: add the attempts not listed yet)")
    static let keyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of both tables")
    static let parameters: [any ParameterDeclaring] = [batchIds, metricsType, forceMerge, keyspace]

    static let activityColumns = [
        Field("user_id", .utf8), Field("activity_type", .utf8), Field("activity_id", .utf8), Field("context_id", .utf8),
        Field("agg", .json), Field("aggregates", .json), Field("agg_last_updated", .json), Field("agg_details", .json),
    ]
    static let attemptColumns = [
        Field("user_id", .utf8), Field("course_id", .utf8), Field("batch_id", .utf8), Field("content_id", .utf8),
        Field("attempt_id", .utf8), Field("total_score", .float64), Field("total_max_score", .float64),
        Field("last_attempted_on", .json),
    ]
    static let written = [
        Field("activity_type", .utf8), Field("activity_id", .utf8), Field("user_id", .utf8), Field("context_id", .utf8),
        Field("aggregates", .json), Field("agg_last_updated", .json), Field("agg_details", .json),
    ]

    func run(_ job: JobContext) throws {
        let ks = job.params[Self.keyspace], batches = job.params[Self.batchIds]
        let rule = MetricRule(
            type: job.params[Self.metricsType], forceMerge: job.params[Self.forceMerge], nowMs: Int64(job.now.timeIntervalSince1970 * 1000))
        let contexts: [Filter] = batches.isEmpty ? [] : [.in("context_id", batches.map { .string("cb:" + $0) })]
        // A first pass reads every row the migration would: a malformed one fails the run before anything is written.
        // Q51: so does a listed batch without any activity row.
        var seen = Set<String>()
        try job.scanBatches("\(ks).user_activity_agg", columns: Self.activityColumns, where: contexts) { b in
            for r in 0..<b.count {
                _ = try ActivityRow(b, r)
                if !batches.isEmpty, let c = b.string(3, r) { seen.insert(c) }
            }
        }
        if let missing = batches.first(where: { !seen.contains("cb:" + $0) }) {
            throw JobError(.notFound, "batch \(missing) has no rows in \(ks).user_activity_agg; nothing was written")
        }
        let activity = try job.openScan(
            "\(ks).user_activity_agg", columns: Self.activityColumns, where: contexts, orderBy: ["user_id"], readAhead: 8)
        defer { activity.close() }
        let attempts = UserOrderedRows(
            try job.openScan(
                "\(ks).assessment_aggregator", columns: Self.attemptColumns,
                where: batches.isEmpty ? [] : [.in("batch_id", batches.map { .string($0) })], orderBy: ["user_id"], readAhead: 8))
        defer { attempts.close() }
        var pending: [[Value]] = [], updated: Int64 = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            try job.upsert(
                "\(ks).user_activity_agg", key: ["activity_type", "activity_id", "user_id", "context_id"], columns: Self.written, rows: pending)
            updated += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
        }
        var user: String? = nil, rows: [ActivityRow] = []
        func finishUser() throws {
            guard let u = user else { return }
            let mine = try MetricRule.attempts(attempts, of: u)
            pending += rule.migrated(rows, attempts: mine).map(\.cells)
            if pending.count >= 1000 { try flush() }
        }
        while let b = try activity.next() {
            for r in 0..<b.count {
                guard let row = try ActivityRow(b, r) else { continue }
                if row.userId != user {
                    try finishUser()
                    user = row.userId
                    rows = []
                }
                rows.append(row)
            }
        }
        try finishUser()
        try flush()
        job.count("totalRecordsUpdated", updated)
        job.log("totalRecordsUpdated: \(updated)")
    }
}

/// One `user_activity_agg` row (a null map reads as empty, as Cassandra returns it).
struct ActivityRow {
    var userId, activityType, activityId, contextId: String
    var agg, aggregates, lastUpdated: [(String, JSONValue)]
    var details: [String]

    init?(_ b: BatchView, _ r: Int) throws {
        guard let u = b.string(0, r), let t = b.string(1, r), let a = b.string(2, r), let c = b.string(3, r) else { return nil }
        (userId, activityType, activityId, contextId) = (u, t, a, c)
        func object(_ column: Int, _ name: String) throws -> [(String, JSONValue)] {
            guard let text = b.string(column, r) else { return [] }
            switch try JSONParser.parse(text) {
            case .object(let pairs): return pairs
            case .null: return []
            default: throw JobError(.data, "user_activity_agg (\(u), \(a), \(c)): \(name) is not a map")
            }
        }
        agg = try object(4, "agg")
        aggregates = try object(5, "aggregates")
        lastUpdated = try object(6, "agg_last_updated")
        let list = try b.string(7, r).map { try JSONParser.parse($0) } ?? .null
        guard list.isNull || list.array != nil else { throw JobError(.data, "user_activity_agg (\(u), \(a), \(c)): agg_details is not a list") }
        details = list.array?.map { $0.string ?? $0.render() } ?? []
    }

}

/// One attempt of `assessment_aggregator`.
struct MetricAttempt {
    var courseId, batchId, contentId, attemptId: String
    var score, maxScore: Double
    var attemptedOn: Date?
}

/// The migration's rules (§6 rules 1–4) for one learner.
struct MetricRule {
    var type: String
    var forceMerge: Bool
    var nowMs: Int64

    /// Every attempt of `user` (the merge side: rows of earlier users are passed over).
    static func attempts(_ rows: UserOrderedRows, of user: String) throws -> [MetricAttempt] {
        var out: [MetricAttempt] = []
        let bound = Array(user.utf8)
        try rows.forEach(upTo: bound) { b, r, u in
            guard let u, bound.withUnsafeBytes({ UserOrderedRows.compare(u, $0) == 0 }),
                let course = b.string(1, r), let batch = b.string(2, r), let content = b.string(3, r), let attempt = b.string(4, r)
            else { return }
            out.append(
                MetricAttempt(
                    courseId: course, batchId: batch, contentId: content, attemptId: attempt,
                    score: b.double(5, r) ?? 0, maxScore: b.double(6, r) ?? 0,
                    attemptedOn: b.string(7, r).flatMap(AttemptRows.scalarText).flatMap(Timestamp.parse)))
        }
        return out
    }

    struct Output {
        var row: ActivityRow
        var aggregates: [(String, JSONValue)]
        var lastUpdated: [(String, JSONValue)]
        var details: [String]

        var cells: [Value] {
            [
                .string(row.activityType), .string(row.activityId), .string(row.userId), .string(row.contextId),
                .json(JSONValue.object(aggregates).render()), .json(JSONValue.object(lastUpdated).render()),
                .json(JSONValue.array(details.map { .string($0) }).render()),
            ]
        }
    }

    /// The learner's rewritten activity rows: each row joined with its course and batch's content
    /// groups (rule 2; rows without attempts are left alone), merged per row (rules 3–4).
    func migrated(_ rows: [ActivityRow], attempts: [MetricAttempt]) -> [Output] {
        rows.compactMap { row in
            let mine = attempts.filter { $0.courseId == row.activityId && "cb:" + $0.batchId == row.contextId }
            guard !mine.isEmpty else { return nil }
            var groups: [String: [MetricAttempt]] = [:], order: [String] = []
            for a in mine {
                if groups[a.contentId] == nil { order.append(a.contentId) }
                groups[a.contentId, default: []].append(a)
            }
            var aggregates = Self.merged(row.agg, row.aggregates).map { ($0.0, Self.double($0.1)) }
            var stamps: [(String, JSONValue)] = []
            var details = forceMerge ? [] : row.details
            let listed = Set(row.details.compactMap { (try? JSONParser.parse($0))?["attempt_id"]?.string })
            for content in order {
                let group = groups[content]!.sorted { $0.attemptId < $1.attemptId }
                let metrics: [(String, JSONValue)] = [
                    ("score:" + content, .double(group.map(\.score).max()!)), ("max_score:" + content, .double(group[0].maxScore)),
                    ("attempts_count:" + content, .double(Double(group.count))),
                ]
                aggregates = Self.merged(aggregates, metrics)
                stamps = Self.merged(stamps, metrics.map { ($0.0, .int(nowMs)) })
                for a in group where forceMerge || !listed.contains(a.attemptId) { details.append(detail(a)) }
            }
            // Existing timestamps win over now, in epoch milliseconds.
            let lastUpdated = Self.merged(stamps, row.lastUpdated.map { ($0.0, Self.millis($0.1)) })
            return Output(row: row, aggregates: aggregates, lastUpdated: lastUpdated, details: details)
        }
    }

    /// One attempt's detail as upstream writes it (keys in this order; no `attempted_on` when unknown).
    func detail(_ a: MetricAttempt) -> String {
        var pairs: [(String, JSONValue)] = [
            ("max_score", .double(a.maxScore)), ("score", .double(a.score)), ("type", .string(type)),
            ("attempt_id", .string(a.attemptId)), ("content_id", .string(a.contentId)),
        ]
        if let on = a.attemptedOn { pairs.append(("attempted_on", .int(Int64((on.timeIntervalSince1970).rounded(.down))))) }
        return JSONValue.object(pairs).render()
    }

    /// `a` with `b`'s entries added, a key of both taking `b`'s value (in `a`'s place).
    static func merged(_ a: [(String, JSONValue)], _ b: [(String, JSONValue)]) -> [(String, JSONValue)] {
        var out = a
        var at = Dictionary(a.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { _, last in last })
        for (k, v) in b {
            if let i = at[k] {
                out[i] = (k, v)
            } else {
                at[k] = out.count
                out.append((k, v))
            }
        }
        return out
    }

    static func double(_ v: JSONValue) -> JSONValue {
        switch v {
        case .int(let i): return .double(Double(i))
        case .string(let s): return Double(s).map(JSONValue.double) ?? v
        default: return v
        }
    }

    /// A stored timestamp as epoch milliseconds (a number as it is; a date or date-time text read as UTC).
    static func millis(_ v: JSONValue) -> JSONValue {
        guard case .string(let s) = v else { return v }
        let text = s.count == 10 ? s + " 00:00:00" : s
        return Timestamp.parse(text).map { .int(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? v
    }
}
