import Foundation
import RowBatch
import PluginAPI

/// Everything a process needs to run one job; the parent writes it as JSON for the child.
struct RunSpec: Codable {
    var libraryPath: String
    /// The sha256 the parent verified: the child loads the library only if its sealed copy has it.
    var librarySHA256: String
    var manifestPath: String
    var jobId: String
    var configText: String
    var connectors: Connectors
    var stagingDir: String
    var output: String
    var logFile: String?
    var logLevel: String
    /// The on-demand request the run serves (JSON), if any.
    var request: String?
    /// What the terminal progress line starts with (the job id, or the request being served).
    var progressLabel: String?
    /// The run clock (epoch milliseconds): the time the job takes as now (`--now`, else the start).
    var nowMillis: Int64
}

extension RunSpec {
    /// The request id of an on-demand run's request JSON (its `requestId`), for the log's request_id.
    static func requestId(of request: String?) -> String? {
        request.flatMap { try? JSONParser.parse($0) }?["requestId"]?.string
    }
}
