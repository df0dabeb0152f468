import Foundation
import PluginKit

/// A course batch as the summary reports it (lern-jobs-spec §3 "Reads"): dates are IST days, the
/// typed column winning over the text one (§0.3).
struct SummaryBatch {
    var courseId, batchId: String
    var name: String?
    var startDate, endDate: String?
    var hasCertificate: Bool
}

/// Which batches a run covers (§3 rule 1, first matching branch).
enum BatchSelection {
    /// Only the courses a content search returned (their metadata comes with them).
    case courses(Set<String>)
    /// Batches starting on or after this day.
    case startingFrom(String)
    case all
    /// Batches not ended before this day (or without an end).
    case endingFrom(String)

    func includes(_ b: SummaryBatch) -> Bool {
        switch self {
        case .courses(let ids): return ids.contains(b.courseId)
        case .startingFrom(let day): return b.startDate.map { $0.prefix(10) >= day.prefix(10) } ?? false
        case .all: return true
        case .endingFrom(let day): return b.endDate.map { $0.prefix(10) >= day.prefix(10) } ?? true
        }
    }
}

extension SummaryBatch {
    static let columns =
        ["courseid", "batchid", "name", "startdate", "start_date", "enddate", "end_date"].map { Field($0, .utf8) }
        + [Field("cert_templates", .json)]

    /// The selected batches of `table`, keyed by batch id (a deployment has thousands: they fit).
    static func load(_ job: JobContext, table: String, selection: BatchSelection) throws -> [String: SummaryBatch] {
        var out: [String: SummaryBatch] = [:]
        try job.scanBatches(table, columns: columns) { b in
            for r in 0..<b.count {
                guard let course = b.string(0, r), let batch = b.string(1, r) else { continue }
                let row = SummaryBatch(
                    courseId: course, batchId: batch, name: b.string(2, r),
                    startDate: BatchDates.latest(day(typed: b.string(4, r)), b.string(3, r)),
                    endDate: BatchDates.latest(day(typed: b.string(6, r)), b.string(5, r)),
                    hasCertificate: hasTemplates(b.string(7, r)))
                if selection.includes(row) { out[batch] = row }
            }
        }
        return out
    }

    /// A typed timestamp as its IST day; a value that is already a day stays as it is.
    static func day(typed text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if text.utf8.count == 10 { return text }
        return BatchDates.istDay(typed: text)
    }

    /// `cert_templates` non-null and non-empty (a map or a list with something in it).
    static func hasTemplates(_ json: String?) -> Bool {
        guard let json, let v = try? JSONParser.parse(json) else { return false }
        switch v {
        case .object(let pairs): return !pairs.isEmpty
        case .array(let items): return !items.isEmpty
        case .null: return false
        case .string(let s): return !s.isEmpty
        default: return true
        }
    }
}
