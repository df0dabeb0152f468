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
        var entries: [(AggregateKeys.Info, Double)] = []
        func scores(_ row: (BatchView, Int, UnsafeRawBufferPointer?)) throws -> AssessmentScores.UserScores? {
            guard row.2 != nil, let bytes = row.0.utf8(1, row.1) else { return nil }
            let user: AssessmentScores.UserScores
            if Self.flatNumbers(bytes, keys: keys, into: &entries) {
                user = Self.scores(entries)
            } else {
                guard case .object(let pairs) = try JSONParser.parse(bytes) else { return nil }
                user = Self.scores(pairs.compactMap { k, v in AttemptRows.double(v).map { (k, $0) } }, keys: keys)
            }
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
        scores(aggregates.map { (keys.info($0.0), $0.1) })
    }

    /// The scores of one learner's numeric aggregates, each key already understood.
    static func scores(_ entries: [(AggregateKeys.Info, Double)]) -> AssessmentScores.UserScores {
        let ids = Set(entries.compactMap(\.0.scoreId))
        let kept = entries.indices.filter { entries[$0].0.contained.contains(where: ids.contains) }
        let score = kept.filter { entries[$0].0.isScore }, max = kept.filter { entries[$0].0.isMax }
        let maxSum = max.reduce(0) { $0 + entries[$1].1 }
        guard !score.isEmpty, maxSum > 0 else { return AssessmentScores.UserScores(total: "", perContent: [:]) }
        let total = "\(Int((score.reduce(0) { $0 + entries[$1].1 } / maxSum * 100).rounded(.up)))%"
        var per: [String: String] = [:]
        for i in score {
            let info = entries[i].0
            let m = max.first { entries[$0].0.key == info.maxKey }.map { entries[$0].1 } ?? 0
            per[info.suffix] = m > 0 ? AssessmentScores.ceilPercent(entries[i].1, of: m) : ""
        }
        return AssessmentScores.UserScores(total: total, perContent: per)
    }

    /// A flat aggregates object of plain keys and number values read from its bytes (the common
    /// case: no tree, no String per key); false for anything else, which the caller parses.
    static func flatNumbers(_ b: UnsafeRawBufferPointer, keys: AggregateKeys, into out: inout [(AggregateKeys.Info, Double)]) -> Bool {
        out.removeAll(keepingCapacity: true)
        return FlatNumberObject.forEach(b) { key, number in
            guard let value = Double(String(decoding: number, as: UTF8.self)) else { return false }
            out.append((keys.info(bytes: key), value))
            return true
        }
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
        var key: String
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
    /// The keys met so far as bytes, for `info(bytes:)` (documents repeat them in one order).
    private var byBytes: [([UInt8], Info)] = []
    private var hint = 0

    /// `info` of a key given as UTF-8 bytes (no escapes).
    func info(bytes: UnsafeRawBufferPointer) -> Info {
        let n = byBytes.count
        for step in 0..<n {
            let j = (hint + step) % n
            if byBytes[j].0.elementsEqual(bytes) {
                hint = j + 1
                return byBytes[j].1
            }
        }
        let i = info(String(decoding: bytes, as: UTF8.self))
        byBytes.append((Array(bytes), i))
        hint = byBytes.count
        return i
    }

    init(supported: Set<String>) { self.supported = supported }

    func info(_ key: String) -> Info {
        if let i = known[key] { return i }
        let suffix = String(key.split(separator: ":", maxSplits: 1).last ?? "")
        let isScore = key.hasPrefix("score")
        let info = Info(
            key: key, scoreId: isScore && supported.contains(suffix) ? suffix : nil,
            contained: supported.filter { ProgressExhaustV2.contains(key, $0) }, isScore: isScore,
            isMax: key.hasPrefix("max_score"), suffix: suffix, maxKey: "max_score:" + suffix)
        known[key] = info
        return info
    }
}
