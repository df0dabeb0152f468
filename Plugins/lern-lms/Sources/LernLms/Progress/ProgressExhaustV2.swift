import Foundation
import PluginKit

/// `progress-exhaust-v2` (upstream ProgressExhaustJobV2, lern-exhaust-spec §3.3): the progress report
/// with scores from `user_activity_agg.aggregates` instead of the attempts table. Serves the
/// `progress-exhaust` requests (run it with `--request-job progress-exhaust`; QUIRK Q7).
///
/// Decisions: QUIRK Q21 — score columns sorted by label; Q22 — a batch without activity rows gets
/// empty scores instead of failing.
struct ProgressExhaustV2: CollectionExhaustJob {
    static let id = "progress-exhaust-v2"
    static let title = "Progress exhaust V2: learners' progress with scores from the activity aggregates (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.ProgressExhaustJobV2"]
    static let parameters = ExhaustSettings.parameters + [ProgressExhaust.optionalNodes]
    static let reportPath = "progress-exhaust/"
    static let reportKey = "progress"
    static let userFields = ProgressExhaust.userFields

    func writeBatch(
        _ job: JobContext, _ batch: CollectionBatch, _ learners: LearnerStream, reportId: String,
        settings: ExhaustSettings
    ) throws {
        let hierarchy = try Hierarchy.load(job, collectionId: batch.collectionId, keyspace: settings.hierarchyKeyspace)
        let supported = hierarchy.supportedAssessments(settings)
        let supportedSet = Set(supported)
        // The activity rows stream in user order beside the learners (a merge join, one chunk at a
        // time). The score columns are the contents scored in any activity row of the batch, the
        // learners' or not (as upstream): rows of other users only add to that set.
        let activity = try UserOrderedRows.activity(job, batch: batch, settings: settings)
        defer { activity.close() }
        var columns: Set<String> = []
        func scores(_ row: (BatchView, Int, UnsafeRawBufferPointer?)) throws -> AssessmentScores.UserScores? {
            guard row.2 != nil, let text = row.0.string(1, row.1), case .object(let pairs) = try JSONParser.parse(text) else { return nil }
            let user = Self.scores(pairs.compactMap { k, v in AttemptRows.double(v).map { (k, $0) } }, supported: supportedSet)
            columns.formUnion(user.perContent.keys)
            return user
        }
        let candidates = supported
        try ProgressExhaust.write(
            job, batch, learners, reportId: reportId, hierarchy: hierarchy,
            scoreColumns: .attempted(
                among: candidates,
                alsoSeen: {
                    try activity.forEach(upTo: nil) { b, r, u in _ = try scores((b, r, u)) }
                    return columns
                })
        ) { chunk in
            guard let last = chunk.last?.userId else { return [:] }
            let users = Set(chunk.map(\.userId))
            var out: [String: AssessmentScores.UserScores] = [:]
            try activity.forEach(upTo: Array(last.utf8)) { b, r, u in
                guard let s = try scores((b, r, u)), let u else { return }
                let id = String(decoding: u, as: UTF8.self)
                if users.contains(id) { out[id] = s }  // a later row of the same user wins, as before
            }
            return out
        }
    }

    /// One learner's aggregates (§3.3 steps 3–4): the `score:<id>`/`max_score:<id>` entries of supported contents.
    static func scores(_ aggregates: [(String, Double)], supported: Set<String>) -> AssessmentScores.UserScores {
        let ids = Set(
            aggregates.compactMap { k, _ -> String? in
                guard k.hasPrefix("score"), let id = k.split(separator: ":", maxSplits: 1).last.map(String.init), supported.contains(id) else {
                    return nil
                }
                return id
            })
        let kept = aggregates.filter { k, _ in ids.contains { k.contains($0) } }
        let score = kept.filter { $0.0.hasPrefix("score") }, max = kept.filter { $0.0.hasPrefix("max_score") }
        let maxSum = max.reduce(0) { $0 + $1.1 }
        guard !score.isEmpty, maxSum > 0 else { return AssessmentScores.UserScores(total: "", perContent: [:]) }
        let total = "\(Int((score.reduce(0) { $0 + $1.1 } / maxSum * 100).rounded(.up)))%"
        var per: [String: String] = [:]
        for (k, v) in score {
            let id = String(k.split(separator: ":", maxSplits: 1).last ?? "")
            let m = max.first { $0.0 == "max_score:" + id }?.1 ?? 0
            per[id] = m > 0 ? AssessmentScores.ceilPercent(v, of: m) : ""
        }
        return AssessmentScores.UserScores(total: total, perContent: per)
    }
}
