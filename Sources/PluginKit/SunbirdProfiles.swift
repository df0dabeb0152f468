/// Rules of Sunbird's user and organisation profiles that several jobs apply (the geo and user
/// reports, the user cache indexer): written once here so every plugin reads a profile the same way.
public enum SunbirdProfiles {
    public typealias Locations = [String: (name: String?, type: String?)]

    /// Upstream `locationIdList`: from a JSON array of {"id","type"} (`profilelocation`,
    /// `orglocation`), the first id of type state, district, block and cluster, in that order (types
    /// compared ignoring case; absent ones skipped; null, empty or invalid JSON gives no ids).
    public static func locationIds(_ json: String?) -> [String] {
        guard let json, let items = (try? JSONParser.parse(json))?.array else { return [] }
        return ["state", "district", "block", "cluster"].compactMap { type in
            items.first { $0["type"]?.string?.lowercased() == type }?["id"]?.string
        }
    }

    /// The distinct non-empty values of `key` ("type", "subType") in a `profileusertypes` array,
    /// in first-seen order.
    public static func distinct(_ key: String, in items: [JSONValue]) -> [String] {
        var seen: [String] = []
        for item in items {
            if let v = item[key]?.string, !v.isEmpty, !seen.contains(v) { seen.append(v) }
        }
        return seen
    }

    /// `<keyspace>.location`: id → (name, type); a country's locations, small enough to hold.
    public static func locations(_ job: JobContext, keyspace: String) throws -> Locations {
        var out: Locations = [:]
        try job.scan("\(keyspace).location", columns: [Field("id", .utf8), Field("name", .utf8), Field("type", .utf8)]) { row in
            if let id = row.string("id") { out[id] = (row.string("name"), row.string("type")) }
        }
        return out
    }
}
