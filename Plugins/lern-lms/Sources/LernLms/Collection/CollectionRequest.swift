import PluginKit

/// What a collection exhaust request asks for (upstream `CollectionConfig`, lern-exhaust-spec §1.3):
/// `batchId` wins when present (even ""), then `batchFilter`, then `searchFilter`. Unknown keys are
/// ignored; a known key of the wrong JSON type is an error (upstream: "Internal Server Error: …").
enum CollectionRequest: Equatable {
    case batches([String])
    case search(JSONValue)
    case none

    init(_ data: JSONValue) throws {
        guard case .object = data else {
            if data.isNull { self = .none; return }
            throw JobError(.invalidArgument, "request_data is not a JSON object")
        }
        if let v = data["batchId"] {
            guard let s = v.string else { throw JobError(.invalidArgument, "batchId must be a string, got \(v.render())") }
            self = .batches([s])
        } else if let v = data["batchFilter"] {
            guard let list = v.array, list.allSatisfy({ $0.string != nil }) else {
                throw JobError(.invalidArgument, "batchFilter must be a list of batch ids, got \(v.render())")
            }
            self = .batches(list.compactMap(\.string))
        } else if let v = data["searchFilter"] {
            guard case .object = v else { throw JobError(.invalidArgument, "searchFilter must be an object, got \(v.render())") }
            self = .search(v)
        } else {
            self = .none
        }
    }
}

/// One batch to report on (upstream `CollectionBatch`).
struct CollectionBatch: Equatable {
    var batchId: String
    var collectionId: String
    var batchName: String
    var custodianOrgId: String
    var requestedOrgId: String
    var collectionOrgId: String
    var collectionName: String
    var userConsent: String?
}
