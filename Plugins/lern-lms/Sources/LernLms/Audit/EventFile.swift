import Foundation
import PluginKit

/// A JSON-lines report whose columns are an event's top-level keys (nested values as JSON text), so
/// each line is the event exactly as its JSON rendering sent to Kafka.
final class EventFile {
    let writer: ReportWriter
    let keys: [Field]

    /// §5's MigrateCertificate events.
    static let migrateCertificate: [Field] = [
        Field("actor", .json), Field("eid", .utf8), Field("edata", .json), Field("ets", .int64), Field("context", .json),
        Field("mid", .utf8), Field("object", .json),
    ]
    /// §2's certificate requests.
    static let certificateRequest: [Field] = [
        Field("eid", .utf8), Field("ets", .int64), Field("mid", .utf8), Field("actor", .json), Field("context", .json),
        Field("object", .json), Field("edata", .json),
    ]

    init(_ job: JobContext, reportId: String, keys: [Field]) throws {
        self.keys = keys
        writer = try job.openReport(reportId, format: .jsonl, columns: keys)
    }

    func append(_ event: JSONValue) throws {
        try writer.append(
            keys.map { f in
                switch event[f.name] {
                case .string(let s)?: return .string(s)
                case .int(let i)?: return .int(i)
                case let v?: return .json(v.render())
                case nil: return .null
                }
            })
    }

    func close() throws { try writer.close() }
}
