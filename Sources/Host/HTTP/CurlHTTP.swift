import CCurlShim
import Foundation
import PluginAPI

/// Live HTTP through libcurl, with timeouts and bounded retries: a transport failure (refused,
/// reset, timed out, empty reply) or a 5xx answer is retried up to `attempts` times in all, waiting
/// `backoffMs`, then twice that, and so on (with ±25% jitter). After the last attempt a transport
/// failure is DP_ERROR_IO and a 5xx is returned as it is, for the job to judge.
struct CurlHTTP: HTTPConnector {
    var attempts = 3
    var timeoutMs = 30_000
    var connectTimeoutMs = 10_000
    var backoffMs = 200

    /// `live` or `live:attempts=3,timeoutMs=30000,connectTimeoutMs=10000,backoffMs=200`.
    init(options: String) throws {
        for pair in options.split(separator: ",") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let v = Int(kv[1]), v >= 0 else { throw HostError.config("HTTP option '\(pair)' is not name=number") }
            switch kv[0] {
            case "attempts": attempts = max(1, v)
            case "timeoutMs": timeoutMs = v
            case "connectTimeoutMs": connectTimeoutMs = v
            case "backoffMs": backoffMs = v
            default: throw HostError.config("unknown HTTP option '\(kv[0])' (attempts, timeoutMs, connectTimeoutMs, backoffMs)")
            }
        }
    }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let r = try sendRaw(request)
        return HTTPResponse(status: r.status, body: String(decoding: r.body, as: UTF8.self))
    }

    /// `send` for callers that need bytes and headers (blob stores): same retries and backoff.
    func sendRaw(
        _ request: HTTPRequest, bodyData: Data? = nil,
        aws: (provider: String, credentials: String)? = nil
    ) throws -> RawResponse {
        for attempt in 1...attempts {
            if attempt > 1 {
                let wait = Double(backoffMs << (attempt - 2)) * Double.random(in: 0.75...1.25)
                usleep(useconds_t(wait * 1000))
            }
            switch perform(request, bodyData: bodyData, aws: aws) {
            case .success(let r) where r.status >= 500 && attempt < attempts:
                continue
            case .success(let r):
                return r
            case .failure(let e) where e.transient && attempt < attempts:
                continue
            case .failure(let e):
                throw HostCallError.io("\(request.method) \(request.url): \(e.message) (attempt \(attempt) of \(attempts))")
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    struct TransportError: Error {
        var message: String
        var transient: Bool
    }

    /// One attempt. `bodyData` (binary uploads) takes precedence over the request's text body.
    /// The response as bytes, with its raw header lines.
    struct RawResponse {
        var status: Int32
        var body: Data
        var headers: String
    }

    func perform(
        _ r: HTTPRequest, bodyData: Data? = nil,
        aws: (provider: String, credentials: String)? = nil
    ) -> Result<RawResponse, TransportError> {
        var errbuf = [CChar](repeating: 0, count: 256)
        var response = dp_curl_response()
        let code = withCRequest(r, bodyData: bodyData, aws: aws) { dp_curl_perform(&$0, &response, &errbuf) }
        defer { dp_curl_response_free(&response) }
        guard code == 0 else {
            return .failure(TransportError(message: String(cString: errbuf), transient: dp_curl_is_transient(code) != 0))
        }
        let body = Data(UnsafeRawBufferPointer(start: response.body, count: response.body_len))
        let headers = String(decoding: UnsafeRawBufferPointer(start: response.headers, count: response.headers_len), as: UTF8.self)
        return .success(RawResponse(status: Int32(response.status), body: body, headers: headers))
    }
}

extension CurlHTTP {
    /// `r` as libcurl's request struct, valid for `body`: every string and the body as C memory.
    func withCRequest<R>(
        _ r: HTTPRequest, bodyData: Data? = nil, aws: (provider: String, credentials: String)? = nil,
        _ body: (inout dp_curl_request) -> R
    ) -> R {
        // "Name:" with an empty value tells curl to drop a header it would add itself (e.g. Expect).
        let cHeaders = r.headers.map { strdup($0.1.isEmpty ? "\($0.0):" : "\($0.0): \($0.1)") }
        defer { cHeaders.forEach { free($0) } }
        return r.method.withCString { method in
            r.url.withCString { url in
                cHeaders.map { UnsafePointer($0) }.withUnsafeBufferPointer { headers in
                    withOptionalCString(aws?.provider) { provider in
                        withOptionalCString(aws?.credentials) { userpwd in
                            var bytes = bodyData.map { [UInt8]($0) } ?? r.body.map { Array($0.utf8) }
                            return withOptionalBytes(&bytes) { bodyPtr, bodyLen in
                                var req = dp_curl_request(
                                    method: method, url: url, headers: headers.baseAddress, n_headers: headers.count,
                                    body: bodyPtr, body_len: bodyLen, timeout_ms: r.timeoutMs > 0 ? r.timeoutMs : timeoutMs,
                                    connect_timeout_ms: connectTimeoutMs, aws_sigv4: provider, userpwd: userpwd)
                                return body(&req)
                            }
                        }
                    }
                }
            }
        }
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

private func withOptionalBytes<R>(_ bytes: inout [UInt8]?, _ body: (UnsafePointer<CChar>?, Int) -> R) -> R {
    guard bytes != nil else { return body(nil, 0) }
    return bytes!.withUnsafeBufferPointer { b in
        b.withMemoryRebound(to: CChar.self) { body($0.baseAddress, $0.count) }
    }
}
