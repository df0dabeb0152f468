import Foundation

/// A request a job asked the host to make once its reports are published (ABI 1.8
/// http_after_publish), carried from the job's process to the one that publishes.
struct DeferredHTTPCall: Codable, Equatable {
    var method: String
    var url: String
    var headers: [[String]]
    var body: String?
    var timeoutMs: Int

    init(_ r: HTTPRequest) {
        (method, url, body, timeoutMs) = (r.method, r.url, r.body, r.timeoutMs)
        headers = r.headers.map { [$0.0, $0.1] }
    }

    var request: HTTPRequest {
        HTTPRequest(method: method, url: url, headers: headers.map { ($0[0], $0.count > 1 ? $0[1] : "") }, body: body, timeoutMs: timeoutMs)
    }

    /// Sends the calls in order; the first transport failure or non-2xx answer is the run's error.
    static func send(_ calls: [DeferredHTTPCall], through http: HTTPConnector, logger: JobLogger) throws {
        for call in calls {
            let answer: HTTPResponse
            do { answer = try http.send(call.request) } catch {
                throw HostError.jobFailed("reports published, but \(call.method) \(call.url) failed: \(error)")
            }
            logger.log(
                .info, "after publishing: \(call.method) \(call.url) answered HTTP \(answer.status)",
                data: [("status", .int(Int64(answer.status))), ("answer", .string(String(answer.body.prefix(2000))))])
            guard (200..<300).contains(answer.status) else {
                throw HostError.jobFailed(
                    "reports published, but \(call.method) \(call.url) answered HTTP \(answer.status): \(answer.body.prefix(200))")
            }
        }
    }
}
