import PluginKit

/// The profile columns of `admin-user-reports` (lern-jobs-spec §12 rules 5–7): a user's name,
/// location names, user types and root org, read from the `user` row and the in-memory location and
/// organisation tables.
struct DeclaredUserProfile {
    var name: String
    var places: [String]  // state, district, block, cluster; "" when unknown
    var email: String?
    var phone: String?
    var userType: String
    var userSubType: String
    var rootOrgName: String?
}

extension StateAdminUserReport {
    typealias Locations = SunbirdProfiles.Locations

    /// Organisations with a channel (rule 3), by id.
    static func organisations(_ job: JobContext, keyspace: String) throws -> [String: Org] {
        var out: [String: Org] = [:]
        let columns = ["id", "channel", "orgname", "rootorgid"].map { Field($0, .utf8) }
        try job.scan("\(keyspace).organisation", columns: columns) { row in
            guard let id = row.string("id"), let channel = row.string("channel") else { return }
            out[id] = Org(channel: channel, name: row.string("orgname"), rootOrgId: row.string("rootorgid"))
        }
        return out
    }

    /// This user's profile from the user-ordered `user` scan; nil when the user has no row (the
    /// declaration is still reported, its profile columns empty, as upstream's left join).
    static func profile(
        _ rows: PeekableRows, user: String, locations: Locations, orgs: [String: Org], job: JobContext
    ) throws
        -> DeclaredUserProfile?
    {
        var found: DeclaredUserProfile?
        try rows.forEach(equalTo: [Array(user.utf8)]) { b, r in
            guard found == nil else { return }
            var places = ["state": "", "district": "", "block": "", "cluster": ""]
            for id in SunbirdProfiles.locationIds(b.string(6, r)) {
                guard let loc = locations[id], let type = loc.type, places[type] == "" else { continue }
                places[type] = loc.name ?? ""
            }
            let (types, subTypes) = Self.userTypes(b.string(7, r))
            found = DeclaredUserProfile(
                name: [b.string(1, r), b.string(2, r)].compactMap { $0 }.joined(separator: " "),
                places: ["state", "district", "block", "cluster"].map { places[$0]! },
                email: try b.string(3, r).map(job.decryptPII), phone: try b.string(4, r).map(job.decryptPII),
                userType: types, userSubType: subTypes, rootOrgName: b.string(5, r).flatMap { orgs[$0]?.name })
        }
        return found
    }

    /// `profileusertypes` (a JSON array of {"type","subType"}): the distinct non-empty types and
    /// subtypes, each joined by "," in first-seen order; "" when there are none or the JSON is bad.
    static func userTypes(_ json: String?) -> (types: String, subTypes: String) {
        guard let json, let items = (try? JSONParser.parse(json))?.array else { return ("", "") }
        return (
            SunbirdProfiles.distinct("type", in: items).joined(separator: ","),
            SunbirdProfiles.distinct("subType", in: items).joined(separator: ",")
        )
    }
}
