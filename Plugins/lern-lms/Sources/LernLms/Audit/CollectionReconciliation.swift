import Foundation
import PluginKit

/// `collection-reconciliation-job` (upstream CollectionReconciliationJob, lern-jobs-spec §2; marked
/// "will be deprecated" upstream, never scheduled, and not scheduled here): repairs `user_enrolments`
/// — content-status maps pruned to the course's leaves, missing completion dates and statuses, missing
/// enrolment dates — and requests the certificates completed learners of SVG-template batches miss.
/// Live mode writes `user_enrolments` and sends the requests to Kafka; the dry run (the default)
/// writes `user_enrolments_temp` and the report `cert_events.json`.
///
/// The enrolments stream in (batch, user, course) order, merged with `user_content_consumption` in
/// the same order, and with `course_batch` in batch order; each course's leaves are read once.
///
/// Decisions: QUIRK Q49 — `last_completed_time` (a timestamp) is read as one, where upstream's text
/// parse of its string form failed and lost it; Q50 — only enrolments a rule changes are written
/// (upstream rewrote every incomplete enrolment's map once any changed: the same values in live mode,
/// more rows in the dry run's temp table); a certificate is requested for a completion date this run
/// sets too; `brokerList` is accepted, the host's `--kafka` decides.
struct CollectionReconciliation: Job {
    static let id = "collection-reconciliation-job"
    static let title = "Collection reconciliation: enrolments' progress, completion and enrolment dates repaired, missed certificates requested"
    static let legacyNames = ["org.sunbird.lms.audit.CollectionReconciliationJob"]
    static let mode = Param<String>("mode", default: "dryrun", doc: "dryrun (user_enrolments_temp, cert_events.json); anything else: live")
    static let topic = Param<String>("topic", default: "", doc: "Kafka topic of the certificate requests (live mode)")
    static let brokerList = Param<String>("brokerList", default: "", doc: "upstream's brokers; the host's --kafka decides")
    static let courseKeyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of the course tables")
    static let hierarchyKeyspace = Param<String>("hierarchyKeyspace", default: "dev_hierarchy_store", doc: "keyspace of content_hierarchy")
    static let parameters: [any ParameterDeclaring] = [mode, topic, brokerList, courseKeyspace, hierarchyKeyspace]

    func run(_ job: JobContext) throws {
        let live = job.params[Self.mode] != "dryrun"
        if live, job.params[Self.topic].isEmpty { throw JobError(.invalidArgument, "live mode needs modelParams.topic for the certificate requests") }
        let pass = try ReconciliationPass(job, live: live)
        try pass.run()
    }
}

/// One run of §2 over every enrolment.
final class ReconciliationPass {
    let job: JobContext
    let live: Bool
    let ks: String
    let target: String
    private var batches: BatchFacts!
    private var leaves: [String: CourseLeaves] = [:]
    private var pre = ReconciliationAudit(), post = ReconciliationAudit()
    private var progress: [[Value]] = [], completions: [[Value]] = [], enrolments: [[Value]] = []
    private var certificates: EventSink?
    private var counts = (maps: Int64(0), completions: Int64(0), enrolments: Int64(0), certificates: Int64(0))

    static let enrolmentColumns = [
        Field("batchid", .utf8), Field("userid", .utf8), Field("courseid", .utf8), Field("contentstatus", .json), Field("completedon", .utf8),
        Field("enrolled_date", .utf8), Field("enrolleddate", .utf8), Field("active", .bool), Field("certificates", .json),
        Field("issued_certificates", .json),
    ]

    init(_ job: JobContext, live: Bool) throws {
        (self.job, self.live) = (job, live)
        ks = job.params[CollectionReconciliation.courseKeyspace]
        target = "\(ks).\(live ? "user_enrolments" : "user_enrolments_temp")"
    }

    func run() throws {
        try validate()
        let rows = try job.openScan(
            "\(ks).user_enrolments", columns: Self.enrolmentColumns, orderBy: ["batchid", "userid", "courseid"], readAhead: 8)
        defer { rows.close() }
        let consumption = try ConsumptionRows(job, keyspace: ks)
        defer { consumption.close() }
        batches = try BatchFacts(job, keyspace: ks)
        defer { batches.close() }
        while let b = try rows.next() {
            for r in 0..<b.count {
                let e = Self.enrolment(b, r)
                try reconcile(e, activity: try consumption.rows(for: e))
            }
        }
        try flush(force: true)
        try certificates?.close()
        for (name, n) in [
            ("contentStatusMapUpdCount", counts.maps), ("missingCompletionDateCount", counts.completions),
            ("blankEnrolmentCount", counts.enrolments), ("certIssuedCount", counts.certificates),
        ] { job.count(name, n) }
        job.log("pre-audit: \(pre.json.render())")
        job.log("post-audit: \(post.json.render())")
    }

    /// Every content-status map is a JSON object (or null) before anything is written: a malformed
    /// one stops the run with no table changed.
    func validate() throws {
        try job.scan(
            "\(ks).user_enrolments",
            columns: [Field("userid", .utf8), Field("courseid", .utf8), Field("batchid", .utf8), Field("contentstatus", .json)]
        ) { r in
            guard let text = r.string("contentstatus") else { return }
            guard case .object? = try? JSONParser.parse(text) else {
                throw JobError(
                    .data,
                    "enrolment \(r.string("userid") ?? "")/\(r.string("courseid") ?? "")/\(r.string("batchid") ?? ""): contentstatus is not a map: \(text.prefix(60)); nothing was changed"
                )
            }
        }
    }

    static func enrolment(_ b: BatchView, _ r: Int) -> Enrolment {
        let json = { (c: Int) in b.string(c, r).flatMap { try? JSONParser.parse($0) } }
        let certs = [json(8), json(9)].contains { ($0?.array?.isEmpty == false) }
        return Enrolment(
            userId: b.string(1, r) ?? "", courseId: b.string(2, r) ?? "", batchId: b.string(0, r) ?? "",
            contentStatus: json(3)?.objectPairs, completedOn: Timestamp.lenient(b.string(4, r)),
            enrolledDate: BatchDates.latest(b.string(5, r), b.string(6, r)), active: b.bool(7, r), hasCertificate: certs)
    }

    /// Steps 2–4 for one enrolment, and its part of both audits.
    func reconcile(_ original: Enrolment, activity: ConsumptionRows.Activity) throws {
        var e = original
        let batch = try batches.batch(e.batchId, course: e.courseId)
        let course = try leavesOf(e.courseId)
        let completedBefore = course.map { ReconciliationRules.isCompleted(e.contentStatus, $0) } ?? false
        if let batch { pre.add(e, batch: batch, completed: completedBefore) }
        if e.completedOn == nil, let course {
            let (map, changed) = ReconciliationRules.pruned(e, course)
            if changed {
                progress.append(key(e) + [.json(JSONValue.object(map ?? []).render())])
                counts.maps += 1
                e.contentStatus = map
            }
            if ReconciliationRules.isCompleted(map, course),
                let done = ReconciliationRules.completion(lastCompleted: activity.lastCompleted, batchEnd: batch?.end)
            {
                completions.append(key(e) + [.int(2), .string(Timestamp.string(done, .iso))])
                counts.completions += 1
                e.completedOn = done
            }
        }
        if e.completedOn != nil, batch?.hasSVGCertificate == true, !e.hasCertificate {
            try certificateSink().send(ReconciliationRules.certificateEvent(e, now: job.now))
            counts.certificates += 1
        }
        if Timestamp.lenient(e.enrolledDate) == nil,
            let at = ReconciliationRules.enrolment(firstActivity: activity.firstActivity, batchStart: batch?.start)
        {
            let text = ReconciliationRules.enrolledText(at)
            enrolments.append(key(e) + [.string(text), .bool(e.active ?? true)])
            counts.enrolments += 1
            e.enrolledDate = text
        }
        if let batch {
            let after = live ? e : original
            post.add(after, batch: batch, completed: course.map { ReconciliationRules.isCompleted(after.contentStatus, $0) } ?? false)
        }
        try flush(force: false)
    }

    func key(_ e: Enrolment) -> [Value] { [.string(e.userId), .string(e.courseId), .string(e.batchId)] }

    /// The course's leaves (read once per course; nil when it has no hierarchy row).
    func leavesOf(_ course: String) throws -> CourseLeaves? {
        if let known = leaves[course] { return known.count < 0 ? nil : known }
        if leaves.count >= 4096 { leaves.removeAll() }  // bounded: enrolments come a batch, so a course, at a time
        var found: CourseLeaves?
        try job.scan(
            "\(job.params[CollectionReconciliation.hierarchyKeyspace]).content_hierarchy",
            columns: [Field("identifier", .utf8), Field("hierarchy", .utf8)], where: [.eq("identifier", .string(course))]
        ) { r in
            let h = r.string("hierarchy").flatMap { try? JSONParser.parse($0) }
            found = CourseLeaves(
                nodes: h?["leafNodes"]?.array.map { Set($0.compactMap(\.string)) }, count: Int(h?["leafNodesCount"]?.int ?? 0))
        }
        leaves[course] = found ?? CourseLeaves(nodes: nil, count: -1)
        return found
    }

    func certificateSink() throws -> EventSink {
        if let certificates { return certificates }
        let sink = live ? EventSink(kafka: job, topic: job.params[CollectionReconciliation.topic]) : try EventSink(file: job, reportId: "cert_events")
        certificates = sink
        return sink
    }

    private func flush(force: Bool) throws {
        let k = [Field("userid", .utf8), Field("courseid", .utf8), Field("batchid", .utf8)]
        let keyNames = ["userid", "courseid", "batchid"]
        if !progress.isEmpty, force || progress.count >= 1000 {
            try job.upsert(target, key: keyNames, columns: k + [Field("contentstatus", .json)], rows: progress)
            progress.removeAll(keepingCapacity: true)
        }
        if !completions.isEmpty, force || completions.count >= 1000 {
            try job.upsert(target, key: keyNames, columns: k + [Field("status", .int64), Field("completedon", .utf8)], rows: completions)
            completions.removeAll(keepingCapacity: true)
        }
        if !enrolments.isEmpty, force || enrolments.count >= 1000 {
            try job.upsert(target, key: keyNames, columns: k + [Field("enrolleddate", .utf8), Field("active", .bool)], rows: enrolments)
            enrolments.removeAll(keepingCapacity: true)
        }
    }
}

/// `course_batch` in batch id order, merged with the enrolments (which come in the same order): the
/// dates and SVG flag of the enrolment's batch, holding one batch id's rows at a time.
final class BatchFacts {
    private let rows: PeekableRows
    private var currentId: String?
    private var current: [(course: String, facts: ReconciliationBatch)] = []

    init(_ job: JobContext, keyspace: String) throws {
        rows = PeekableRows(
            try job.openScan(
                "\(keyspace).course_batch",
                columns: [
                    Field("batchid", .utf8), Field("courseid", .utf8), Field("start_date", .utf8), Field("startdate", .utf8),
                    Field("end_date", .utf8), Field("enddate", .utf8), Field("cert_templates", .json),
                ], orderBy: ["batchid", "courseid"], readAhead: 4))
    }

    func close() { rows.close() }

    /// The batch's facts (the row of the enrolment's course, else the batch id's first); nil when
    /// `course_batch` has no such batch. Ids must come in ascending byte order.
    func batch(_ id: String, course: String) throws -> ReconciliationBatch? {
        if id != currentId { try advance(to: id) }
        return (current.first { $0.course == course } ?? current.first)?.facts
    }

    private func advance(to id: String) throws {
        currentId = id
        current = []
        try rows.forEach(equalTo: [Array(id.utf8)]) { b, row in
            let text = { (c: Int) in b.string(c, row) }
            let latest = { (new: Int, old: Int) in BatchDates.latest(text(new), text(old)) }
            current.append(
                (
                    text(1) ?? "",
                    ReconciliationBatch(
                        start: ReconciliationRules.day(latest(2, 3)), end: ReconciliationRules.day(latest(4, 5)),
                        hasSVGCertificate: ReconciliationRules.hasSVG(text(6)))
                ))
        }
    }
}

/// Where certificate requests go: Kafka (live) or the JSON-lines report (dry run), one event each.
final class EventSink {
    private let job: JobContext
    private let topic: String?
    private let file: EventFile?

    init(kafka job: JobContext, topic: String) { (self.job, self.topic, self.file) = (job, topic, nil) }

    init(file job: JobContext, reportId: String) throws {
        (self.job, self.topic) = (job, nil)
        file = try EventFile(job, reportId: reportId, keys: EventFile.certificateRequest)
    }

    func send(_ event: JSONValue) throws {
        if let topic { try job.kafkaSend(topic: topic, value: event.render()) } else { try file!.append(event) }
    }

    func close() throws { try file?.close() }
}

/// `user_content_consumption` in (batch, user, course) order, handed out an enrolment at a time.
final class ConsumptionRows {
    private let rows: PeekableRows

    /// What an enrolment's content activity says: the last completion (status 2) and the first
    /// activity of any kind, from latest(last_completed_time, lastcompletedtime).
    struct Activity {
        var lastCompleted: Date?
        var firstActivity: Date?
    }

    init(_ job: JobContext, keyspace: String) throws {
        rows = PeekableRows(
            try job.openScan(
                "\(keyspace).user_content_consumption",
                columns: [
                    Field("batchid", .utf8), Field("userid", .utf8), Field("courseid", .utf8), Field("status", .int64),
                    Field("last_completed_time", .utf8), Field("lastcompletedtime", .utf8),
                ], orderBy: ["batchid", "userid", "courseid"], readAhead: 8))
    }

    func close() { rows.close() }

    /// The activity of `e` (rows with a smaller key are skipped: they belong to no enrolment).
    func rows(for e: Enrolment) throws -> Activity {
        var out = Activity()
        try rows.forEach(equalTo: [Array(e.batchId.utf8), Array(e.userId.utf8), Array(e.courseId.utf8)]) { b, row in
            guard let t = Timestamp.lenient(BatchDates.latest(b.string(4, row), b.string(5, row))) else { return }
            out.firstActivity = min(out.firstActivity ?? t, t)
            if b.int(3, row) == 2 { out.lastCompleted = max(out.lastCompleted ?? t, t) }
        }
        return out
    }
}
