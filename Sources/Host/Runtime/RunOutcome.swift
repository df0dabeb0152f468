import Foundation
import RowBatch
import PluginAPI

/// How a job run ended, as the process that ran it saw it.
struct RunOutcome: Codable {
    enum Kind: String, Codable { case succeeded, failed, refused }
    var kind: Kind
    var message: String
    var counters: [Counter]
    /// The job's answer for its request (ABI set_result), if it gave one.
    var result: String?
    /// What to call once the reports are published (ABI http_after_publish); nil when nothing.
    var afterPublish: [DeferredHTTPCall]?
    /// The run's combined work output this host wrote (ABI 1.10), confirmed once published.
    var workCombine: WorkCombine?

    /// A JOB_END counter, in the order the job first counted it.
    struct Counter: Codable {
        var name: String
        var value: Int64
    }

    init(
        kind: Kind, message: String, counters: [(String, Int64)] = [], result: String? = nil, afterPublish: [DeferredHTTPCall] = [],
        workCombine: WorkCombine? = nil
    ) {
        (self.kind, self.message, self.result, self.workCombine) = (kind, message, result, workCombine)
        self.afterPublish = afterPublish.isEmpty ? nil : afterPublish
        self.counters = counters.map { Counter(name: $0.0, value: $0.1) }
    }

    var counterPairs: [(String, Int64)] { counters.map { ($0.name, $0.value) } }
}

/// The JSON files parent and child exchange (the spec in, the outcome out).
enum RunFiles {
    static func write<T: Encodable>(_ value: T, to path: String) throws {
        let data = try JSONEncoder().encode(value)
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw HostError.internal("cannot write \(path)") }
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) -> T? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(type, from: $0) }
    }
}
