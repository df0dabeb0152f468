import Foundation
import PluginKit

/// A `cert_registry` row as §5 reads it: its JSON columns as string → string maps (a nested
/// value kept as its JSON text, null as "").
struct CertificateRow {
    var id: String
    var data: [(String, String)]
    var related: [(String, String)]
    var recipient: [(String, String)]
    var createdAt: String

    static let columns = [
        Field("id", .utf8), Field("data", .utf8), Field("related", .utf8), Field("recipient", .utf8), Field("createdat", .utf8),
    ]

    /// The non-revoked certificates with a `related` object naming a batch, in id order.
    static func scan(_ job: JobContext, _ table: String, _ body: (CertificateRow) throws -> Void) throws {
        try job.scan(table, columns: columns, where: [.eq("isrevoked", .bool(false))], orderBy: ["id"]) { r in
            guard let related = r.string("related"), related.contains("batchId"), related.contains("{") else { return }
            try body(
                CertificateRow(
                    id: r.string("id") ?? "", data: strings(r.string("data")), related: strings(related),
                    recipient: strings(r.string("recipient")), createdAt: r.string("createdat") ?? ""))
        }
    }

    static func strings(_ text: String?) -> [(String, String)] {
        guard let text, case .object(let pairs)? = try? JSONParser.parse(text) else { return [] }
        return pairs.map { k, v in
            switch v {
            case .string(let s): return (k, s)
            case .null: return (k, "")
            default: return (k, v.render())
            }
        }
    }

    static func key(batch: String, course: String) -> String { batch + "\u{0}" + course }
    var batchKey: String { Self.key(batch: value(related, "batchId"), course: value(related, "courseId")) }

    func value(_ map: [(String, String)], _ key: String) -> String { map.first { $0.0 == key }?.1 ?? "" }
}

/// §5's event for one certificate and its batch's template.
enum CertificateEvent {
    struct Settings {
        var basePath, placeholder, replacement: String

        init(_ job: JobContext) {
            basePath = job.params[OldCertificateMigration.certBasePath] + "/certs"
            placeholder = job.params[OldCertificateMigration.placeholder]
            let cname = job.params[OldCertificateMigration.cnameURL] ?? job.params[OldCertificateMigration.storageBaseURL]
            replacement = cname + "/" + job.params[OldCertificateMigration.container]
        }
    }

    /// The badge the certificate's `data` carries (JSON text inside the map).
    static func badge(_ row: CertificateRow) -> JSONValue {
        (try? JSONParser.parse(row.value(row.data, "badge"))) ?? .object([])
    }

    /// The first of the batch's templates named like the certificate's criteria (ignoring case).
    static func template(for row: CertificateRow, in templates: JSONValue) throws -> JSONValue {
        let name = badge(row)["criteria"]?["narrative"]?.string ?? ""
        for (_, t) in templates.objectPairs ?? [] where (t["name"]?.string ?? "").lowercased() == name.lowercased() {
            return t
        }
        throw JobError(
            .data,
            "certificate \(row.id) of batch \(row.value(row.related, "batchId")): no template named '\(name)' in the batch's cert_templates; nothing was sent"
        )
    }

    /// The event, or nil when the template has no URL (upstream sends none then).
    static func json(_ row: CertificateRow, template: JSONValue, _ s: Settings, _ job: JobContext) throws -> JSONValue? {
        let text = { (key: String) in template[key]?.string ?? "" }
        let svg = text("url").replacingOccurrences(of: s.placeholder, with: s.replacement)
        guard !svg.isEmpty else { return nil }
        let badge = badge(row)
        let recipientId = row.value(row.recipient, "id")
        let edata: [(String, JSONValue)] = [
            ("issuedDate", .string(issuedDate(row))),
            ("data", .array([.object([("recipientName", .string(row.value(row.recipient, "name"))), ("recipientId", .string(recipientId))])])),
            ("criteria", .object([("narrative", .string(badge["criteria"]?["narrative"]?.string ?? ""))])),
            ("svgTemplate", .string(svg)), ("oldId", .string(row.id)), ("templateId", .string(text("identifier"))),
            ("userId", .string(recipientId)), ("orgId", .string("")),
            ("issuer", (try? JSONParser.parse(text("issuer"))) ?? .object([])),
            ("signatoryList", (try? JSONParser.parse(text("signatoryList"))) ?? .array([])),
            ("courseName", .string(badge["name"]?.string ?? "")), ("basePath", .string(s.basePath)),
            ("related", .object(row.related.map { ($0.0, .string($0.1)) })), ("name", .string(text("name"))),
            ("tag", .string(row.value(row.related, "batchId"))), ("identifier", .string(row.id)),
        ]
        return .object([
            ("actor", .object([("id", .string("Certificate Migrator")), ("type", .string("System"))])),
            ("eid", .string("BE_JOB_REQUEST")), ("edata", .object(edata)),
            ("ets", .int(Int64(job.now.timeIntervalSince1970 * 1000))),
            ("context", .object([("pdata", .object([("ver", .string("1.0")), ("id", .string("org.sunbird.learning.platform"))]))])),
            ("mid", .string("LMS." + UUID().uuidString.lowercased())),
            ("object", .object([("id", .string(recipientId)), ("type", .string("MigrateCertificate"))])),
        ])
    }

    /// `data.issuedOn`, else `createdat` as yyyy-MM-dd'T'HH:mm:ss'Z' (UTC).
    static func issuedDate(_ row: CertificateRow) -> String {
        let issued = row.value(row.data, "issuedOn")
        if !issued.isEmpty { return issued }
        guard let created = Timestamp.parse(row.createdAt) else { return "" }
        return Timestamp.string(created, .plain).replacingOccurrences(of: " ", with: "T") + "Z"
    }
}
