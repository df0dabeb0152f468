import Foundation
import RowBatch
import PluginAPI

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
            return Answer(
                method: method.uppercased(), path: path, status: Int32(a["status"]?.int ?? 200), body: body,
                bodyContains: a["bodyContains"]?.string)
        }
    }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = URLComponents(string: request.url)?.path ?? request.url
        guard
            let a = answers.first(where: {
                $0.method == request.method.uppercased() && $0.path == path
                    && ($0.bodyContains.map { (request.body ?? "").contains($0) } ?? true)
            })
        else {
            throw HostCallError.notFound("\(request.method) \(request.url): no canned answer for path \(path) in \(directory)/answers.json")
        }
        return HTTPResponse(status: a.status, body: a.body)
    }
}
