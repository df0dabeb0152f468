import Foundation
import PluginKit

/// The modelParams the collection exhausts read (upstream splits them between modelParams and AppConf;
/// here every one is a model param with upstream's production default).
struct ExhaustSettings {
    var contentSearchUrl: String?
    var batchLimitPerRequest = 20
    var csvColumns: [String] = []
    var courseKeyspace = "sunbird_courses"
    var userKeyspace = "sunbird"
    var hierarchyKeyspace = "dev_hierarchy_store"
    var bestScoreReport = true
    var supportedContentTypes = ["SelfAssess"]
    var supportedPrimaryCategories = ["Practice Question Set"]
    var supportedObjectTypes = ["QuestionSet"]

    static let parameters = [
        Parameter("contentSearchUrl", type: "string", doc: "content search API (upstream service.search.url + service.search.path)"),
        Parameter("batchLimitPerRequest", type: "int", default: "20", doc: "max batchFilter entries (upstream data_exhaust.batch.limit.per.request)"),
        Parameter("csvColumns", type: "list", doc: "internal column names selected before labelling"),
        Parameter("courseKeyspace", type: "string", default: "\"sunbird_courses\"", doc: "keyspace of course_batch, user_enrolments, assessment_aggregator"),
        Parameter("userKeyspace", type: "string", default: "\"sunbird\"", doc: "keyspace of system_settings and user_consent"),
        Parameter("hierarchyKeyspace", type: "string", default: "\"dev_hierarchy_store\"", doc: "keyspace of content_hierarchy"),
        Parameter("tenantPreferenceUrl", type: "string", doc: "host: tenant preference read API (security level, PII fields)"),
        Parameter("orgSearchUrl", type: "string", doc: "host: org search API (public keys)"),
        Parameter("batchesLimitPerChannel", type: "int", default: "30", doc: "host: batches per requesting org per run"),
        Parameter("fileSizeLimitPerChannel", type: "int", default: "1073741824", doc: "host: CSV bytes per requesting org per run"),
    ]

    init(_ p: [String: Any]) {
        func int(_ k: String) -> Int? { (p[k] as? Int) ?? (p[k] as? String).flatMap { Int($0) } }
        func list(_ k: String) -> [String]? {
            if let l = p[k] as? [String] { return l }
            if let s = p[k] as? String, !s.isEmpty { return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            return nil
        }
        contentSearchUrl = p["contentSearchUrl"] as? String
        if let n = int("batchLimitPerRequest") { batchLimitPerRequest = n }
        csvColumns = p["csvColumns"] as? [String] ?? []
        if let s = p["courseKeyspace"] as? String { courseKeyspace = s }
        if let s = p["userKeyspace"] as? String { userKeyspace = s }
        if let s = p["hierarchyKeyspace"] as? String { hierarchyKeyspace = s }
        if let b = p["bestScoreReport"] as? Bool { bestScoreReport = b }
        if let l = list("supportedContentTypes") { supportedContentTypes = l }
        if let l = list("supportedPrimaryCategories") { supportedPrimaryCategories = l }
        if let l = list("supportedObjectTypes"), !l.isEmpty { supportedObjectTypes = l }
    }
}

/// Dates as upstream prints them.
enum ReportDates {
    /// yyyyMMdd in UTC+05:30: upstream's file-name date.
    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 19800)
        f.dateFormat = "yyyyMMdd"
        return f.string(from: Date())
    }

    /// The leading yyyy-MM-dd of a date or timestamp text as dd/MM/yyyy; "" when there is none.
    static func ddMMyyyy(_ text: String?) -> String {
        guard let t = text, t.utf8.count >= 10 else { return "" }
        let d = Array(t.utf8.prefix(10))
        guard d[4] == UInt8(ascii: "-"), d[7] == UInt8(ascii: "-"),
              d.enumerated().allSatisfy({ [4, 7].contains($0.offset) || (48...57).contains($0.element) }) else { return "" }
        let s = String(decoding: d, as: UTF8.self)
        return "\(s.dropFirst(8).prefix(2))/\(s.dropFirst(5).prefix(2))/\(s.prefix(4))"
    }
}
