import Foundation
import RowBatch
import PluginAPI

struct HTTPRequest {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: String?
    var timeoutMs: Int
}

struct HTTPResponse {
    var status: Int32
    var body: String
}

/// What serves a job's HTTP calls (dp_host_api.http).
protocol HTTPConnector {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}

enum HTTPConnectorFactory {
    /// `none` (calls fail clearly), `live[:options]` (libcurl, see CurlHTTP) or `canned:DIR`
    /// (recorded answers, for offline runs and tests).
    static func make(_ spec: String) throws -> HTTPConnector { try make(try HTTPSpec(spec)) }

    static func make(_ spec: HTTPSpec) throws -> HTTPConnector {
        switch spec {
        case .none: return NoHTTP()
        case .live(let options): return try CurlHTTP(options: options)
        case .canned(let dir): return try CannedHTTP(directory: dir)
        }
    }
}

struct NoHTTP: HTTPConnector {
    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        throw HostCallError(
            status: DP_ERROR_UNSUPPORTED,
            description: "\(request.method) \(request.url): no HTTP connector configured (run with --http canned:DIR)")
    }
}
