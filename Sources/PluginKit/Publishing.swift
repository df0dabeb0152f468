import PluginAPI

extension JobContext {
    /// Secures a file of a closed report (ABI 1.8), e.g. "declared_user_detail/ap.csv", as the
    /// data-security policy of tenant `orgId` says for this job: the host zips or encrypts it
    /// before anything is published. Levels that need a request's key fail (`.unsupported`).
    public func secureReportFile(_ file: String, orgId: String) throws {
        try requireHost(\.report_secure, minor: 8, for: "securing scheduled reports")
        let status = withDPStr(file) { f in withDPStr(orgId) { o in host.pointee.report_secure!(run, f, o) } }
        try check(status)
    }

    /// Asks the host to send this request once the run's reports are published (ABI 1.8), e.g. a
    /// Druid ingestion task that reads them; if it fails the run fails, its reports stay published.
    public func httpAfterPublish(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil) throws {
        try requireHost(\.http_after_publish, minor: 8, for: "calls after publishing")
        let strings = StringArena()
        var lines = headers.sorted { $0.key < $1.key }.map { strings.dp("\($0.key): \($0.value)") }
        let status = lines.withUnsafeMutableBufferPointer { h in
            var request = dp_http_request(
                size: UInt32(MemoryLayout<dp_http_request>.size), method: strings.dp(method), url: strings.dp(url),
                headers: h.baseAddress, n_headers: h.count,
                body: body.map { strings.dp($0) } ?? dp_str(data: nil, len: 0), timeout_ms: 0)
            return host.pointee.http_after_publish!(run, &request)
        }
        try check(status)
    }
}
