import Foundation
import RowBatch

/// A query as jobs configure it (upstream's DruidQueryModel, spec A4.1), turned into Druid's native
/// JSON. Unknown fields (limitSpec in every deployed query, QUIRK C1.1) are ignored as upstream does.
struct DruidQuery {
    enum Kind: String { case groupBy, topN, timeseries, scan }

    let model: JSONValue
    let kind: Kind
    let dataSource: String
    /// A literal `start/end` interval or a macro (DruidIntervals); resolved before sending.
    let intervals: String
    let granularity: String

    init(_ model: JSONValue) throws {
        guard model.objectPairs != nil else { throw DruidError.config("a Druid query must be a JSON object") }
        let type = model["queryType"]?.string ?? ""
        guard let kind = [Kind.groupBy, .topN, .timeseries, .scan].first(where: { $0.rawValue.lowercased() == type.lowercased() }) else {
            throw DruidError.config("Unknown druid query type found: '\(type)' (groupBy, topN, timeseries, scan)")
        }
        guard let ds = model["dataSource"]?.string, !ds.isEmpty else { throw DruidError.config("a Druid query needs a dataSource") }
        guard let iv = model["intervals"]?.string, !iv.isEmpty else { throw DruidError.config("a Druid query needs intervals") }
        self.model = model
        self.kind = kind
        self.dataSource = ds
        self.intervals = iv
        let g = model["granularity"]?.string ?? "all"
        latestIndex = g.uppercased() == "LATEST_INDEX"
        self.granularity = latestIndex ? "all" : g
    }

    /// Granularity LATEST_INDEX: `all` over the newest used segment's interval (A4.2).
    let latestIndex: Bool

    /// Roll-up, distinct and snapshot data sources live on the roll-up broker (A4.1).
    var usesRollupBroker: Bool { ["rollup", "distinct", "snapshot"].contains { dataSource.contains($0) } }

    /// The native query for the resolved interval.
    func native(interval: String, scanBatchSize: Int = 5000) throws -> JSONValue {
        var q: [(String, JSONValue)] = [
            ("queryType", .string(kind.rawValue)), ("dataSource", .string(dataSource)),
            ("intervals", .array([.string(interval)])),
            ("granularity", .string(granularity)),
        ]
        if let filter = try DruidParts.filter(model["filters"]) { q.append(("filter", filter)) }
        switch kind {
        case .scan:
            q.append(("columns", .array((model["columns"]?.array ?? []).compactMap { $0.string }.map(JSONValue.string))))
            q.append(("resultFormat", .string("list")))
            q.append(("batchSize", .int(Int64(scanBatchSize))))
            return .object(q)
        case .groupBy:
            q.append(("dimensions", .array(try dimensions.map(DruidParts.dimension))))
            if let having = try DruidParts.having(model["having"]) { q.append(("having", having)) }
        case .topN:
            guard let first = dimensions.first else { throw DruidError.config("a topN query needs a dimension") }
            q.append(("dimension", try DruidParts.dimension(first)))
            q.append(("threshold", .int(model["threshold"]?.int ?? 100)))
            q.append(("metric", .string(model["metric"]?.string ?? "count")))
        case .timeseries:
            break
        }
        q.append(("aggregations", .array(try aggregations())))
        let post = try (model["postAggregation"]?.array ?? []).map(DruidParts.postAggregation)
        if !post.isEmpty { q.append(("postAggregations", .array(post))) }
        return .object(q)
    }

    var dimensions: [JSONValue] { model["dimensions"]?.array ?? [] }

    private func aggregations() throws -> [JSONValue] {
        guard let list = model["aggregations"]?.array, !list.isEmpty else {
            return [.object([("type", .string("count")), ("name", .string("count"))])]
        }
        return try list.map(DruidParts.aggregation)
    }
}

enum DruidError: Error, CustomStringConvertible {
    /// The query or report config is wrong: fix the config (upstream DruidConfigException).
    case config(String)
    /// The broker failed, timed out or sent a broken answer.
    case broker(String)

    var description: String {
        switch self {
        case .config(let m): return m
        case .broker(let m): return m
        }
    }
}
