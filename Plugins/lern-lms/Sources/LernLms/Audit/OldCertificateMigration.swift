import Foundation
import PluginKit

/// `old-certificate-migration-job` (upstream OldCertificateMigrationJob, lern-jobs-spec §5): one
/// `BE_JOB_REQUEST` "MigrateCertificate" event per non-revoked certificate of the given batches, for
/// the registry-based certificate service: to Kafka (`mode` execute) or to a file (dry run).
///
/// Decisions: QUIRK Q46 — a certificate whose template name matches none of its batch's templates
/// fails the run, naming the certificate, before any event is sent (a first pass checks them all)
/// and without publishing the dry-run file (upstream crashes the whole run and logs it, sending
/// nothing); Q47 — the dry-run file is a report of the run,
/// `output_file_path` taken relative to the report folder (a leading `/` or `./` dropped), published
/// only when the run succeeds. `kafka_broker` is accepted for upstream configs; the host's `--kafka`
/// says where events go. Q51 — a listed batch missing from `course_batch` fails the run before any
/// event (upstream: silently none).
struct OldCertificateMigration: Job {
    static let id = "old-certificate-migration-job"
    static let title = "Old certificate migration: re-issue events for the certificates of batches (Kafka or file)"
    static let legacyNames = ["org.sunbird.lms.audit.OldCertificateMigrationJob"]
    static let mode = Param<String>("mode", default: "dryrun", doc: "execute (any case): events to Kafka; anything else: to the file")
    static let batchIds = Param<[String]>(required: "batchId", doc: "batch ids (comma-separated), or all")
    static let topic = Param<String>("kafka_topic", default: "rc.certificate.migrate", doc: "Kafka topic of the events")
    static let broker = Param<String?>("kafka_broker", doc: "upstream's broker list; the host's --kafka decides")
    static let certBasePath = Param<String>(required: "cert_base_path", doc: "certificate base URL (+ /certs)")
    static let storageBaseURL = Param<String>(required: "cloud_storage_base_url", doc: "cloud storage base URL")
    static let placeholder = Param<String>(required: "cloud_store_base_path_placeholder", doc: "token in template URLs, e.g. CLOUD_BASE_PATH")
    static let container = Param<String>(required: "content_cloud_storage_container", doc: "content container name")
    static let cnameURL = Param<String?>("cloud_storage_cname_url", doc: "URL replacing the placeholder (default cloud_storage_base_url)")
    static let outputPath = Param<String>("output_file_path", default: "", doc: "report folder of the dry-run file")
    static let courseKeyspace = Param<String>("courseKeyspace", default: "sunbird_courses", doc: "keyspace of course_batch")
    static let userKeyspace = Param<String>("userKeyspace", default: "sunbird", doc: "keyspace of cert_registry")
    static let parameters: [any ParameterDeclaring] = [
        mode, batchIds, topic, broker, certBasePath, storageBaseURL, placeholder, container, cnameURL, outputPath, courseKeyspace,
        userKeyspace,
    ]

    func run(_ job: JobContext) throws {
        let ids = job.params[Self.batchIds].filter { !$0.isEmpty }
        guard !ids.isEmpty else { throw JobError(.invalidArgument, "BatchID is mandatory parameter") }
        let batches = try BatchTemplates(job, keyspace: job.params[Self.courseKeyspace], batches: ids.first == "all" ? nil : ids)
        let registry = "\(job.params[Self.userKeyspace]).cert_registry"
        let settings = CertificateEvent.Settings(job)
        let execute = job.params[Self.mode].lowercased() == "execute"
        // Sent events cannot be taken back: every certificate's template is found before the first
        // leaves (Q46). The dry-run file is a report, unpublished when the run fails: one pass.
        if execute {
            try CertificateRow.scan(job, registry) { row in
                guard let templates = try batches.templates(row.batchKey) ?? batches.templatelessBatch(row, job) else { return }
                _ = try CertificateEvent.template(for: row, in: templates)
            }
        }
        let file = execute ? nil : try openFile(job, ids)
        var joined: Int64 = 0, sent: Int64 = 0
        try CertificateRow.scan(job, registry) { row in
            guard let templates = try batches.templates(row.batchKey) ?? batches.templatelessBatch(row, job) else { return }
            joined += 1
            guard let event = try CertificateEvent.json(row, template: CertificateEvent.template(for: row, in: templates), settings, job)
            else { return }
            if let file { try file.append(event) } else { try job.kafkaSend(topic: job.params[Self.topic], value: event.render()) }
            sent += 1
        }
        try file?.close()
        job.count("totalRecordsUpdated", joined)
        job.count("eventsSent", sent)
        job.log("\(sent) MigrateCertificate events " + (execute ? "sent to Kafka topic \(job.params[Self.topic])" : "written"))
    }

    /// The dry-run file `<output_file_path><batch ids joined by _>.json`, one event per line.
    func openFile(_ job: JobContext, _ ids: [String]) throws -> EventFile {
        var folder = job.params[Self.outputPath]
        while folder.hasPrefix("./") { folder.removeFirst(2) }
        while folder.hasPrefix("/") { folder.removeFirst() }
        if !folder.isEmpty, !folder.hasSuffix("/") { folder += "/" }
        return try EventFile(job, reportId: folder + ids.joined(separator: "_"), keys: EventFile.migrateCertificate)
    }
}

/// The batches' certificate templates by (batch, course): the batches asked for, or all. Only
/// batches with templates are kept, as their JSON text (memory grows with those, not with the
/// certificates); a bounded cache keeps the parsed ones the certificates ask for.
final class BatchTemplates {
    private var texts: [String: String] = [:]
    private var parsed: [String: JSONValue] = [:]

    init(_ job: JobContext, keyspace: String, batches: [String]?) throws {
        self.keyspace = keyspace
        listed = batches.map(Set.init)
        var found = Set<String>()
        try job.scan(
            "\(keyspace).course_batch", columns: [Field("courseid", .utf8), Field("batchid", .utf8), Field("cert_templates", .json)],
            where: batches.map { [.in("batchid", $0.map { .string($0) })] } ?? []
        ) { r in
            let batch = r.string("batchid") ?? ""
            if batches != nil { found.insert(batch) }
            if let t = r.string("cert_templates"), t != "{}", t != "null" {
                texts[CertificateRow.key(batch: batch, course: r.string("courseid") ?? "")] = t
            }
        }
        if let missing = batches?.first(where: { !found.contains($0) }) {
            throw JobError(.notFound, "batch \(missing) is not in \(keyspace).course_batch; nothing was sent")
        }
    }

    private let keyspace: String
    private let listed: Set<String>?
    private var absent = Set<String>()

    /// The templates of the certificate's batch when it has some; nil otherwise.
    func templates(_ key: String) -> JSONValue? {
        if let p = parsed[key] { return p }
        guard let text = texts[key] else { return nil }
        if parsed.count >= 4096 { parsed.removeAll(keepingCapacity: true) }
        let value = (try? JSONParser.parse(text)) ?? .object([])
        parsed[key] = value
        return value
    }

    /// For a certificate whose batch holds no templates: none when the batch is not one of the run's
    /// (upstream's inner join drops the certificate), else the batch's empty templates (the run then
    /// fails on it, Q46). One lookup per such batch; the absent ones are remembered, boundedly.
    func templatelessBatch(_ row: CertificateRow, _ job: JobContext) throws -> JSONValue? {
        let batch = row.value(row.related, "batchId"), course = row.value(row.related, "courseId")
        if let listed, !listed.contains(batch) { return nil }
        if absent.contains(row.batchKey) { return nil }
        var exists = false
        try job.scan(
            "\(keyspace).course_batch", columns: [Field("batchid", .utf8)],
            where: [.eq("courseid", .string(course)), .eq("batchid", .string(batch))]
        ) { _ in exists = true }
        if exists { return .object([]) }
        if absent.count >= 4096 { absent.removeAll(keepingCapacity: true) }
        absent.insert(row.batchKey)
        return nil
    }
}
