import Foundation
import PluginKit

/// `progress-exhaust` (upstream ProgressExhaustJob, lern-exhaust-spec §3.1–3.2): per batch, each
/// enrolled learner's profile, progress, certificate status and assessment scores.
struct ProgressExhaust: CollectionExhaustJob {
    static let id = "progress-exhaust"
    static let title = "Progress exhaust: learners' progress and assessment scores per batch (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.ProgressExhaustJob"]
    static let parameters = ExhaustSettings.parameters + ExhaustSettings.scoreParameters + [optionalNodes]
    static let optionalNodes = Param<String>(
        "sunbird.course.optionalnodes", default: "optionalnodes",
        doc: "suffix of the course cache key <course>:<course>:<suffix> listing optional contents")
    static let reportPath = "progress-exhaust/"
    static let reportKey = "progress"
    static let userFields = [
        "state", "district", "cluster", "orgname", "schooludisecode", "schoolname", "block", "board",
        "rootorgid", "usertype", "usersubtype",
    ]

    /// Internal name → label, in header order (`total_sum_score` comes from the scores, not csvColumns).
    static let columns: [(String, String)] = [
        ("courseid", "Collection Id"), ("collectionName", "Collection Name"), ("batchid", "Batch Id"), ("batchName", "Batch Name"),
        ("userid", "User UUID"), ("state", "State"), ("district", "District"), ("orgname", "Org Name"),
        ("schooludisecode", "School Id"), ("schoolname", "School Name"), ("block", "Block Name"), ("cluster", "Cluster Name"),
        ("usertype", "User Type"), ("usersubtype", "User Sub Type"), ("board", "Declared Board"), ("enrolleddate", "Enrolment Date"),
        ("completedon", "Completion Date"), ("certificatestatus", "Certificate Status"), ("completionPercentage", "Progress"),
        ("total_sum_score", "Total Score"),
    ]

    func writeBatch(
        _ job: JobContext, _ batch: CollectionBatch, _ learners: LearnerStream, reportId: String,
        settings: ExhaustSettings
    ) throws {
        // csvColumns must name every learner column (upstream fails the batch otherwise).
        let missing = Self.columns.dropLast().map(\.0).filter { !settings.csvColumns.contains($0) }
        guard missing.isEmpty else { throw JobError(.invalidArgument, "csvColumns lacks \(missing.joined(separator: ", "))") }
        let hierarchy = try Hierarchy.load(job, collectionId: batch.collectionId, keyspace: settings.hierarchyKeyspace)
        let supported = hierarchy.supportedAssessments(settings)
        // The score columns are the supported contents some learner of the report attempted.
        // One pull scan of the batch's attempts in user order, merged with the learners chunk by chunk.
        let attempts = supported.isEmpty ? nil : try UserOrderedRows.attempts(job, batch: batch, settings: settings)
        defer { attempts?.close() }
        try Self.write(job, batch, learners, reportId: reportId, hierarchy: hierarchy, scoreColumns: .attempted(among: supported)) { chunk in
            guard let attempts else { return [:] }
            return try AssessmentScores.load(attempts, learners: chunk, supported: supported, settings: settings)
        }
    }

    /// Which `<content> - Score` columns a report has.
    enum ScoreColumns {
        /// Known before the first row (V2: from the activity rows).
        case fixed([String])
        /// The contents that appear in some learner's scores (V1), or in what `alsoSeen` returns after
        /// the last learner (V2: every activity row's): the rows wait in a spool until then.
        case attempted(among: [String], alsoSeen: (() throws -> Set<String>)? = nil)
    }

    /// The report of one batch, whichever version computes the scores: learners stream in user id
    /// order a chunk at a time and `scores` answers for one chunk.
    static func write(
        _ job: JobContext, _ batch: CollectionBatch, _ learners: LearnerStream, reportId: String, hierarchy: Hierarchy,
        scoreColumns: ScoreColumns, scores: ([Learner]) throws -> [String: AssessmentScores.UserScores]
    ) throws {
        // Optional contents do not count towards progress (upstream: the course cache's
        // `<course>:<course>:optionalnodes` set, read once per batch).
        let key = "\(batch.collectionId):\(batch.collectionId):\(job.params[ProgressExhaust.optionalNodes])"
        let optional: Set<String>
        if let members = try job.courseCacheMembers(key) {
            optional = Set(members)
        } else {
            job.log("no course cache configured: optional nodes of \(batch.collectionId) count towards progress", level: .warn)
            optional = []
        }
        let byLabel = { (ids: [String]) in Array(Set(ids)).sorted { "\($0) - Score" < "\($1) - Score" } }
        let learnerFields = Self.columns.map { Field($0.1, $0.0 == "completionPercentage" ? .int64 : .utf8) }
        func open(_ contentIds: [String]) throws -> ReportWriter {
            try job.openReport(reportId, format: .csv, columns: learnerFields + contentIds.map { Field("\($0) - Score", .utf8) })
        }
        var written: Int64 = 0
        switch scoreColumns {
        case .fixed(let ids):
            let contentIds = byLabel(ids)
            let out = try open(contentIds)
            try learners.forEachChunk { chunk in
                let s = try scores(chunk)
                for l in chunk { try out.append(row(l, s[l.userId], contentIds)) }
                written += Int64(chunk.count)
            }
            try out.close()
        case .attempted(let among, let alsoSeen):
            let candidates = byLabel(among)
            // Rows are made and spooled on a thread of their own (no host calls there) while this one
            // reads the next chunk's cache entries and attempts; two chunks in flight at most. The row
            // thread alone touches `work` until `rows.sync {}` hands it back.
            let work = RowThreadWork(spool: try RowSpool(), make: { l, u in row(l, u, candidates) })
            let rows = DispatchQueue(label: "progress-exhaust.rows")
            let slots = DispatchSemaphore(value: 2)
            defer { rows.sync {} }
            try learners.forEachChunk { chunk in
                let batch = RowThreadWork.Chunk(learners: chunk, scores: try scores(chunk))
                slots.wait()
                rows.async {
                    defer { slots.signal() }
                    work.add(batch)
                }
            }
            rows.sync {}
            if let failure = work.failure { throw failure }
            let spool = work.spool, seen = work.seen.union(try alsoSeen?() ?? [])
            let kept = candidates.indices.filter { seen.contains(candidates[$0]) }
            let out = try open(kept.map { candidates[$0] })
            let fixed = learnerFields.count
            var columnOf: [Int?] = (0..<fixed).map { $0 } + [Int?](repeating: nil, count: candidates.count)
            for (k, c) in kept.enumerated() { columnOf[fixed + c] = fixed + k }
            try spool.replay(into: out, columnOf: columnOf)
            written = Int64(spool.rows)
            try out.close()
        }
        job.count("outputEvents", written)

        func row(_ l: Learner, _ s: AssessmentScores.UserScores?, _ contentIds: [String]) -> [Value] {
            var row: [Value] = [
                .string(batch.collectionId), .string(batch.collectionName), .string("BatchId_" + batch.batchId), .string(batch.batchName),
                .string(l.userId),
            ]
            row.reserveCapacity(learnerFields.count + contentIds.count)
            for f in ["state", "district", "orgname", "schooludisecode", "schoolname", "block", "cluster", "usertype", "usersubtype"] {
                row.append(.string(l.field(f) ?? ""))
            }
            row.append(.string(Self.declaredBoard(l.field("board"))))
            row.append(.string(ReportDates.ddMMyyyy(l.enrolledDate)))
            row.append(.string(ReportDates.ddMMyyyy(l.completedOn)))
            row.append(.string(l.hasCertificate ? "Issued" : ""))
            row.append(.int(Int64(Self.progress(l, leafNodes: hierarchy.leafNodesCount, optional: optional))))
            row.append(.string(s?.total ?? ""))
            for c in contentIds { row.append(.string(s?.perContent[c] ?? "")) }
            return row
        }
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
        try job.scan(
            "\(keyspace).content_hierarchy", columns: [Field("identifier", .utf8), Field("hierarchy", .utf8)],
            where: [.eq("identifier", .string(collectionId))]
        ) { if text == nil { text = $0.string("hierarchy") } }
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
            let byCategory =
                s.supportedObjectTypes.contains(node["objectType"]?.string ?? "")
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
    /// The chosen attempt of one (learner, content).
    struct Attempt {
        var score: Double
        var maxScore: Double
        /// The parts of `grand_total` ("a/b"), nil without a '/' (QUIRK Q20).
        var grand: (Double, Double)?
        /// Only when the latest attempt wins (bestScoreReport false).
        var lastAttempted: String?
    }

    /// The scores of one chunk of learners (ascending user ids): the attempts stream is merged up to
    /// the chunk's last user, one user's attempts in hand at a time; per row only bytes are compared.
    static func load(
        _ attempts: UserOrderedRows, learners: [Learner], supported: [String],
        settings: ExhaustSettings
    ) throws -> [String: UserScores] {
        guard let last = learners.last?.userId else { return [:] }
        let users = Set(learners.map(\.userId))
        let contentBytes = supported.map { Array($0.utf8) }
        var result: [String: UserScores] = [:]
        var current: [UInt8] = [], currentId: String?, chosen = [Attempt?](repeating: nil, count: supported.count)
        func finish() {
            defer { for i in chosen.indices { chosen[i] = nil } }
            guard let u = currentId, users.contains(u) else { return }
            var score = 0.0, max = 0.0, per: [String: String] = [:]
            per.reserveCapacity(supported.count)
            for (i, a) in chosen.enumerated() {
                guard let a else { continue }
                score += a.score
                max += a.maxScore
                per[supported[i]] = a.grand.map { g in g.1 > 0 ? ceilPercent(g.0, of: g.1) : "" } ?? ""  // = percent(grandTotal:)
            }
            guard !per.isEmpty else { return }
            result[u] = UserScores(total: max > 0 ? ceilPercent(score, of: max) : "", perContent: per)
        }
        try attempts.forEach(upTo: Array(last.utf8)) { b, row, user in
            guard let user else { return }
            if !current.withUnsafeBytes({ UserOrderedRows.compare($0, user) == 0 }) {
                finish()
                current = Array(user)
                currentId = String(decoding: user, as: UTF8.self)
            }
            guard let content = b.utf8(1, row),
                let c = contentBytes.firstIndex(where: { id in id.withUnsafeBytes { UserOrderedRows.compare($0, content) == 0 } })
            else { return }
            let a = Attempt(
                score: b.double(3, row) ?? 0, maxScore: b.double(2, row) ?? 0, grand: nil,
                lastAttempted: settings.bestScoreReport ? nil : AttemptRows.scalarText(b.string(5, row)))
            if let old = chosen[c] {
                let better = settings.bestScoreReport ? a.score > old.score : (a.lastAttempted ?? "") > (old.lastAttempted ?? "")
                if !better { return }
            }
            chosen[c] = a
            chosen[c]!.grand = b.utf8(4, row).flatMap(grandTotalParts)
        }
        finish()
        return result
    }

    /// "a/b" → (a, b): the numbers either side of the first '/', spaces trimmed; nil without a '/'
    /// or when a side is not a number.
    static func grandTotalParts(_ b: UnsafeRawBufferPointer) -> (Double, Double)? {
        guard let slash = b.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        func number(_ s: Slice<UnsafeRawBufferPointer>) -> Double? {
            var s = s
            while s.first == 0x20 { s.removeFirst() }
            while s.last == 0x20 { s.removeLast() }
            return Double(String(decoding: s, as: UTF8.self))
        }
        guard let x = number(b[..<slash]), let y = number(b[(slash + 1)...]) else { return nil }
        return (x, y)
    }

    /// `ceil(a × 100 / b)%` of a "a/b" grand total; "" without a '/' (QUIRK Q20, kept).
    static func percent(grandTotal: String?) -> String {
        guard var g = grandTotal, let (a, b) = g.withUTF8({ grandTotalParts(UnsafeRawBufferPointer($0)) }), b > 0 else { return "" }
        return ceilPercent(a, of: b)
    }

    /// `ceil(part × 100 / whole)` followed by `%`, e.g. "67%" (upstream's score cells).
    static func ceilPercent(_ part: Double, of whole: Double) -> String { "\(Int((part * 100 / whole).rounded(.up)))%" }
}

/// The progress rows' worker state: the spool, the score contents seen so far and the first error.
/// Unchecked Sendable: one thread at a time owns it (the row queue while chunks are in flight, the
/// job thread after `sync`), so no two touch it at once.
final class RowThreadWork: @unchecked Sendable {
    struct Chunk: @unchecked Sendable {
        var learners: [Learner]
        var scores: [String: AssessmentScores.UserScores]
    }
    let spool: RowSpool
    let make: (Learner, AssessmentScores.UserScores?) -> [Value]
    private(set) var seen: Set<String> = []
    private(set) var failure: Error?

    init(spool: RowSpool, make: @escaping (Learner, AssessmentScores.UserScores?) -> [Value]) {
        self.spool = spool
        self.make = make
    }

    func add(_ chunk: Chunk) {
        guard failure == nil else { return }
        do {
            for l in chunk.learners {
                let u = chunk.scores[l.userId]
                if let u { seen.formUnion(u.perContent.keys) }
                try spool.append(make(l, u))
            }
        } catch { failure = error }
    }
}
