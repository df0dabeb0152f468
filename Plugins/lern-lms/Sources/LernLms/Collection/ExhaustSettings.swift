import Foundation
import PluginKit

/// The modelParams the collection exhausts read (upstream splits them between modelParams and AppConf;
/// here every one is a model param with upstream's production default), each declared once.
struct ExhaustSettings {
    static let contentSearchUrl = Param<String?>("contentSearchUrl", doc: "content search API (upstream service.search.url + service.search.path)")
    static let batchLimitPerRequest = Param<Int>(
        "batchLimitPerRequest", default: 20, in: 1...1_000_000, doc: "max batchFilter entries (upstream data_exhaust.batch.limit.per.request)")
    static let csvColumns = Param<[String]>("csvColumns", default: [], doc: "internal column names selected before labelling")
    static let courseKeyspace = Param<String>(
        "courseKeyspace", default: "sunbird_courses", doc: "keyspace of course_batch, user_enrolments, assessment_aggregator")
    static let userKeyspace = Param<String>("userKeyspace", default: "sunbird", doc: "keyspace of system_settings and user_consent")
    static let hierarchyKeyspace = Param<String>("hierarchyKeyspace", default: "dev_hierarchy_store", doc: "keyspace of content_hierarchy")
    // `run` (not `requests run`) is upstream's standalone mode: the batches come from these.
    static let batchId = Param<String?>("batchId", doc: "standalone mode: one batch")
    static let batchFilter = Param<[String]?>("batchFilter", doc: "standalone mode: batch ids")
    static let searchFilter = Param<JSONValue?>("searchFilter", doc: "standalone mode: content search filter selecting the collections")
    // V1 scores (upstream AppConf assessment.metrics.*).
    static let bestScoreReport = Param<Bool>("bestScoreReport", default: true, doc: "best attempt per content (else the latest)")
    static let supportedContentTypes = Param<[String]>("supportedContentTypes", default: ["SelfAssess"], doc: "assessment content types")
    static let supportedPrimaryCategories = Param<[String]>(
        "supportedPrimaryCategories", default: ["Practice Question Set"], doc: "with supportedObjectTypes")
    static let supportedObjectTypes = Param<[String]>(
        "supportedObjectTypes", default: ["QuestionSet"], doc: "object types counted with supportedPrimaryCategories")

    /// What every collection exhaust declares.
    static let parameters: [any ParameterDeclaring] = [
        contentSearchUrl, batchLimitPerRequest, csvColumns, courseKeyspace, userKeyspace, hierarchyKeyspace, batchId, batchFilter, searchFilter,
    ]
    /// What the V1 progress scores add.
    static let scoreParameters: [any ParameterDeclaring] = [bestScoreReport, supportedContentTypes, supportedPrimaryCategories, supportedObjectTypes]

    var contentSearchUrl: String?
    var batchLimitPerRequest: Int
    var csvColumns: [String]
    var courseKeyspace: String
    var userKeyspace: String
    var hierarchyKeyspace: String
    var bestScoreReport: Bool
    var supportedContentTypes: [String]
    var supportedPrimaryCategories: [String]
    var supportedObjectTypes: [String]

    init(_ p: ResolvedParameters) {
        contentSearchUrl = p[Self.contentSearchUrl]
        batchLimitPerRequest = p[Self.batchLimitPerRequest]
        csvColumns = p[Self.csvColumns]
        courseKeyspace = p[Self.courseKeyspace]
        userKeyspace = p[Self.userKeyspace]
        hierarchyKeyspace = p[Self.hierarchyKeyspace]
        bestScoreReport = p[Self.bestScoreReport]
        supportedContentTypes = p[Self.supportedContentTypes]
        supportedPrimaryCategories = p[Self.supportedPrimaryCategories]
        let objectTypes = p[Self.supportedObjectTypes]
        supportedObjectTypes = objectTypes.isEmpty ? ["QuestionSet"] : objectTypes
    }
}

/// Dates as upstream prints them.
enum ReportDates {
    /// yyyyMMdd in UTC+05:30: upstream's file-name date, of the run clock.
    static func today(_ now: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 19800)
        f.dateFormat = "yyyyMMdd"
        return f.string(from: now)
    }

    /// The leading yyyy-MM-dd of a date or timestamp text as dd/MM/yyyy; "" when there is none.
    static func ddMMyyyy(_ text: String?) -> String {
        guard let t = text, t.utf8.count >= 10 else { return "" }
        let d = Array(t.utf8.prefix(10))
        guard d[4] == UInt8(ascii: "-"), d[7] == UInt8(ascii: "-"),
            d.enumerated().allSatisfy({ [4, 7].contains($0.offset) || (48...57).contains($0.element) })
        else { return "" }
        let s = String(decoding: d, as: UTF8.self)
        return "\(s.dropFirst(8).prefix(2))/\(s.dropFirst(5).prefix(2))/\(s.prefix(4))"
    }
}
