import Foundation
import PluginKit

/// `program-user-exhaust` (upstream ProgramUserInfoExhaustJob, lern-exhaust-spec §6): a program's
/// enrolments with the learners' PII where the program requires consent and the learner gave it.
///
/// Decisions: QUIRK Q27 — an enrolment without `user_locations` is kept (empty location columns);
/// Q28 — "No Data Found" counts one failed iteration; Q29 — a revoked consent still shows its date;
/// Q45 — rows equal on every sort label come in user id order (Spark leaves them undefined).
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
        var rows: SortedReport?
        do { rows = try report(job, request.requestData, settings) } catch {
            // Upstream swallows any error of the data step and reports no data (§6.2 step 7).
            job.log("program-user-exhaust: \(error)", level: .warn)
        }
        guard let rows, rows.sorted.count > 0 else { return try job.setResult(RequestResult(.failed, message: "No Data Found")) }
        // The PII columns are there only when some enrolment asked for consent.
        let kept = settings.order.indices.filter { rows.keepPII || !Self.piiLabels.contains(settings.order[$0]) }
        let quoted = Set(kept.indices.filter { settings.quote.contains(settings.order[kept[$0]]) })
        let id = "ml_reports/program-user-exhaust/\(request.requestId)_\(request.date)"
        let out = try job.openReport(id, format: .csv, columns: kept.map { Field(settings.order[$0], .utf8) })
        try rows.sorted.forEachSorted { row in
            try out.append(
                kept.enumerated().map { i, c in
                    let v = row[c]
                    return .string(quoted.contains(i) && !v.isEmpty ? "'\(v)'" : v)
                })
        }
        try out.close()
        job.count("outputEvents", Int64(rows.sorted.count))
        try job.setResult(RequestResult(.success, files: [id]))
    }

    /// The report's rows (every label of `order`, before quoting) in sort order, and whether any
    /// enrolment asked for consent.
    struct SortedReport {
        var sorted: ExternalSort
        var keepPII: Bool
    }

    /// The labelled, transformed and sorted rows (§6.2 steps 1–6 and the transform). Enrolments stream
    /// in user order, merged with the consents (also in user order) and looked up in the user cache a
    /// chunk at a time; the sort spills to temporary files. Memory holds a chunk and a sort run.
    func report(_ job: JobContext, _ data: JSONValue, _ s: Settings) throws -> SortedReport {
        guard let filters = try TableFilter.filters(in: data, table: "program_enrollment"), !filters.isEmpty else {
            throw JobError(.invalidArgument, "no program_enrollment filters")
        }
        // Enrolments: program_id = ... is pushed down to the store; every filter is checked on the row.
        let pushed = filters.filter { $0.op == "=" && $0.mapKey == nil }.map { Filter.eq($0.column, .string($0.value)) }
        let filterColumns = Set(filters.map(\.column)).subtracting(Self.enrolmentColumns)
        var fields = Self.enrolmentColumns.map { Field($0, $0 == "user_locations" ? .json : ($0 == "pii_consent_required" ? .json : .utf8)) }
        fields += filterColumns.sorted().map { Field($0, .json) }
        let index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
        let enrolments = try job.openScan(
            "\(s.programKeyspace).program_enrollment", columns: fields, where: pushed, orderBy: ["user_id"], readAhead: 16)
        defer { enrolments.close() }
        // Opened at the first enrolment asking for consent (upstream reads user_consent only then).
        let consents = ConsentStream { try consentRows(job, data, s) }
        defer { consents.close() }
        var result = SortedReport(sorted: ExternalSort(), keepPII: false)
        var chunk: [(enrolment: [String: String], pii: Bool)] = []
        while let b = try enrolments.next() {
            for r in 0..<b.count {
                let locations = b.string(index["user_locations"]!, r).flatMap { try? JSONParser.parse($0) }
                func cell(_ f: TableFilter) -> String? {
                    let raw = b.string(index[f.column]!, r)
                    guard let key = f.mapKey else { return raw.flatMap { Self.scalar($0) } ?? raw }
                    return (raw.flatMap { try? JSONParser.parse($0) })?[key]?.string
                }
                guard filters.allSatisfy({ $0.matches(cell($0)) }) else { continue }
                var e: [String: String] = [:]
                for c in Self.enrolmentColumns where c != "user_locations" && c != "pii_consent_required" { e[c] = b.string(index[c]!, r) }
                for c in s.locationColumns { e[c] = locations?[c]?.string }
                chunk.append((e, b.string(index["pii_consent_required"]!, r) == "true"))
                if chunk.count >= 5000 {
                    try add(chunk, to: &result, job, consents, s)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        try add(chunk, to: &result, job, consents, s)
        return result
    }

    /// A chunk of enrolments (ascending user ids) with their consents and cached profiles, into the sort.
    private func add(
        _ chunk: [(enrolment: [String: String], pii: Bool)], to result: inout SortedReport, _ job: JobContext,
        _ consents: ConsentStream, _ s: Settings
    ) throws {
        guard !chunk.isEmpty else { return }
        let withPII = chunk.filter(\.pii).compactMap { $0.enrolment["user_id"] }
        var users: [String: [String: String]] = [:], consent: [String: Consent] = [:]
        if chunk.contains(where: \.pii) {
            result.keepPII = true
            consent = try consents.consents(upTo: chunk.last!.enrolment["user_id"], of: Set(withPII))
            try job.redisRead(keys: Array(Set(withPII)).sorted().map { "user:" + $0 }) { r in
                guard let key = r.string("key"), let f = r.string("fields"), case .object(let pairs) = try JSONParser.parse(f) else { return }
                var h: [String: String] = [:]
                for (k, v) in pairs { h[k] = v.string }
                users[String(key.dropFirst(5))] = h
            }
        }
        for (enrolment, pii) in chunk {
            var e = enrolment
            if pii {
                let c = consent[e["user_id"] ?? ""]
                let given = c?.active == true
                let u = users[e["user_id"] ?? ""] ?? [:]
                e["consentflag"] = given ? "true" : "false"
                e["consentprovideddate"] = c?.date ?? ""
                for f in s.encrypted { e[f] = given ? try job.decryptPII(u[f] ?? "") : "" }
                e["username"] = given ? [u["firstname"], u["lastname"]].compactMap { $0 }.joined(separator: " ") : ""
            } else {
                // What a row without consent shows when PII columns are there (dropped otherwise).
                e["consentflag"] = "false"
                for c in ["consentprovideddate"] + ["email", "phone", "username"] { e[c] = "" }
            }
            var out: [String: String] = [:]
            for (column, value) in e { if let label = s.labels[column] { out[label] = value } }
            if let flag = out["Consent Provided"] { out["Consent Provided"] = flag == "true" ? "Yes" : "No" }
            // Without PII columns every row's consent cells are the same, so they never change the order.
            try result.sorted.append(key: s.sort.map { out[$0] ?? "" }, row: s.order.map { out[$0] ?? "" })
        }
    }

    struct Consent {
        var active: Bool
        var date: String
    }

    /// The request's `user_consent` rows, in user order, and the filters each row must pass.
    struct ConsentRows {
        var rows: UserOrderedRows
        var filters: [TableFilter]
        var columns: [String]
    }

    /// nil when the request has no `user_consent` filters.
    func consentRows(_ job: JobContext, _ data: JSONValue, _ s: Settings) throws -> ConsentRows? {
        guard let filters = try TableFilter.filters(in: data, table: "user_consent") else { return nil }
        let pushed = filters.filter { $0.op == "=" && $0.mapKey == nil }.map { Filter.eq($0.column, .string($0.value)) }
        var columns = ["user_id", "status", "last_updated_on"]
        for f in filters where !columns.contains(f.column) { columns.append(f.column) }
        let cursor = try job.openScan(
            "\(s.userKeyspace).user_consent", columns: columns.map { Field($0, .utf8) }, where: pushed, orderBy: ["user_id"])
        return ConsentRows(rows: UserOrderedRows(cursor), filters: filters, columns: columns)
    }

    /// The consent rows merged with the enrolments, opened on first use.
    final class ConsentStream {
        private let open: () throws -> ConsentRows?
        private var source: ConsentRows?
        private var opened = false

        init(_ open: @escaping () throws -> ConsentRows?) { self.open = open }

        func close() { source?.rows.close() }

        /// The consents of `users` among the users up to `last` (nil: all that remain), one per user:
        /// a later row wins.
        func consents(upTo last: String?, of users: Set<String>) throws -> [String: Consent] {
            if !opened {
                source = try open()
                opened = true
            }
            guard let source else { return [:] }
            let at = source.filters.map { f in source.columns.firstIndex(of: f.column)! }
            var out: [String: Consent] = [:]
            try source.rows.forEach(upTo: last.map { Array($0.utf8) }) { b, r, u in
                guard let u, zip(source.filters, at).allSatisfy({ f, c in f.matches(b.string(c, r)) }) else { return }
                let user = String(decoding: u, as: UTF8.self)
                guard users.contains(user) else { return }
                out[user] = Consent(active: b.string(1, r)?.lowercased() == "active", date: ProgramUserExhaust.ddMMyyyy(b.string(2, r)))
            }
            return out
        }
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
