import Foundation
import PluginKit

/// `userinfo-exhaust` (upstream UserInfoExhaustJob, lern-exhaust-spec §5): the PII of the learners who
/// consented to share it with the requesting organisation, for collections that ask for consent.
struct UserInfoExhaust: CollectionExhaustJob {
    static let id = "userinfo-exhaust"
    static let title = "User info exhaust: consenting learners' details per batch (on demand)"
    static let legacyNames = ["org.sunbird.lms.exhaust.collection.UserInfoExhaustJob"]
    static let parameters = ExhaustSettings.parameters
    static let reportPath = "userinfo-exhaust/"
    static let reportKey = "userinfo"
    static let requiresEncryptionKey = true
    static let userFields = [
        "username", "state", "district", "rootorgid", "orgname", "email", "phone", "block", "cluster",
        "usertype", "usersubtype", "schooludisecode", "schoolname",
    ]

    static let columns: [(String, String)] = [
        ("courseid", "Collection Id"), ("collectionName", "Collection Name"), ("batchid", "Batch Id"), ("batchName", "Batch Name"),
        ("userid", "User UUID"), ("username", "User Name"), ("usertype", "User Type"), ("usersubtype", "User Sub Type"),
        ("state", "State"), ("district", "District"), ("block", "Block"), ("cluster", "Cluster"), ("schooludisecode", "School Id"),
        ("schoolname", "School Name"), ("orgname", "Org Name"), ("email", "Email ID"), ("phone", "Mobile Number"),
        ("consentflag", "Consent Provided"), ("consentprovideddate", "Consent Provided Date"),
    ]
    static let secureLevels: Set<String> = ["PASSWORD_PROTECTED_DATASET", "TEXT_KEY_ENCRYPTED_DATASET", "PUBLIC_KEY_ENCRYPTED_DATASET"]

    /// PII leaves only in a protected file, and only the PII the tenant declared (§2.9).
    func validateCsvColumns(_ settings: ExhaustSettings, _ request: ExhaustRequest) -> Bool {
        Self.secureLevels.contains(request.securityLevel)
            && ["email", "phone", "username"].allSatisfy { settings.csvColumns.contains($0) && request.piiFields.contains($0) }
    }

    func writeBatch(
        _ job: JobContext, _ batch: CollectionBatch, _ stream: LearnerStream, reportId: String,
        settings: ExhaustSettings
    ) throws {
        guard (batch.userConsent ?? "no").lowercased() == "yes" else {
            throw JobError(
                .invalidArgument,
                "Invalid request. User info exhaust is not applicable for collections which don't request for user consent to share data")
        }
        let missing = Self.columns.map(\.0).filter { !settings.csvColumns.contains($0) }
        guard missing.isEmpty else { throw JobError(.invalidArgument, "csvColumns lacks \(missing.joined(separator: ", "))") }
        // Learners and their consents both stream in user order, merged a chunk at a time.
        let consents = try Self.consents(job, batch: batch, keyspace: settings.userKeyspace)
        defer { consents?.close() }
        let out = try job.openReport(reportId, format: .csv, columns: Self.columns.map { Field($0.1, .utf8) })
        var written: Int64 = 0
        try stream.forEachChunk { learners in
            let consent = try Self.consents(consents, upTo: learners.last!.userId)
            for l in learners {
                // Consent rules (§5 step 2): only learners with an active consent for this org remain.
                guard let consent = consent[l.userId], consent.active else { continue }
                func pii(_ f: String) throws -> String { try job.decryptPII(l.field(f) ?? "") }
                var row: [Value] = [
                    .string(batch.collectionId), .string(batch.collectionName), .string("BatchId_" + batch.batchId),
                    .string(batch.batchName), .string(l.userId), .string(try pii("username")),
                ]
                row += ["usertype", "usersubtype", "state", "district", "block", "cluster", "schooludisecode", "schoolname", "orgname"]
                    .map { .string(l.field($0) ?? "") }
                row += [.string(try pii("email")), .string(try pii("phone")), .string("true"), .string(consent.date)]
                try out.append(row)
                written += 1
            }
        }
        try out.close()
        job.count("outputEvents", written)
    }

    struct Consent {
        var active: Bool
        var date: String
    }

    /// user_consent rows of this collection for the requesting org, in user order; none at all when
    /// the requester is the custodian org (QUIRK Q19, kept: its admins never see PII).
    static func consents(_ job: JobContext, batch: CollectionBatch, keyspace: String) throws -> UserOrderedRows? {
        guard batch.requestedOrgId != batch.custodianOrgId else { return nil }
        return UserOrderedRows(
            try job.openScan(
                "\(keyspace).user_consent", columns: [Field("user_id", .utf8), Field("status", .utf8), Field("last_updated_on", .utf8)],
                where: [.eq("object_id", .string(batch.collectionId)), .eq("consumer_id", .string(batch.requestedOrgId))],
                orderBy: ["user_id"]))
    }

    /// The consents of users up to `last` (a later row of one user wins).
    static func consents(_ rows: UserOrderedRows?, upTo last: String) throws -> [String: Consent] {
        var out: [String: Consent] = [:]
        try rows?.forEach(upTo: Array(last.utf8)) { b, r, u in
            guard let u else { return }
            out[String(decoding: u, as: UTF8.self)] = Consent(
                active: b.string(1, r)?.lowercased() == "active", date: ReportDates.ddMMyyyy(b.string(2, r)))
        }
        return out
    }
}
