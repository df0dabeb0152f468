import PluginAPI

/// The on-demand request a run serves (ABI 1.4), as the host hands it over. The host owns the
/// queue row, the security level, encryption, zip and publishing; the job decides what the request
/// means and answers with a `RequestResult`.
public struct ExhaustRequest {
    public var tag: String
    public var requestId: String
    public var jobId: String
    /// `request_data` exactly as stored (a JSON object for well-formed requests).
    public var requestData: JSONValue
    public var requestedBy: String
    /// The requester's root org id (upstream uses it as `orgId` everywhere).
    public var requestedChannel: String
    public var hasEncryptionKey: Bool
    /// Batches finished by earlier runs of this request.
    public var processedBatches: [ProcessedBatch]
    /// "" when the tenant has no data-security preference.
    public var securityLevel: String
    public var piiFields: [String]
    /// What the requesting channel may still produce in this host run (upstream's per-channel throttle).
    public var budgetBatches: Int
    public var budgetBytes: Int64
    /// The report date, yyyyMMdd in UTC+05:30 (upstream's file-name date).
    public var date: String

    init(json j: JSONValue) {
        tag = j["tag"]?.string ?? ""
        requestId = j["requestId"]?.string ?? ""
        jobId = j["jobId"]?.string ?? ""
        requestData = j["requestData"] ?? .null
        requestedBy = j["requestedBy"]?.string ?? ""
        requestedChannel = j["requestedChannel"]?.string ?? ""
        if case .bool(let b)? = j["hasEncryptionKey"] { hasEncryptionKey = b } else { hasEncryptionKey = false }
        processedBatches = (j["processedBatches"]?.array ?? []).map(ProcessedBatch.init(json:))
        securityLevel = j["securityLevel"]?.string ?? ""
        piiFields = (j["piiFields"]?.array ?? []).compactMap(\.string)
        budgetBatches = Int(j["budget"]?["batches"]?.int ?? Int64(Int32.max))
        budgetBytes = j["budget"]?["bytes"]?.int ?? Int64.max
        date = j["date"]?.string ?? ""
    }
}

/// One batch of a request that produced its file (`processed_batches` entries upstream).
public struct ProcessedBatch: Equatable {
    public var channel: String
    public var batchId: String
    public var filePath: String
    public var fileSize: Int64

    public init(channel: String, batchId: String, filePath: String, fileSize: Int64) {
        (self.channel, self.batchId, self.filePath, self.fileSize) = (channel, batchId, filePath, fileSize)
    }

    init(json j: JSONValue) {
        channel = j["channel"]?.string ?? ""
        batchId = j["batchId"]?.string ?? ""
        filePath = j["filePath"]?.string ?? ""
        fileSize = j["fileSize"]?.int ?? 0
    }

    var json: JSONValue {
        .object([
            ("channel", .string(channel)), ("batchId", .string(batchId)), ("filePath", .string(filePath)),
            ("fileSize", .int(fileSize)),
        ])
    }
}

/// The job's answer for its request.
public struct RequestResult {
    public enum Status: String { case success = "SUCCESS", failed = "FAILED", submitted = "SUBMITTED" }
    public var status: Status
    public var message: String
    /// Every batch done so far (earlier runs' included): the request's `processed_batches`.
    public var processedBatches: [ProcessedBatch]
    /// Report ids written by this run (the host secures and publishes them).
    public var files: [String]

    public init(_ status: Status, message: String = "", processedBatches: [ProcessedBatch] = [], files: [String] = []) {
        (self.status, self.message, self.processedBatches, self.files) = (status, message, processedBatches, files)
    }

    var json: JSONValue {
        .object([
            ("status", .string(status.rawValue)), ("message", .string(message)),
            ("processedBatches", .array(processedBatches.map(\.json))), ("files", .array(files.map { .string($0) })),
        ])
    }
}

extension JobContext {
    /// The request this run serves, or nil for a scheduled run (or a host older than ABI 1.4).
    public var request: ExhaustRequest? {
        guard (try? requireHost(\.request, minor: 4, for: "requests")) != nil else { return nil }
        let text = host.pointee.request!(run)
        guard text.data != nil, let json = try? JSONParser.parse(text.string) else { return nil }
        return ExhaustRequest(json: json)
    }

    /// Answers the request (the last call wins).
    public func setResult(_ result: RequestResult) throws {
        try requireHost(\.set_result, minor: 4, for: "requests")
        withDPStr(result.json.render()) { host.pointee.set_result!(run, $0) }
    }

    /// Bytes the closed report `id` wrote (all its files).
    public func reportSize(_ id: String) throws -> Int64 {
        try requireHost(\.report_size, minor: 4, for: "report sizes")
        var bytes: UInt64 = 0
        try check(withDPStr(id) { host.pointee.report_size!(run, $0, &bytes) })
        return Int64(bytes)
    }
}

extension JobContext {
    /// The platform's PII decryption (upstream `DecryptUtil.decryptData`), done by the host with the
    /// deployment's key: what does not decrypt comes back unchanged.
    public func decryptPII(_ value: String) throws -> String {
        try requireHost(\.decrypt_pii, minor: 4, for: "PII decryption")
        var out = dp_str(data: nil, len: 0)
        try check(withDPStr(value) { host.pointee.decrypt_pii!(run, $0, &out) })
        return out.string
    }
}
