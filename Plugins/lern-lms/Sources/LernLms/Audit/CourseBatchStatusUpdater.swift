import Foundation
import PluginKit

/// `course-batch-status-updater` (upstream CourseBatchStatusUpdaterJob, lern-jobs-spec §4): moves
/// course batches Upcoming (0) → Ongoing (1) → Expired (2) by their dates, days in IST, "today" from
/// the run clock (`--now`). Writes the new status to `course_batch`, to the course-batch search index
/// (Elasticsearch `_update`) and each affected course's batch list to the learning service (PATCH).
///
/// Decisions: QUIRK Q38 — the index and learning-service calls stay best effort as upstream (a failed
/// call is logged, the run still succeeds: the table is the source of truth and the next hourly run
/// does not repeat them, as upstream); Q39 — a batch whose status is null is left alone.
struct CourseBatchStatusUpdater: Job {
    static let id = "course-batch-status-updater"
    static let title = "Course batch status updater: batches upcoming → ongoing → expired by their dates (hourly)"
    static let legacyNames = ["org.sunbird.lms.audit.CourseBatchStatusUpdaterJob"]
    static let searchHost = Param<String>(
        "sparkElasticsearchConnectionHost", default: "http://localhost:9200", doc: "Elasticsearch base URL (course-batch index)")
    static let learningBase = Param<String>(
        // Upstream's code default has no scheme (libcurl reads it as http); its deployed config says http://.
        "kpLearningBasePath", default: "http://localhost:8080/learning-service", doc: "learning service base URL (content batch lists)")
    static let courseKeyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of course_batch")
    static let parameters: [any ParameterDeclaring] = [searchHost, learningBase, courseKeyspace]

    func run(_ job: JobContext) throws {
        let table = "\(job.params[Self.courseKeyspace]).course_batch"
        let today = BatchDates.istDay(job.now)
        var found: [Int: Int] = [:], changed: [Int: Int64] = [:], pending: [[Value]] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            try job.upsert(
                table, key: ["courseid", "batchid"], columns: [Field("courseid", .utf8), Field("batchid", .utf8), Field("status", .int64)],
                rows: pending)
            pending.removeAll(keepingCapacity: true)
        }
        // A course's batches at a time (the scan in course order): its list for the learning service
        // needs them all, and memory holds one course.
        var calls: [(course: String, updated: [(BatchRow, Int?)])] = []
        try BatchRow.byCourse(job, table: table) { course, batches in
            for b in batches { if let s = b.status { found[s, default: 0] += 1 } }
            let updated = batches.map { ($0, $0.updatedStatus(today: today)) }
            let moved = updated.filter { $0.1 != $0.0.status }
            guard !moved.isEmpty else { return }
            for (b, status) in moved {
                changed[status!, default: 0] += 1
                pending.append([.string(b.courseId), .string(b.batchId), .int(Int64(status!))])
            }
            calls.append((course, updated))
            if pending.count >= 1000 {
                try flush()
                try send(job, calls)
                calls.removeAll()
            }
        }
        try flush()
        try send(job, calls)
        job.log("batches found: un-started \(found[0] ?? 0), in-progress \(found[1] ?? 0), completed \(found[2] ?? 0) (today \(today) IST)")
        for (name, status) in [("unStarted", 0), ("inProgress", 1), ("completed", 2)] { job.count(name, changed[status] ?? 0) }
        if changed.isEmpty { job.log("no batch changes status") }
    }

    /// After the table says it: the index update of each batch that moved to 1 or 2, then each
    /// course's open batches (status < 2) to the learning service (`null` when none is left).
    private func send(_ job: JobContext, _ courses: [(course: String, updated: [(BatchRow, Int?)])]) throws {
        let search = job.params[Self.searchHost], learning = job.params[Self.learningBase]
        for (_, updated) in courses {
            for (b, status) in updated where status != b.status && status! > 0 {
                let body = JSONValue.object([("doc", .object([("status", .int(Int64(status!)))]))]).render()
                bestEffort(job, "index update of batch \(b.batchId)") {
                    try job.http("POST", "\(search)/course-batch/_doc/\(b.batchId)/_update", headers: Self.headers, body: body)
                }
            }
        }
        for (course, updated) in courses {
            let open = updated.filter { ($0.1 ?? 2) < 2 }.map { $0.0.listing(status: $0.1!) }
            let body = JSONValue.object([
                ("request", .object([("content", .object([("batches", open.isEmpty ? .null : .array(open))]))]))
            ]).render()
            bestEffort(job, "batch list of course \(course)") {
                try job.http("PATCH", "\(learning)/system/v3/content/update/\(course)", headers: Self.headers, body: body)
            }
        }
    }

    /// Upstream's RestUtil headers.
    static let headers = ["user-id": "analytics", "Content-Type": "application/json"]

    /// A call whose failure upstream only logs (RestUtil returns null).
    private func bestEffort(_ job: JobContext, _ what: String, _ call: () throws -> HTTPResult) {
        do {
            let r = try call()
            if !(200..<300).contains(r.status) { job.log("\(what): HTTP \(r.status)", level: .warn) }
        } catch {
            job.log("\(what) failed: \(error)", level: .warn)
        }
    }
}

/// One `course_batch` row with its dates normalised (§4 "Dates").
struct BatchRow {
    var courseId: String
    var batchId: String
    var name: String?
    var startDate: String?
    var endDate: String?
    var enrollmentEndDate: String?
    var enrollmentType: String?
    /// As stored (JSON text): parsed only for a batch the learning service is told about.
    var createdFor: String?
    var status: Int?

    /// The table's batches a course at a time (an ordered pull scan: memory holds one course).
    static func byCourse(_ job: JobContext, table: String, _ body: (String, [BatchRow]) throws -> Void) throws {
        let columns =
            [
                "courseid", "batchid", "name", "startdate", "start_date", "enddate", "end_date", "enrollmentenddate",
                "enrollment_enddate", "enrollmenttype",
            ].map { Field($0, .utf8) } + [Field("createdfor", .json), Field("status", .int64)]
        let cursor = try job.openScan(table, columns: columns, orderBy: ["courseid"], readAhead: 8)
        defer { cursor.close() }
        var course: String?, batches: [BatchRow] = []
        while let b = try cursor.next() {
            for r in 0..<b.count {
                guard let row = BatchRow(b, r) else { continue }
                if row.courseId != course {
                    if let c = course { try body(c, batches) }
                    course = row.courseId
                    batches = []
                }
                batches.append(row)
            }
        }
        if let c = course { try body(c, batches) }
    }

    /// §4 rule 1: expired after the end day, ongoing from the start day, else as it is.
    func updatedStatus(today: String) -> Int? {
        guard status != nil else { return nil }
        if let endDate, today > endDate { return 2 }
        if let startDate, today >= startDate { return 1 }
        return status
    }

    /// The batch as the learning service's content lists it; nulls left out.
    func listing(status: Int) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("batchId", .string(batchId))]
        if let startDate { pairs.append(("startDate", .string(startDate))) }
        if let enrollmentType { pairs.append(("enrollmentType", .string(enrollmentType))) }
        if let list = createdFor.flatMap({ try? JSONParser.parse($0) }), !list.isNull { pairs.append(("createdFor", list)) }
        pairs.append(("status", .int(Int64(status))))
        if let e = BatchDates.enrolmentEndDate(enrollmentEndDate, endDate: endDate) { pairs.append(("enrollmentEndDate", .string(e))) }
        if let endDate { pairs.append(("endDate", .string(endDate))) }
        if let name { pairs.append(("name", .string(name))) }
        return .object(pairs)
    }
}

extension BatchRow {
    /// A row of the columns `byCourse` reads, in that order.
    init?(_ b: BatchView, _ r: Int) {
        guard let course = b.string(0, r), let batch = b.string(1, r) else { return nil }
        self.init(
            courseId: course, batchId: batch, name: b.string(2, r),
            startDate: BatchDates.latest(BatchDates.istDay(typed: b.string(4, r)), b.string(3, r)),
            endDate: BatchDates.latest(BatchDates.istDay(typed: b.string(6, r)), b.string(5, r)),
            enrollmentEndDate: BatchDates.latest(BatchDates.istDay(typed: b.string(8, r)), b.string(7, r)),
            enrollmentType: b.string(9, r), createdFor: b.string(10, r),
            status: b.int(11, r).map(Int.init))
    }
}

/// Day arithmetic of the batch rules, in IST (Asia/Kolkata, UTC+05:30, no daylight saving).
enum BatchDates {
    static let ist = TimeZone(identifier: "Asia/Kolkata")!

    static let istDayFormat = Timestamp.utc("yyyy-MM-dd", zone: ist)
    static let utcSeconds = Timestamp.utc("yyyy-MM-dd HH:mm:ss")

    static let istOffset = 19_800  // seconds east of UTC, all year since 1945 (the tz database's rules before differ)

    static func istDay(_ instant: Date) -> String {
        guard instant.timeIntervalSince1970 >= -757_382_400 else { return istDayFormat.string(from: instant) }  // before 1946
        // The IST day is the UTC day of the instant shifted by the offset (printed by hand).
        return String(Timestamp.string(instant.addingTimeInterval(Double(istOffset)), .plain).prefix(10))
    }

    /// A typed timestamp column as its IST day: its first 19 characters read as `yyyy-MM-dd HH:mm:ss`
    /// in UTC (the rest ignored; a `T` separator accepted); nil when absent or unreadable.
    static func istDay(typed text: String?) -> String? {
        guard let text, text.utf8.count >= 19 else { return nil }
        let head = String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
        if let utc = Timestamp.quickParse(head) { return istDay(utc) }  // by hand: ICU costs ~100 µs a row
        return utcSeconds.date(from: head).map(istDay)
    }

    /// jobs-spec §0.3: the new value unless it is null or empty.
    static func latest(_ new: String?, _ stale: String?) -> String? {
        if let new, !new.isEmpty { return new }
        return stale
    }

    /// The enrolment end: as stored, else the day before the batch ends, else none.
    static func enrolmentEndDate(_ enrolmentEnd: String?, endDate: String?) -> String? {
        if let enrolmentEnd { return enrolmentEnd }
        guard let endDate, let end = istDayFormat.date(from: endDate) else { return nil }
        return istDay(end.addingTimeInterval(-86_400))  // once per listed batch: the formatter is fine here
    }
}
