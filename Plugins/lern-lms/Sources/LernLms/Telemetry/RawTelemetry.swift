import Foundation
import PluginKit

/// The raw telemetry files a model config's `search` names (framework-spec A1.2 rule 3), read from
/// the host's blob store (`--blob`; the query's bucket is the store's): every key under
/// `prefix + day` for each day from `endDate − delta` (or `startDate`) to `endDate` (absent: the run
/// day; empty: the day before), each line one event. `.gz` files are inflated.
struct RawTelemetry {
    let keys: [String]

    init(_ job: JobContext, search: JSONValue?) throws {
        guard let search, search["type"]?.string != "none" else { keys = []; return }
        var keys: [String] = []
        let day = UTCDates.formatter("yyyy-MM-dd")
        for q in search["queries"]?.array ?? [] {
            let prefix = q["prefix"]?.string ?? "raw/"
            let pattern = UTCDates.formatter(q["datePattern"]?.string ?? "yyyy-MM-dd")
            // An empty endDate is the deployed wrapper's default: yesterday (of the run clock).
            let end = q["endDate"]?.string
            let to = try end.map { $0.isEmpty ? job.now.addingTimeInterval(-86_400) : try Self.parse($0, day) } ?? job.now
            let from =
                try q["delta"]?.int.map { to.addingTimeInterval(-Double($0) * 86_400) } ?? q["startDate"]?.string.map { try Self.parse($0, day) }
            guard let from else {
                keys += try job.blobList(prefix)
                continue
            }
            var d = from
            while d <= to {
                keys += try job.blobList(prefix + pattern.string(from: d))
                d = d.addingTimeInterval(86_400)
            }
            if let exclude = q["excludePrefix"]?.string { keys.removeAll { $0.contains(exclude) } }
        }
        self.keys = keys
    }

    static func parse(_ text: String, _ f: DateFormatter) throws -> Date {
        guard let d = f.date(from: text) else { throw JobError(.invalidArgument, "search: \(text) is not a day yyyy-MM-dd") }
        return d
    }

    /// Every line of every file, in key order.
    func forEachLine(_ job: JobContext, _ body: (Substring) throws -> Void) throws {
        for key in keys.sorted() {
            var data = try job.blobGet(key)
            if key.hasSuffix(".gz") { data = try Gzip.decompress(data) }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) { try body(line) }
        }
    }
}
