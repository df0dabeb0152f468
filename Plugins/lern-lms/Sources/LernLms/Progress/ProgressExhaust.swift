import Foundation
import PluginKit

/// `progress-exhaust` (upstream ProgressExhaustJob, lern-exhaust-spec §3.1–3.2): per batch, each
/// enrolled learner's profile, progress, certificate status and assessment scores.
struct ProgressExhaust: CollectionExhaustJob {
    static let id = "progress-exhaust"
    static let title = "Progress exhaust: learners' progress and assessment scores per batch (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.ProgressExhaustJob"]
    static let parameters = ExhaustSettings.parameters + [
        Parameter("bestScoreReport", type: "bool", default: "true", doc: "best attempt per content (else the latest)"),
        Parameter("supportedContentTypes", type: "list", default: "[\"SelfAssess\"]", doc: "assessment content types"),
        Parameter("supportedPrimaryCategories", type: "list", default: "[\"Practice Question Set\"]", doc: "with supportedObjectTypes"),
    ]
    static let reportPath = "progress-exhaust/"
    static let reportKey = "progress"
    static let userFields = ["state", "district", "cluster", "orgname", "schooludisecode", "schoolname", "block", "board",
                             "rootorgid", "usertype", "usersubtype"]

    /// Internal name → label, in header order (`total_sum_score` comes from the scores, not csvColumns).
    static let columns: [(String, String)] = [
        ("courseid", "Collection Id"), ("collectionName", "Collection Name"), ("batchid", "Batch Id"), ("batchName", "Batch Name"),
        ("userid", "User UUID"), ("state", "State"), ("district", "District"), ("orgname", "Org Name"),
        ("schooludisecode", "School Id"), ("schoolname", "School Name"), ("block", "Block Name"), ("cluster", "Cluster Name"),
        ("usertype", "User Type"), ("usersubtype", "User Sub Type"), ("board", "Declared Board"), ("enrolleddate", "Enrolment Date"),
        ("completedon", "Completion Date"), ("certificatestatus", "Certificate Status"), ("completionPercentage", "Progress"),
        ("total_sum_score", "Total Score"),
    ]

    func writeBatch(_ job: JobContext, _ batch: CollectionBatch, _ learners: [Learner], reportId: String,
                    settings: ExhaustSettings) throws {
        // csvColumns must name every learner column (upstream fails the batch otherwise).
        let missing = Self.columns.dropLast().map(\.0).filter { !settings.csvColumns.contains($0) }
        guard missing.isEmpty else { throw JobError(.invalidArgument, "csvColumns lacks \(missing.joined(separator: ", "))") }
        let hierarchy = try Hierarchy.load(job, collectionId: batch.collectionId, keyspace: settings.hierarchyKeyspace)
        let supported = Set(hierarchy.supportedAssessments(settings))
        let scores = try AssessmentScores.load(job, batch: batch, users: Set(learners.map(\.userId)), supported: supported,
                                              settings: settings)
        try Self.write(job, batch, learners, reportId: reportId, hierarchy: hierarchy, scores: scores)
    }

    /// The report of one batch, whichever version computed the scores.
    static func write(_ job: JobContext, _ batch: CollectionBatch, _ learners: [Learner], reportId: String, hierarchy: Hierarchy,
                      scores: AssessmentScores) throws {
        // Optional contents do not count towards progress (upstream: the course cache's
        // `<course>:<course>:optionalnodes` set, read once per batch).
        let key = "\(batch.collectionId):\(batch.collectionId):\(job.modelParams["sunbird.course.optionalnodes"] as? String ?? "optionalnodes")"
        let optional: Set<String>
        if let members = try job.courseCacheMembers(key) { optional = Set(members) } else {
            job.log("no course cache configured: optional nodes of \(batch.collectionId) count towards progress", level: .warn)
            optional = []
        }
        let scoreColumns = scores.contentIds.map { "\($0) - Score" }
        let out = try job.openReport(reportId, format: .csv,
                                     columns: Self.columns.map { Field($0.1, $0.0 == "completionPercentage" ? .int64 : .utf8) }
                                         + scoreColumns.map { Field($0, .utf8) })
        for l in learners.sorted(by: { $0.userId < $1.userId }) {
            var row: [Value] = [
                .string(batch.collectionId), .string(batch.collectionName), .string("BatchId_" + batch.batchId), .string(batch.batchName),
                .string(l.userId),
            ]
            row += ["state", "district", "orgname", "schooludisecode", "schoolname", "block", "cluster", "usertype", "usersubtype"]
                .map { .string(l.field($0) ?? "") }
            row.append(.string(Self.declaredBoard(l.field("board"))))
            row.append(.string(ReportDates.ddMMyyyy(l.enrolledDate)))
            row.append(.string(ReportDates.ddMMyyyy(l.completedOn)))
            row.append(.string(l.hasCertificate ? "Issued" : ""))
            row.append(.int(Int64(Self.progress(l, leafNodes: hierarchy.leafNodesCount, optional: optional))))
            let s = scores.byUser[l.userId]
            row.append(.string(s?.total ?? ""))
            row += scores.contentIds.map { .string(s?.perContent[$0] ?? "") }
            try out.append(row)
        }
        try out.close()
        job.count("outputEvents", Int64(learners.count))
    }

    /// Upstream's completionPercentage: completed (status 2) non-optional contents over the leaf count,
    /// 100 when all are done (or the collection has no leaves); 100 whenever `completedon` is set.
    static func progress(_ l: Learner, leafNodes: Int, optional: Set<String>) -> Int {
        if let c = l.completedOn, !c.isEmpty { return 100 }
        let completed = l.completedContents.filter { !optional.contains($0) }.count
        if completed >= leafNodes { return 100 }
        return Int((Float(completed) / Float(leafNodes) * 100).rounded(.toNearestOrAwayFromZero))
    }

    /// The cache's `board` is a JSON array text: its first element; otherwise the raw text.
    static func declaredBoard(_ text: String?) -> String {
        guard let text else { return "" }
        if let first = (try? JSONParser.parse(text))?.array?.first { return first.string ?? first.render() }
        return text
    }
}

/// A collection's `content_hierarchy` row.
struct Hierarchy {
    var root: JSONValue
    var leafNodesCount: Int { Int(root["leafNodesCount"]?.int ?? 0) }

    static func load(_ job: JobContext, collectionId: String, keyspace: String) throws -> Hierarchy {
        var text: String?
        try job.scan("\(keyspace).content_hierarchy", columns: [Field("identifier", .utf8), Field("hierarchy", .utf8)],
                     where: [.eq("identifier", .string(collectionId))]) { if text == nil { text = $0.string("hierarchy") } }
        guard let text else { throw JobError(.notFound, "no content_hierarchy row for collection \(collectionId)") }
        do { return Hierarchy(root: try JSONParser.parse(text)) } catch {
            throw JobError(.data, "content_hierarchy of \(collectionId) is not JSON: \(error)")
        }
    }

    /// Upstream `filterAssessmentsFromHierarchy`: the root and its descendants whose contentType is
    /// supported, or whose objectType and primaryCategory both are; distinct ids in walk order.
    func supportedAssessments(_ s: ExhaustSettings) -> [String] {
        var ids: [String] = [], seen: Set<String> = []
        func walk(_ node: JSONValue) {
            let contentType = node["contentType"]?.string ?? ""
            let byType = s.supportedContentTypes.contains(contentType)
            let byCategory = s.supportedObjectTypes.contains(node["objectType"]?.string ?? "")
                && s.supportedPrimaryCategories.contains(node["primaryCategory"]?.string ?? "")
            if byType || byCategory, let id = node["identifier"]?.string, seen.insert(id).inserted { ids.append(id) }
            for child in node["children"]?.array ?? [] { walk(child) }
        }
        walk(root)
        return ids
    }
}

/// V1 scores from `assessment_aggregator` (§3.2): one attempt per (learner, content), supported
/// contents only; `Total Score` and a `<content> - Score` column per content.
struct AssessmentScores {
    struct UserScores {
        var total: String
        var perContent: [String: String]
    }
    var contentIds: [String] = []
    var byUser: [String: UserScores] = [:]

    /// One (learner, content) attempt, kept small: a batch's best attempts stay in memory until written.
    struct Attempt {
        var score: Double
        var maxScore: Double
        /// The `<content> - Score` cell, computed at once ("70%" is an inline small string).
        var percent: String
        /// Only when the latest attempt wins (bestScoreReport false).
        var lastAttempted: String?
    }

    static func load(_ job: JobContext, batch: CollectionBatch, users: Set<String>, supported: Set<String>,
                     settings: ExhaustSettings) throws -> AssessmentScores {
        var result = AssessmentScores()
        guard !supported.isEmpty, !users.isEmpty else { return result }
        // Keys share the learners' and hierarchy's strings instead of one copy per row.
        let contentIds = Dictionary(uniqueKeysWithValues: supported.map { ($0, $0) })
        var best: [String: [String: Attempt]] = [:]  // user → content → attempt
        let columns = [Field("user_id", .utf8), Field("content_id", .utf8), Field("total_max_score", .float64),
                       Field("total_score", .float64), Field("grand_total", .utf8), Field("last_attempted_on", .json)]
        try job.scan("\(settings.courseKeyspace).assessment_aggregator", columns: columns,
                     where: [.eq("course_id", .string(batch.collectionId)), .eq("batch_id", .string(batch.batchId))]) { r in
            guard let row = r.string("user_id"), let u = users.firstIndex(of: row).map({ users[$0] }),
                  let c = r.string("content_id").flatMap({ contentIds[$0] }) else { return }
            let a = Attempt(score: r.double("total_score") ?? 0, maxScore: r.double("total_max_score") ?? 0,
                            percent: percent(grandTotal: r.string("grand_total")),
                            lastAttempted: settings.bestScoreReport ? nil : AttemptRows.scalarText(r.string("last_attempted_on")))
            if let old = best[u]?[c] {
                let better = settings.bestScoreReport ? a.score > old.score : (a.lastAttempted ?? "") > (old.lastAttempted ?? "")
                if !better { return }
            }
            best[u, default: [:]][c] = a
        }
        var contents: Set<String> = []
        for (u, attempts) in best {
            let score = attempts.values.reduce(0) { $0 + $1.score }, max = attempts.values.reduce(0) { $0 + $1.maxScore }
            contents.formUnion(attempts.keys)
            result.byUser[u] = UserScores(total: max > 0 ? "\(Int((score * 100 / max).rounded(.up)))%" : "",
                                          perContent: attempts.mapValues(\.percent))
        }
        result.contentIds = contents.sorted { "\($0) - Score" < "\($1) - Score" }
        return result
    }

    /// `ceil(a × 100 / b)%` of a "a/b" grand total; "" without a '/' (QUIRK Q20, kept).
    static func percent(grandTotal: String?) -> String {
        guard let g = grandTotal, let slash = g.utf8.firstIndex(of: UInt8(ascii: "/")) else { return "" }
        func number(_ s: Substring) -> Double? {
            var t = s
            while t.first == " " { t.removeFirst() }
            while t.last == " " { t.removeLast() }
            return Double(t)
        }
        guard let a = number(g[..<slash]), let b = number(g[g.utf8.index(after: slash)...]), b > 0 else { return "" }
        return "\(Int((a * 100 / b).rounded(.up)))%"
    }
}
