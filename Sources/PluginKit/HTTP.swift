import PluginAPI

/// An HTTP answer as the host got it (any status; the job decides what a 4xx/5xx means).
public struct HTTPResult {
    public var status: Int
    public var body: String
}

extension JobContext {
    /// Sends a request through the host's HTTP connector (ABI 1.1). Throws `.unsupported` on a 1.0
    /// host, `.io` on transport failure, `.notFound` when an offline run has no canned answer.
    public func http(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
                     timeoutMs: Int = 0) throws -> HTTPResult {
        let fieldEnd = MemoryLayout<dp_host_api>.offset(of: \.http)! + MemoryLayout<UnsafeRawPointer>.size
        guard Int(host.pointee.size) >= fieldEnd, let call = host.pointee.http else {
            throw JobError(.unsupported, "this host speaks ABI \(host.pointee.abi_major).\(host.pointee.abi_minor); HTTP needs 1.1")
        }
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
