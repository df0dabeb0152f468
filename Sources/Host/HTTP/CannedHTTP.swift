import Foundation
import PluginAPI
import RowBatch

/// Recorded answers: `DIR/answers.json` lists
/// `{"method": "POST", "path": "/api/content/v1/search", "status": 200, "bodyFile": "search.json"}`
/// (or an inline `"body"`). A request matches on method and URL path, whatever the host in the URL,
/// so a deployed config runs offline unchanged — like upstream's mock server routes; an answer with
/// `"bodyContains": "text"` (or a list of texts, all required) matches only requests whose body
/// contains it (e.g. one answer per Druid query). `"sequence": [{"status", "body" | "bodyFile"}, ...]`
/// answers successive matching calls in order, each once, as upstream's one-answer-per-call mocks do;
/// a call after the last is refused.
final class CannedHTTP: HTTPConnector, HTTPStreaming {
    struct Reply {
        var status: Int32
        var body: String
    }

    struct Answer {
        var method: String
        var path: String
        var bodyContains: [String]
        var replies: [Reply]
        var isSequence: Bool
    }

    let directory: String
    let answers: [Answer]
    private var served: [Int: Int] = [:]

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
            let contains = a["bodyContains"].map { $0.array?.compactMap(\.string) ?? [$0.string ?? ""] } ?? []
            let sequence = a["sequence"]?.array
            let replies = try (sequence ?? [a]).map { try Self.reply($0, directory: directory) }
            return Answer(method: method.uppercased(), path: path, bodyContains: contains, replies: replies, isSequence: sequence != nil)
        }
    }

    private static func reply(_ a: JSONValue, directory: String) throws -> Reply {
        var body = a["body"].map { $0.string ?? $0.render() } ?? ""
        if let file = a["bodyFile"]?.string {
            let p = (directory as NSString).appendingPathComponent(file)
            guard let b = FileManager.default.contents(atPath: p) else {
                throw HostError.config("canned HTTP answers: body file \(p) does not exist")
            }
            body = String(decoding: b, as: UTF8.self)
        }
        return Reply(status: Int32(a["status"]?.int ?? 200), body: body)
    }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = URLComponents(string: request.url)?.path ?? request.url
        let body = request.body ?? ""
        guard
            let i = answers.firstIndex(where: {
                $0.method == request.method.uppercased() && $0.path == path && $0.bodyContains.allSatisfy { body.contains($0) }
            })
        else {
            throw HostCallError.notFound("\(request.method) \(request.url): no canned answer for path \(path) in \(directory)/answers.json")
        }
        let a = answers[i]
        guard a.isSequence else { return HTTPResponse(status: a.replies[0].status, body: a.replies[0].body) }
        let n = served[i, default: 0]
        guard n < a.replies.count else {
            throw HostCallError.notFound("\(request.method) \(path): the recorded sequence of \(a.replies.count) answers is used up")
        }
        served[i] = n + 1
        return HTTPResponse(status: a.replies[n].status, body: a.replies[n].body)
    }

    func stream(_ request: HTTPRequest, _ sink: (Int32, UnsafeRawBufferPointer) throws -> Void) throws -> Int32 {
        let r = try send(request)
        var body = r.body
        try body.withUTF8 { all in
            var start = 0
            while start < all.count {
                let end = min(all.count, start + 65_536)
                try sink(r.status, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(all)[start..<end]))
                start = end
            }
        }
        return r.status
    }
}
