import Foundation
import RowBatch

/// A dashboard as upstream's report configs describe it (framework-spec A4.4): Druid metrics, the
/// labels of their columns and the files to write. Parsed strictly: a wrong type is a config error
/// naming the field, a missing optional part takes upstream's default.
public struct ReportConfig {
    public struct Metric {
        public var metric: String
        public var label: String
        public var query: JSONValue
    }

    public struct Output {
        public var type: String
        public var label: String?
        public var metrics: [String]
        public var dims: [String]
        public var fileParameters: [String]
        public var locationMapping: Bool
        public var zip: Bool
    }

    public var id: String
    public var dateRange: JSONValue
    public var metrics: [Metric]
    /// Column → label, in config order, with "date" → "Date" appended.
    public var labels: [(String, String)]
    public var output: [Output]
    public var mergeConfig: JSONValue?

    public init(_ json: JSONValue) throws {
        guard json.objectPairs != nil else { throw Self.fail("reportConfig must be a JSON object") }
        guard let id = json["id"]?.string, !id.isEmpty else { throw Self.fail("reportConfig.id is missing") }
        self.id = id
        dateRange = json["dateRange"] ?? .object([])
        metrics = try (json["metrics"]?.array ?? []).enumerated().map { i, m in
            guard let q = m["druidQuery"], q.objectPairs != nil else { throw Self.fail("reportConfig.metrics[\(i)].druidQuery is missing") }
            return Metric(metric: m["metric"]?.string ?? "", label: m["label"]?.string ?? "", query: q)
        }
        var labels = (json["labels"]?.objectPairs ?? []).map { ($0.0, $0.1.string ?? $0.1.render()) }
        labels.removeAll { $0.0 == "date" }
        labels.append(("date", "Date"))
        self.labels = labels
        output = try (json["output"]?.array ?? []).enumerated().map { i, o in try Self.output(o, at: i) }
        mergeConfig = json["mergeConfig"].flatMap { $0.isNull ? nil : $0 }
    }

    private static func output(_ o: JSONValue, at i: Int) throws -> Output {
        func strings(_ key: String, _ fallback: [String]) throws -> [String] {
            guard let v = o[key], !v.isNull else { return fallback }
            guard let a = v.array, a.allSatisfy({ $0.string != nil }) else {
                throw fail("reportConfig.output[\(i)].\(key) must be a list of strings")
            }
            return a.compactMap(\.string)
        }
        let type = (o["type"]?.string ?? "csv").lowercased()
        guard type == "csv" || type == "json" else { throw fail("reportConfig.output[\(i)].type must be csv or json, got \(type)") }
        return Output(
            type: type, label: o["label"]?.string, metrics: try strings("metrics", []), dims: try strings("dims", []),
            fileParameters: try strings("fileParameters", ["id", "dims"]), locationMapping: o["locationMapping"] == .bool(true),
            zip: o["zip"] == .bool(true))
    }

    public func label(of column: String) -> String? { labels.first { $0.0 == column }?.1 }

    static func fail(_ message: String) -> JobError { JobError(.invalidArgument, message) }
}
