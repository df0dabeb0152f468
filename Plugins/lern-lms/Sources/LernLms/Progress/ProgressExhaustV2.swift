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
        let keys = AggregateKeys(supported: Set(supported))
        // The activity rows stream in user order beside the learners (a merge join, one chunk at a
        // time). The score columns are the contents scored in any activity row of the batch, the
        // learners' or not (as upstream): rows of other users only add to that set.
        let activity = try UserOrderedRows.activity(job, batch: batch, settings: settings)
        defer { activity.close() }
        var columns: Set<String> = []
        func scores(_ row: (BatchView, Int, UnsafeRawBufferPointer?)) throws -> AssessmentScores.UserScores? {
            guard row.2 != nil, let text = row.0.string(1, row.1), case .object(let pairs) = try JSONParser.parse(text) else { return nil }
            let user = Self.scores(pairs.compactMap { k, v in AttemptRows.double(v).map { (k, $0) } }, keys: keys)
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
        scores(aggregates, keys: AggregateKeys(supported: supported))
    }

    static func scores(_ aggregates: [(String, Double)], keys: AggregateKeys) -> AssessmentScores.UserScores {
        let infos = aggregates.map { keys.info($0.0) }
        let ids = Set(infos.compactMap(\.scoreId))
        let kept = aggregates.indices.filter { infos[$0].contained.contains(where: ids.contains) }
        let score = kept.filter { infos[$0].isScore }, max = kept.filter { infos[$0].isMax }
        let maxSum = max.reduce(0) { $0 + aggregates[$1].1 }
        guard !score.isEmpty, maxSum > 0 else { return AssessmentScores.UserScores(total: "", perContent: [:]) }
        let total = "\(Int((score.reduce(0) { $0 + aggregates[$1].1 } / maxSum * 100).rounded(.up)))%"
        var per: [String: String] = [:]
        for i in score {
            let info = infos[i]
            let m = max.first { aggregates[$0].0 == info.maxKey }.map { aggregates[$0].1 } ?? 0
            per[info.suffix] = m > 0 ? AssessmentScores.ceilPercent(aggregates[i].1, of: m) : ""
        }
        return AssessmentScores.UserScores(total: total, perContent: per)
    }

    /// Whether `text` contains `part`, by UTF-8 bytes (Foundation's `contains` compares Unicode
    /// strings: correct here too, and a hundred times slower on every learner's keys).
    static func contains(_ text: String, _ part: String) -> Bool {
        var text = text, part = part
        return text.withUTF8 { t in
            part.withUTF8 { p in
                guard !p.isEmpty else { return true }
                guard p.count <= t.count else { return false }
                return (0...(t.count - p.count)).contains { i in memcmp(t.baseAddress! + i, p.baseAddress!, p.count) == 0 }
            }
        }
    }
}

/// What an aggregates key means for the scores, worked out once per distinct key: every learner's
/// document repeats the same few keys, and string work per learner and key was most of the report.
final class AggregateKeys {
    struct Info {
        /// The id of a `score…` key when supported (the part after the first ':', or the whole key).
        var scoreId: String?
        /// The supported ids this key contains (it is kept when the learner has a score for one).
        var contained: [String]
        var isScore: Bool
        var isMax: Bool
        /// The part after the first ':' (the whole key without one).
        var suffix: String
        /// `max_score:<suffix>`.
        var maxKey: String
    }

    let supported: Set<String>
    private var known: [String: Info] = [:]

    init(supported: Set<String>) { self.supported = supported }

    func info(_ key: String) -> Info {
        if let i = known[key] { return i }
        let suffix = String(key.split(separator: ":", maxSplits: 1).last ?? "")
        let isScore = key.hasPrefix("score")
        let info = Info(
            scoreId: isScore && supported.contains(suffix) ? suffix : nil,
            contained: supported.filter { ProgressExhaustV2.contains(key, $0) }, isScore: isScore,
            isMax: key.hasPrefix("max_score"), suffix: suffix, maxKey: "max_score:" + suffix)
        known[key] = info
        return info
    }
}
