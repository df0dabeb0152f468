import PluginKit

/// The fields of one `user:<id>` hash (lern-jobs-spec §13 flow A stages 1–3), in write order.
enum UserHash {
    static let fields = [
        "firstname", "lastname", "email", "phone", "rootorgid", "medium", "subject", "grade", "board", "framework",
        "usersignintype", "orgname", "state", "district", "block", "cluster", "usertype", "usersubtype", "profileusertypes",
        "schoolname", "schooludisecode",
    ]
    static let columns = [Field("key", .utf8)] + fields.map { Field($0, .utf8) }
}

/// Builds the hashes in one pass over `user` and `user_organisation`, both read in user order and
/// merge-joined; locations and organisations (far fewer than users) are held in memory.
struct UserHashes {
    struct Org {
        var name: String?
        var type: String?
        var externalId: String?
    }

    let job: JobContext
    let keyspace: String
    var locations: SunbirdProfiles.Locations = [:]
    var orgs: [String: Org] = [:]
    var custodianOrgId: String?

    init(_ job: JobContext, keyspace: String) throws {
        (self.job, self.keyspace) = (job, keyspace)
        let locations = try SunbirdProfiles.locations(job, keyspace: keyspace)
        var orgs: [String: Org] = [:]
        let orgColumns = ["id", "orgname", "organisationtype", "externalid"].map { Field($0, .utf8) }
        try job.scan("\(keyspace).organisation", columns: orgColumns) { row in
            if let id = row.string("id") {
                orgs[id] = Org(name: row.string("orgname"), type: row.string("organisationtype"), externalId: row.string("externalid"))
            }
        }
        var custodian: String?
        try job.scan(
            "\(keyspace).system_settings", columns: [Field("id", .utf8), Field("value", .utf8)], where: [.eq("id", .string("custodianOrgId"))]
        ) { custodian = $0.string("value") }
        (self.locations, self.orgs, self.custodianOrgId) = (locations, orgs, custodian)
    }

    static let userColumns = [
        "userid", "firstname", "lastname", "email", "phone", "rootorgid", "framework", "profilelocation", "profileusertypes", "updateddate",
    ].map { Field($0, $0 == "framework" ? .json : .utf8) }

    /// Writes one hash per user passing the filter; returns (users read, hashes written).
    func write(to writer: UserCacheWriter, only userId: String?, from day: String?) throws -> (Int64, Int) {
        let only: [Filter] = userId.map { [.eq("userid", .string($0))] } ?? []
        let users = PeekableRows(try job.openScan("\(keyspace).user", columns: Self.userColumns, where: only, orderBy: ["userid"]))
        let links = PeekableRows(
            try job.openScan(
                "\(keyspace).user_organisation", columns: [Field("userid", .utf8), Field("organisationid", .utf8), Field("isdeleted", .bool)],
                where: only, orderBy: ["userid", "organisationid"]))
        defer { [users, links].forEach { $0.close() } }
        var read: Int64 = 0, written = 0
        while let (b, r) = try users.peek() {
            read += 1
            defer { users.advance() }
            guard let user = b.string(0, r), Self.passes(updated: b.string(9, r), from: day) else { continue }
            var linked: [String] = []
            try links.forEach(equalTo: [Array(user.utf8)]) { lb, lr in
                if lb.bool(2, lr) != true, let org = lb.string(1, lr) { linked.append(org) }
            }
            try writer.append(hash(user, b, r, linkedOrgs: linked))
            written += 1
            if written % 100_000 == 0 { job.progress(done: UInt64(written)) }
        }
        return (read, written)
    }

    /// Upstream's filter: no updateddate, or its day (`yyyy-MM-dd HH:mm:ss:SSSZ`, the day as written)
    /// on or after `day`; no `day`: everyone.
    static func passes(updated: String?, from day: String?) -> Bool {
        guard let day, let updated, updated.utf8.count >= 10 else { return true }
        return !String(updated.prefix(10)).utf8.lexicographicallyPrecedes(day.utf8)
    }

    /// One user's hash: the key, then UserHash.fields in order (nil: not written).
    func hash(_ user: String, _ b: BatchView, _ r: Int, linkedOrgs: [String]) -> [Value] {
        let framework = b.string(6, r).flatMap { try? JSONParser.parse($0) }
        func list(_ key: String) -> String? { framework?[key].flatMap { $0.isNull ? nil : $0.render() } }
        let rootOrg = b.string(5, r)
        var places: [String: String] = [:]
        for id in SunbirdProfiles.locationIds(b.string(7, r)) {
            if let loc = locations[id], let type = loc.type, places[type] == nil, let name = loc.name { places[type] = name }
        }
        let types = (b.string(8, r).flatMap { try? JSONParser.parse($0) })?.array
        func distinct(_ key: String) -> String? { types.map { SunbirdProfiles.distinct(key, in: $0).joined(separator: ",") } }
        // Schools: linked orgs of organisationtype 2 (the last one wins, as upstream's merge writes).
        let school = linkedOrgs.compactMap { orgs[$0] }.last { $0.type == "2" }
        let strings: [String?] = [
            b.string(1, r), b.string(2, r), b.string(3, r), b.string(4, r), rootOrg,
            list("medium"), list("subject"), list("gradeLevel"),
            framework?["board"]?.array?.last?.string, framework?["id"]?.array?.last?.string,
            rootOrg.map { $0 == custodianOrgId ? "Self-Signed-In" : "Validated" },
            // Upstream joins the links on the root org id: the root org's name, when the user has a link.
            linkedOrgs.isEmpty ? nil : rootOrg.flatMap { orgs[$0]?.name },
            places["state"], places["district"], places["block"], places["cluster"],
            distinct("type"), distinct("subType"), types.map { JSONValue.array($0).render() },
            school?.name.map(Self.escapeBrackets), school?.externalId,
        ]
        return [.string("user:" + user)] + strings.map { Value($0) }
    }

    /// `[` and `]` escaped as `\[`, `\]` (most names have none: returned as they are).
    static func escapeBrackets(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 4)
        for c in s {
            if c == "[" || c == "]" { out.append("\\") }
            out.append(c)
        }
        return out
    }

}
