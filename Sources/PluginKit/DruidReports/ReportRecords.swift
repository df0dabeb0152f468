import Foundation
import RowBatch

/// The records of one report (framework-spec A4.5 steps 1–4): every metric's query run over the
/// report's interval, each row keyed by its dimension values and date, rows of all metrics with the
/// same key merged into one record (a later metric's value wins), in first-seen order.
public struct ReportRecords {
    public private(set) var records: [[(String, JSONValue)]] = []
    /// The dimension names every metric groups by (aliases, else field names).
    public private(set) var dimensions: [String] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Runs the report's metrics through `fetch` (the host's Druid call in a job; recorded rows in a test).
    /// `exhaustQuery` (A4.5 step 5): only the first metric runs, as Druid SQL, and every SQL row is
    /// one record (no key merge: SQL rows need not carry the dimensions or a date to key by).
    public init(_ config: ReportConfig, exhaustQuery: Bool = false, fetch: (JSONValue, (JSONValue) throws -> Void) throws -> Void) throws {
        if exhaustQuery {
            guard let metric = config.metrics.first else { throw JobError(.invalidArgument, "\(config.id): exhaustQuery needs a metric") }
            dimensions = Self.dimensionNames(metric.query)
            if dimensions.isEmpty { dimensions = (metric.query["sqlDimensions"]?.array ?? []).compactMap { $0.string ?? $0["fieldName"]?.string } }
            let query = try Self.prepared(metric.query, dateRange: config.dateRange, extra: [("exhaustQuery", .bool(true))])
            try fetch(query) { record in
                guard let pairs = record.objectPairs else { throw JobError(.data, "a Druid SQL record is not an object") }
                records.append(pairs)
            }
            return
        }
        let dimSets = config.metrics.map { Self.dimensionNames($0.query) }
        guard Set(dimSets.map { $0.joined(separator: "\u{1}") }).count <= 1 else {
            throw JobError(.invalidArgument, "Query dimensions are not matching: \(dimSets.map { $0.joined(separator: ",") })")
        }
        dimensions = dimSets.first ?? []
        for metric in config.metrics {
            let query = try Self.prepared(metric.query, dateRange: config.dateRange)
            try fetch(query) { try add($0) }
        }
    }

    static func dimensionNames(_ query: JSONValue) -> [String] {
        (query["dimensions"]?.array ?? []).compactMap { $0["aliasName"]?.string ?? $0["fieldName"]?.string }
    }

    /// The metric's query with the report's interval, slider and granularity (A4.5 step 3).
    static func prepared(_ query: JSONValue, dateRange: JSONValue, extra: [(String, JSONValue)] = []) throws -> JSONValue {
        let ds = query["dataSource"]?.string ?? ""
        var pairs = query.objectPairs ?? []
        func set(_ key: String, _ value: JSONValue) {
            if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        }
        set("intervals", .string(try ReportInterval.resolve(dateRange, dataSource: ds)))
        set("intervalSlider", .int(dateRange["intervalSlider"]?.int ?? 0))
        if let g = dateRange["granularity"]?.string { set("granularity", .string(g)) }
        for (k, v) in extra { set(k, v) }
        return .object(pairs)
    }

    /// Adds one Druid record, merged into the record with the same key.
    public mutating func add(_ record: JSONValue) throws {
        guard let pairs = record.objectPairs else { throw JobError(.data, "a Druid record is not an object") }
        let key = (dimensions + ["date"]).map { name in record[name].map(Self.text) ?? "" }.sorted(by: >).joined(separator: ",")
        guard let i = index[key] else {
            index[key] = records.count
            records.append(pairs)
            return
        }
        for (k, v) in pairs {
            if let j = records[i].firstIndex(where: { $0.0 == k }) { records[i][j].1 = v } else { records[i].append((k, v)) }
        }
    }

    static func text(_ v: JSONValue) -> String { v.string ?? v.render() }
}
