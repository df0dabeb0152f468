import Foundation
import PluginKit

/// `program-user-exhaust` (upstream ProgramUserInfoExhaustJob, lern-exhaust-spec §6): a program's
/// enrolments with the learners' PII where the program requires consent and the learner gave it.
///
/// Decisions: QUIRK Q27 — an enrolment without `user_locations` is kept (empty location columns);
/// Q28 — "No Data Found" counts one failed iteration; Q29 — a revoked consent still shows its date.
struct ProgramUserExhaust: Job {
    static let id = "program-user-exhaust"
    static let title = "Program user exhaust: program enrolments with consented PII (on demand)"
    static let legacyNames = ["org.sunbird.ml.exhaust.ProgramUserInfoExhaustJob"]
    static let table = Param<JSONValue?>("table", .list, doc: "program_enrollment and user column lists (deployed config)")
    static let labelMapping = Param<JSONValue?>("label_mapping", doc: "column → CSV label (default: upstream's deployed mapping)")
    static let columnOrder = Param<[String]>("order_of_csv_column", default: order, doc: "CSV labels in order")
    static let sortBy = Param<[String]>("sort", default: ["District", "Block", "Cluster", "School Id", "User UUID"], doc: "labels the rows sort by")
    static let quoteColumns = Param<[String]>(
        "quote_column", default: ["User Name(On user consent)", "Program Name"],
        doc: "labels whose non-empty values are wrapped in '…'")
    static let programKeyspace = Param<String>("programKeyspace", default: "sunbird_programs", doc: "keyspace of program_enrollment")
    static let userKeyspace = Param<String>("userKeyspace", default: "sunbird", doc: "keyspace of user_consent")
    static let parameters: [any ParameterDeclaring] = [table, labelMapping, columnOrder, sortBy, quoteColumns, programKeyspace, userKeyspace]

    static let enrolmentColumns = [
        "user_id", "program_name", "program_externalId", "user_locations", "user_type", "user_sub_type",
        "organisation_name", "pii_consent_required",
    ]
    static let locationColumns = ["state_name", "district_name", "block_name", "cluster_name", "school_code", "school_name"]
    static let labels: [String: String] = [
        "user_id": "User UUID", "username": "User Name(On user consent)", "phone": "Mobile number(On user consent)",
        "email": "Email ID(On user consent)", "consentflag": "Consent Provided", "consentprovideddate": "Consent Provided Date",
        "program_name": "Program Name", "program_externalId": "Program ID", "state_name": "State", "district_name": "District",
        "block_name": "Block", "cluster_name": "Cluster", "school_code": "School Id", "school_name": "School Name",
        "user_type": "Usertype", "user_sub_type": "Usersubtype", "organisation_name": "Org Name",
    ]
    static let order = [
        "User UUID", "User Name(On user consent)", "Mobile number(On user consent)", "Email ID(On user consent)",
        "Consent Provided", "Consent Provided Date", "Program Name", "Program ID", "State", "District", "Block",
        "Cluster", "School Id", "School Name", "Usertype", "Usersubtype", "Org Name",
    ]
    static let piiLabels: Set<String> = [
        "User Name(On user consent)", "Mobile number(On user consent)", "Email ID(On user consent)",
        "Consent Provided", "Consent Provided Date",
    ]

    struct Settings {
        var labels = ProgramUserExhaust.labels
        var order: [String]
        var sort: [String]
        var quote: [String]
        var locationColumns = ProgramUserExhaust.locationColumns
        var encrypted = ["email", "phone"]
        var programKeyspace: String
        var userKeyspace: String

        init(_ p: ResolvedParameters) {
            if case .object(let pairs)? = p[ProgramUserExhaust.labelMapping] {
                labels = Dictionary(pairs.compactMap { k, v in v.string.map { (k, $0) } }, uniquingKeysWith: { a, _ in a })
            }
            order = p[ProgramUserExhaust.columnOrder]
            sort = p[ProgramUserExhaust.sortBy]
            quote = p[ProgramUserExhaust.quoteColumns]
            for t in p[ProgramUserExhaust.table]?.array ?? [] {
                let strings = { (k: String) in t[k]?.array?.compactMap(\.string) }
                if t["name"]?.string == "program_enrollment", let l = strings("user_locations_columns") { locationColumns = l }
                if t["name"]?.string == "user", let e = strings("encrypted_columns") { encrypted = e }
            }
            programKeyspace = p[ProgramUserExhaust.programKeyspace]
            userKeyspace = p[ProgramUserExhaust.userKeyspace]
        }
    }

    func run(_ job: JobContext) throws {
        guard let request = job.request else { throw JobError(.invalidArgument, "program-user-exhaust runs on demand: use `requests run`") }
        guard !request.requestData.isNull, request.hasEncryptionKey else {
            return try job.setResult(RequestResult(.failed, message: "Not a Valid Request"))
        }
        let settings = Settings(job.params)
        let rows: [[String: String]]
        do { rows = try report(job, request.requestData, settings) } catch {
            // Upstream swallows any error of the data step and reports no data (§6.2 step 7).
            job.log("program-user-exhaust: \(error)", level: .warn)
            rows = []
        }
        guard let first = rows.first else { return try job.setResult(RequestResult(.failed, message: "No Data Found")) }
        let labels = settings.order.filter { first[$0] != nil }
        let id = "ml_reports/program-user-exhaust/\(request.requestId)_\(request.date)"
        let out = try job.openReport(id, format: .csv, columns: labels.map { Field($0, .utf8) })
        for r in rows { try out.append(labels.map { .string(r[$0] ?? "") }) }
        try out.close()
        job.count("outputEvents", Int64(rows.count))
        try job.setResult(RequestResult(.success, files: [id]))
    }

    /// The labelled, transformed, sorted and quoted rows (§6.2 steps 1–6 and the transform).
    func report(_ job: JobContext, _ data: JSONValue, _ s: Settings) throws -> [[String: String]] {
        guard let filters = try TableFilter.filters(in: data, table: "program_enrollment"), !filters.isEmpty else {
            throw JobError(.invalidArgument, "no program_enrollment filters")
        }
        // Enrolments: program_id = ... is pushed down to the store; every filter is checked on the row.
        let pushed = filters.filter { $0.op == "=" && $0.mapKey == nil }.map { Filter.eq($0.column, .string($0.value)) }
        let filterColumns = Set(filters.map(\.column)).subtracting(Self.enrolmentColumns)
        var fields = Self.enrolmentColumns.map { Field($0, $0 == "user_locations" ? .json : ($0 == "pii_consent_required" ? .json : .utf8)) }
        fields += filterColumns.sorted().map { Field($0, .json) }
        var enrolments: [[String: String]] = [], pii: [Bool] = []
        try job.scan("\(s.programKeyspace).program_enrollment", columns: fields, where: pushed) { r in
            let locations = r.string("user_locations").flatMap { try? JSONParser.parse($0) }
            func cell(_ f: TableFilter) -> String? {
                let raw = r.string(f.column)
                guard let key = f.mapKey else { return raw.flatMap { Self.scalar($0) } ?? raw }
                return (raw.flatMap { try? JSONParser.parse($0) })?[key]?.string
            }
            guard filters.allSatisfy({ $0.matches(cell($0)) }) else { return }
            var row: [String: String] = [:]
            for c in Self.enrolmentColumns where c != "user_locations" && c != "pii_consent_required" { row[c] = r.string(c) }
            for c in s.locationColumns { row[c] = locations?[c]?.string }
            enrolments.append(row)
            pii.append(r.string("pii_consent_required") == "true")
        }
        let withPII = zip(enrolments, pii).filter { $0.1 }.map(\.0)
        let withoutPII = zip(enrolments, pii).filter { !$0.1 }.map(\.0)
        var combined: [[String: String]] = []
        if !withPII.isEmpty {
            let consents = try consent(job, data, s)
            var users: [String: [String: String]] = [:]
            try job.redisRead(keys: Array(Set(withPII.compactMap { $0["user_id"] })).sorted().map { "user:" + $0 }) { r in
                guard let key = r.string("key"), let f = r.string("fields"), case .object(let pairs) = try JSONParser.parse(f) else { return }
                var h: [String: String] = [:]
                for (k, v) in pairs { h[k] = v.string }
                users[String(key.dropFirst(5))] = h
            }
            for var e in withPII {
                let c = consents[e["user_id"] ?? ""]
                let given = c?.active == true
                let u = users[e["user_id"] ?? ""] ?? [:]
                e["consentflag"] = given ? "true" : "false"
                e["consentprovideddate"] = c?.date ?? ""
                for f in s.encrypted { e[f] = given ? try job.decryptPII(u[f] ?? "") : "" }
                e["username"] = given ? [u["firstname"], u["lastname"]].compactMap { $0 }.joined(separator: " ") : ""
                combined.append(e)
            }
        }
        for var e in withoutPII {
            if !withPII.isEmpty {
                e["consentflag"] = "false"
                for c in ["consentprovideddate"] + ["email", "phone", "username"] { e[c] = "" }
            }
            combined.append(e)
        }
        let keepPII = !withPII.isEmpty
        var rows = combined.map { e -> [String: String] in
            var out: [String: String] = [:]
            for (column, value) in e {
                guard let label = s.labels[column], keepPII || !Self.piiLabels.contains(label) else { continue }
                out[label] = value
            }
            for label in s.order where out[label] == nil && (keepPII || !Self.piiLabels.contains(label)) { out[label] = "" }
            if let flag = out["Consent Provided"] { out["Consent Provided"] = flag == "true" ? "Yes" : "No" }
            return out
        }
        rows.sort { a, b in
            for label in s.sort where (a[label] ?? "") != (b[label] ?? "") { return (a[label] ?? "") < (b[label] ?? "") }
            return false
        }
        for i in rows.indices {
            for label in s.quote { if let v = rows[i][label], !v.isEmpty { rows[i][label] = "'\(v)'" } }
        }
        return rows
    }

    struct Consent {
        var active: Bool
        var date: String
    }

    /// user_consent rows by the request's `user_consent` filters, one per user.
    func consent(_ job: JobContext, _ data: JSONValue, _ s: Settings) throws -> [String: Consent] {
        guard let filters = try TableFilter.filters(in: data, table: "user_consent") else { return [:] }
        let pushed = filters.filter { $0.op == "=" && $0.mapKey == nil }.map { Filter.eq($0.column, .string($0.value)) }
        var columns = ["user_id", "object_id", "status", "last_updated_on"]
        for f in filters where !columns.contains(f.column) { columns.append(f.column) }
        var out: [String: Consent] = [:]
        try job.scan("\(s.userKeyspace).user_consent", columns: columns.map { Field($0, .utf8) }, where: pushed) { r in
            guard filters.allSatisfy({ $0.matches(r.string($0.column)) }), let u = r.string("user_id") else { return }
            out[u] = Consent(active: r.string("status")?.lowercased() == "active", date: Self.ddMMyyyy(r.string("last_updated_on")))
        }
        return out
    }

    static func ddMMyyyy(_ t: String?) -> String {
        guard let t, TableFilter.isDate(t) else { return "" }
        let d = Array(t.prefix(10))
        return "\(String(d[8...9]))/\(String(d[5...6]))/\(String(d[0...3]))"
    }

    /// A JSON cell's scalar text (a string without quotes, a number or boolean as written).
    static func scalar(_ json: String) -> String? {
        guard let v = try? JSONParser.parse(json) else { return nil }
        switch v {
        case .string(let s): return s
        case .null: return nil
        default: return v.render()
        }
    }
}
