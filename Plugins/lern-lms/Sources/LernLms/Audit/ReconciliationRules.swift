import Foundation
import PluginKit

/// One enrolment as §2 reads it, with the batch and course facts it is judged against.
struct Enrolment {
    var userId, courseId, batchId: String
    var contentStatus: [(String, JSONValue)]?
    var completedOn: Date?
    /// latest(enrolled_date, enrolleddate), as text.
    var enrolledDate: String?
    var active: Bool?
    var hasCertificate: Bool
}

/// A batch's dates (days, UTC) and whether its templates are SVG ones.
struct ReconciliationBatch {
    var start: Date?
    var end: Date?
    var hasSVGCertificate: Bool
}

/// A course's leaf nodes (content_hierarchy `leafNodes`, `leafNodesCount`).
struct CourseLeaves {
    var nodes: Set<String>?
    var count: Int
}

/// §2's rules for one enrolment, each a pure function of what the job read.
enum ReconciliationRules {
    /// The content-status map pruned to the course's leaves (unchanged without a map or a list),
    /// and whether pruning removed anything.
    static func pruned(_ e: Enrolment, _ leaves: CourseLeaves) -> (map: [(String, JSONValue)]?, changed: Bool) {
        guard let map = e.contentStatus, let nodes = leaves.nodes else { return (e.contentStatus, false) }
        let kept = map.filter { nodes.contains($0.0) }
        return (kept, kept.count != map.count)
    }

    /// Completed: a non-empty map whose entries with status 2 number the course's leaves.
    static func isCompleted(_ map: [(String, JSONValue)]?, _ leaves: CourseLeaves) -> Bool {
        guard let map, !map.isEmpty else { return false }
        return map.filter { $0.1.int == 2 }.count == leaves.count
    }

    /// The completion instant: the last content completion, but no later than the batch's end day.
    static func completion(lastCompleted: Date?, batchEnd: Date?) -> Date? {
        guard let last = lastCompleted else { return nil }
        guard let end = batchEnd else { return last }
        return min(end, last)
    }

    /// The enrolment instant: the batch's start, or the first content activity if later.
    static func enrolment(firstActivity: Date?, batchStart: Date?) -> Date? {
        switch (firstActivity, batchStart) {
        case let (a?, s?): return max(a, s)
        case let (a?, nil): return a
        case let (nil, s?): return s
        default: return nil
        }
    }

    /// `.svg` anywhere in the batch's templates' JSON text, any case.
    static func hasSVG(_ certTemplates: String?) -> Bool { certTemplates?.lowercased().contains(".svg") ?? false }

    /// Upstream's text forms: `yyyy-MM-dd` (a date's first ten characters; a timestamp's day too) and
    /// `yyyy-MM-dd HH:mm:ss:SSS` (the enrolment and consumption text columns, colon before the
    /// milliseconds); anything else the stores' own timestamp forms read.
    static func day(_ text: String?) -> Date? {
        guard let text, text.count >= 10 else { return nil }
        return Timestamp.parse(text.prefix(10) + "T00:00:00Z")
    }

    /// `yyyy-MM-dd HH:mm:ss:SSSZ` in UTC, the enrolleddate column's form.
    static func enrolledText(_ date: Date) -> String {
        var bytes = Array(Timestamp.string(date, .millis).utf8)
        if bytes.count == 23 { bytes[19] = 0x3A }
        return String(decoding: bytes, as: UTF8.self) + "+0000"
    }

    /// The certificate request of §2 step 3 (key order as upstream's event).
    static func certificateEvent(_ e: Enrolment, now: Date) -> JSONValue {
        .object([
            ("eid", .string("BE_JOB_REQUEST")), ("ets", .int(Int64(now.timeIntervalSince1970 * 1000))),
            ("mid", .string("LP-" + UUID().uuidString.lowercased())),
            ("actor", .object([("id", .string("Course Certificate Generator")), ("type", .string("System"))])),
            ("context", .object([("pdata", .object([("ver", .string("1.0")), ("id", .string("org.sunbird.platform"))]))])),
            ("object", .object([("id", .string("\(e.batchId)_\(e.courseId)")), ("type", .string("CourseCertificateGeneration"))])),
            (
                "edata",
                .object([
                    ("userIds", .array([.string(e.userId)])), ("action", .string("issue-certificate")), ("iteration", .int(1)),
                    ("batchId", .string(e.batchId)), ("reIssue", .bool(false)), ("courseId", .string(e.courseId)),
                ])
            ),
        ])
    }
}

/// §2 steps 1 and 5: the audit counts over enrolments whose batch is known.
struct ReconciliationAudit {
    var missingEnrolmentDate = 0, missingCompletionDate = 0, batchStartAfterEnrolment = 0, completionAfterBatchEnd = 0
    var completedWithoutDate = 0

    mutating func add(_ e: Enrolment, batch: ReconciliationBatch, completed: Bool) {
        let enrolled = Timestamp.lenient(e.enrolledDate)
        if enrolled == nil { missingEnrolmentDate += 1 }
        if e.completedOn == nil { missingCompletionDate += 1 }
        if let s = batch.start, let en = enrolled, s > en { batchStartAfterEnrolment += 1 }
        if let c = e.completedOn, let end = batch.end, c > end.addingTimeInterval(86_400) { completionAfterBatchEnd += 1 }
        if e.completedOn == nil, completed { completedWithoutDate += 1 }
    }

    var json: JSONValue {
        .object([
            ("missingEnrolmentDate", .int(Int64(missingEnrolmentDate))), ("missingCompletionDate", .int(Int64(missingCompletionDate))),
            ("batchStartDtGTEnrolmentDt", .int(Int64(batchStartAfterEnrolment))),
            ("completionDtGTBatchEndDt", .int(Int64(completionAfterBatchEnd))),
            ("missingCompletionDateCount", .int(Int64(completedWithoutDate))),
        ])
    }
}
