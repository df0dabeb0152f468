import Foundation
import RowBatch

/// A (state, district) pair a report's rows may carry (framework-spec A4.8 "test report output config").
public struct LocationPair: Hashable {
    public var state: String
    public var district: String
    public init(state: String, district: String) {
        self.state = state
        self.district = district
    }
}

/// The valid (state, district) pairs for `locationMapping`: states and districts from the location
/// search API, each state named by the state lookup (Druid's state-slug lookup) when it has an entry.
public enum LocationMapping {
    public static func validPairs(locations: JSONValue, stateLookup: JSONValue) -> Set<LocationPair> {
        let items = locations["result"]?["response"]?.array ?? []
        let lookup = (stateLookup["lookupExtractorFactory"]?["map"] ?? stateLookup).objectPairs ?? []
        let slug = Dictionary(lookup.compactMap { k, v in v.string.map { (k, $0) } }, uniquingKeysWith: { a, _ in a })
        var states: [String: String] = [:]
        for s in items where s["type"]?.string?.lowercased() == "state" {
            if let id = s["id"]?.string, let name = s["name"]?.string { states[id] = slug[name] ?? name }
        }
        var pairs = Set<LocationPair>()
        for d in items where d["type"]?.string?.lowercased() == "district" {
            if let parent = d["parentId"]?.string, let state = states[parent], let name = d["name"]?.string {
                pairs.insert(LocationPair(state: state, district: name))
            }
        }
        return pairs
    }

    /// Calls the two APIs through the host: POST `searchURL` (header Authorization: `token`, body
    /// `request`), GET `lookupURL`. A failed call is an `.io` error naming the URL.
    public static func fetch(_ job: JobContext, searchURL: String, token: String, request: String, lookupURL: String) throws -> Set<LocationPair> {
        func json(_ r: HTTPResult, _ what: String) throws -> JSONValue {
            guard (200..<300).contains(r.status), let v = try? JSONParser.parse(r.body) else {
                throw JobError(.io, "\(what) answered HTTP \(r.status): \(r.body.prefix(200))")
            }
            return v
        }
        let locations = try json(
            try job.http("POST", searchURL, headers: ["Authorization": token, "Content-Type": "application/json"], body: request),
            "location search \(searchURL)")
        let lookup = try json(try job.http("GET", lookupURL), "state lookup \(lookupURL)")
        return validPairs(locations: locations, stateLookup: lookup)
    }
}
