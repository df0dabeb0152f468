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
    static func make(_ spec: String) throws -> HTTPConnector {
        if spec == "none" { return NoHTTP() }
        if spec == "live" || spec.hasPrefix("live:") { return try CurlHTTP(options: String(spec.dropFirst(min(5, spec.count)))) }
        if spec.hasPrefix("canned:") { return try CannedHTTP(directory: String(spec.dropFirst("canned:".count))) }
        throw HostError.config("unknown HTTP connector '\(spec)' (supported: none, live[:attempts=N,timeoutMs=N,...], canned:DIR)")
    }
}

struct NoHTTP: HTTPConnector {
    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        throw StoreError(status: DP_ERROR_UNSUPPORTED,
                         description: "\(request.method) \(request.url): no HTTP connector configured (run with --http canned:DIR)")
    }
}

/// Recorded answers: `DIR/answers.json` lists
/// `{"method": "POST", "path": "/api/content/v1/search", "status": 200, "bodyFile": "search.json"}`
/// (or an inline `"body"`). A request matches on method and URL path, whatever the host in the URL,
/// so a deployed config runs offline unchanged — like upstream's mock server routes; an answer with
/// `"bodyContains": "text"` matches only requests whose body contains that text (e.g. one route
/// answering per `request.key`, as upstream's tenant-preference mock does).
struct CannedHTTP: HTTPConnector {
    struct Answer {
        var method: String
        var path: String
        var status: Int32
        var body: String
        var bodyContains: String?
    }

    let directory: String
    let answers: [Answer]

    init(directory: String) throws {
        self.directory = directory
        let index = (directory as NSString).appendingPathComponent("answers.json")
        guard let data = FileManager.default.contents(atPath: index) else {
            throw HostError.config("canned HTTP answers: \(index) does not exist")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw HostError.config("canned HTTP answers: \(index) is not valid JSON: \(error)")
        }
        answers = try (json["answers"]?.array ?? []).enumerated().map { i, a in
            guard let method = a["method"]?.string, let path = a["path"]?.string else {
                throw HostError.config("canned HTTP answers: \(index) entry #\(i + 1) needs method and path")
            }
            var body = a["body"].map { $0.string ?? $0.render() } ?? ""
            if let file = a["bodyFile"]?.string {
                let p = (directory as NSString).appendingPathComponent(file)
                guard let b = FileManager.default.contents(atPath: p) else {
                    throw HostError.config("canned HTTP answers: body file \(p) does not exist")
                }
                body = String(decoding: b, as: UTF8.self)
            }
            return Answer(method: method.uppercased(), path: path, status: Int32(a["status"]?.int ?? 200), body: body,
                          bodyContains: a["bodyContains"]?.string)
        }
    }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = URLComponents(string: request.url)?.path ?? request.url
        guard let a = answers.first(where: {
            $0.method == request.method.uppercased() && $0.path == path
                && ($0.bodyContains.map { (request.body ?? "").contains($0) } ?? true)
        }) else {
            throw StoreError.notFound("\(request.method) \(request.url): no canned answer for path \(path) in \(directory)/answers.json")
        }
        return HTTPResponse(status: a.status, body: a.body)
    }
}
