import Foundation
import PluginAPI

/// An HTTP answer as the host got it (any status; the job decides what a 4xx/5xx means).
public struct HTTPResult {
    public var status: Int
    public var body: String
}

extension JobContext {
    /// Sends a request through the host's HTTP connector (ABI 1.1). Throws `.unsupported` on a 1.0
    /// host, `.io` on transport failure, `.notFound` when an offline run has no canned answer.
    public func http(
        _ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
        timeoutMs: Int = 0
    ) throws -> HTTPResult {
        try requireHost(\.http, minor: 1, for: "HTTP")
        let call = host.pointee.http!
        let strings = StringArena()
        var lines = headers.sorted { $0.key < $1.key }.map { strings.dp("\($0.key): \($0.value)") }
        var status: Int32 = 0
        var out = dp_str(data: nil, len: 0)
        let rc = lines.withUnsafeMutableBufferPointer { h in
            var request = dp_http_request(
                size: UInt32(MemoryLayout<dp_http_request>.size), method: strings.dp(method), url: strings.dp(url),
                headers: h.baseAddress, n_headers: h.count,
                body: body.map { strings.dp($0) } ?? dp_str(data: nil, len: 0), timeout_ms: UInt32(clamping: timeoutMs))
            return call(run, &request, &status, &out)
        }
        try check(rc)
        return HTTPResult(status: Int(status), body: out.string)
    }
}

extension JobContext {
    /// Pages through a Sunbird search API (content search, org search): POSTs `request` with
    /// `request.offset`/`request.limit` set, page after page, handing each page's items (found at
    /// `itemsPath` in the answer, e.g. ["result", "content"]) to `body`, until a page holds fewer
    /// than `limit` items or `maxItems` have been read. A non-2xx answer is an `.io` error.
    public func searchPages(
        _ url: String, request: JSONValue, itemsPath: [String], limit: Int = 1000,
        maxItems: Int = .max, _ body: ([JSONValue]) throws -> Void
    ) throws {
        var offset = 0
        while offset < maxItems {
            var inner: [(String, JSONValue)] = []
            if case .object(let pairs) = request { inner = pairs.filter { $0.0 != "offset" && $0.0 != "limit" } }
            inner += [("offset", .int(Int64(offset))), ("limit", .int(Int64(min(limit, maxItems - offset))))]
            let text = JSONValue.object([("request", .object(inner))]).render()
            let answer = try http("POST", url, headers: ["Content-Type": "application/json"], body: text)
            guard (200..<300).contains(answer.status) else {
                throw JobError(.io, "POST \(url) (offset \(offset)) answered HTTP \(answer.status): \(answer.body.prefix(200))")
            }
            var node: JSONValue? = try? JSONParser.parse(answer.body)
            for key in itemsPath { node = node?[key] }
            let items = node?.array ?? []
            try body(items)
            offset += items.count
            if items.count < limit { break }
        }
    }
}
