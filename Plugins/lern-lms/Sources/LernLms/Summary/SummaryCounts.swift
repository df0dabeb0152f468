import Foundation
import PluginKit

/// The learner facts the summary reads from the user cache (§3 "Reads": only these are used).
struct SummaryLearner {
    var state: String
    var district, orgName, userType, userSubtype: String?
}

/// One output row's key (§3 rule 4) and its counts.
struct SummaryKey: Hashable, Comparable {
    var batchId, courseId, state: String
    var district: String?

    static func < (a: SummaryKey, b: SummaryKey) -> Bool {
        (a.batchId, a.courseId, a.state, a.district ?? "") < (b.batchId, b.courseId, b.state, b.district ?? "")
    }
}

struct SummaryCount {
    var enrolled: Int64 = 0
    var completed: Int64 = 0
    var certified: Int64 = 0
}

/// The learner whose profile columns a batch's rows carry (§3 rule 5). QUIRK decided: upstream keeps
/// an arbitrary joined row; we keep the most recently enrolled learner — an enrolment without a date
/// counts as the most recent, ties go to the greatest user id — which is what upstream's test
/// expectations show and does not depend on the order a store returns rows in.
struct Representative {
    var enrolledAt: Date?
    var userId: String
    var learner: SummaryLearner

    func isSupersededBy(_ other: Representative) -> Bool {
        switch (enrolledAt, other.enrolledAt) {
        case (nil, nil): return other.userId > userId
        case (.some, nil): return true
        case (nil, .some): return false
        case (.some(let a), .some(let b)): return b > a || (b == a && other.userId > userId)
        }
    }
}

/// §3 rules 2, 4 and 5 over a stream of enrolments: each kept enrolment is joined with its learner
/// (enrolments of learners without a cached state drop out) and counted. Memory holds the counters
/// (one per batch, state and district) and one chunk of enrolments waiting for their learners.
final class SummaryCounts {
    private(set) var counts: [SummaryKey: SummaryCount] = [:]
    private(set) var representatives: [String: Representative] = [:]  // by batch id
    private(set) var joinedRows: Int64 = 0
    private var pending: [PendingEnrolment] = []
    private let job: JobContext
    static let chunk = 2000

    struct PendingEnrolment {
        var batchId, courseId, userId: String
        var enrolledAt: Date?
        var completed, certified: Bool
    }

    init(_ job: JobContext) { self.job = job }

    func add(_ e: PendingEnrolment) throws {
        pending.append(e)
        if pending.count >= Self.chunk { try flush() }
    }

    /// Looks up the waiting enrolments' learners (one pipelined read) and counts them.
    func flush() throws {
        guard !pending.isEmpty else { return }
        var learners: [String: SummaryLearner] = [:]
        let keys = Array(Set(pending.map(\.userId))).map { "user:" + $0 }
        try job.redisRead(keys: keys, fields: ["state", "district", "orgname", "usertype", "usersubtype"]) { row in
            guard let key = row.string("key"), let state = row.string("state"), !state.isEmpty else { return }
            learners[String(key.dropFirst(5))] = SummaryLearner(
                state: state, district: row.string("district"), orgName: row.string("orgname"),
                userType: row.string("usertype"), userSubtype: row.string("usersubtype"))
        }
        for e in pending {
            guard let learner = learners[e.userId] else { continue }
            joinedRows += 1
            let key = SummaryKey(batchId: e.batchId, courseId: e.courseId, state: learner.state, district: learner.district)
            counts[key, default: SummaryCount()].enrolled += 1
            if e.completed { counts[key]!.completed += 1 }
            if e.certified { counts[key]!.certified += 1 }
            let candidate = Representative(enrolledAt: e.enrolledAt, userId: e.userId, learner: learner)
            if let current = representatives[e.batchId], !current.isSupersededBy(candidate) { continue }
            representatives[e.batchId] = candidate
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Adds a group counted elsewhere (another host's work item), with its batch's representative.
    func merge(_ key: SummaryKey, _ count: SummaryCount, representative: SummaryLearner?) {
        counts[key] = count
        joinedRows += count.enrolled
        if let representative, representatives[key.batchId] == nil {
            representatives[key.batchId] = Representative(enrolledAt: nil, userId: "", learner: representative)
        }
    }

    /// The courses that have at least one joined row (the ones the content search is asked about).
    var courses: Set<String> { Set(counts.keys.map(\.courseId)) }
}

extension SummaryCounts {
    static let columns =
        ["batchid", "userid", "courseid", "completedon", "enrolleddate", "enrolled_date"].map { Field($0, .utf8) }
        + [Field("active", .json), Field("certificates", .json), Field("issued_certificates", .json)]

    /// Streams `table`'s enrolments of the selected batches into the counts (§3 "Reads"); `only`
    /// reads one batch's (through the store's index).
    func read(_ table: String, batches: [String: SummaryBatch], only batch: String? = nil) throws {
        let filter: [Filter] = batch.map { [.eq("batchid", .string($0))] } ?? []
        try job.scanBatches(table, columns: Self.columns, where: filter, batchRows: 4096) { b in
            for r in 0..<b.count {
                guard let batch = b.string(0, r), let user = b.string(1, r), let course = b.string(2, r),
                    let selected = batches[batch], selected.courseId == course, Self.isActive(b.string(6, r))
                else { continue }
                try add(
                    PendingEnrolment(
                        batchId: batch, courseId: course, userId: user,
                        enrolledAt: Timestamp.lenient(BatchDates.latest(b.string(5, r), b.string(4, r))),
                        completed: b.string(3, r).map { !$0.isEmpty } ?? false,
                        certified: Self.nonEmptyList(b.string(7, r)) || Self.nonEmptyList(b.string(8, r))))
            }
        }
        try flush()
    }

    /// `active` lower-cased as text is `true` (a boolean, or text as some loads left it).
    static func isActive(_ json: String?) -> Bool {
        guard let json else { return false }
        switch try? JSONParser.parse(json) {
        case .bool(let b)?: return b
        case .int(let i)?: return i == 1  // a boolean as SQLite stores it
        case .string(let s)?: return s.lowercased() == "true"
        default: return json.lowercased() == "true"
        }
    }

    static func nonEmptyList(_ json: String?) -> Bool {
        guard let json, let v = try? JSONParser.parse(json) else { return false }
        return !(v.array?.isEmpty ?? true)
    }
}
