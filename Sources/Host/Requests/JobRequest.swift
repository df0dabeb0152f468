import Crypto
import Foundation
import RowBatch

/// One row of upstream's `job_request` table (lern-exhaust-spec §1.1), plus the lease columns that
/// let several hosts drain the queue at once. Timestamps are kept as the store's text
/// (ISO-8601 UTC) and written back only where the engine sets them (QUIRK Q5: no rewriting).
struct JobRequest {
    var tag: String
    var requestId: String
    var jobId: String
    var status: String
    /// `request_data` exactly as stored (JSON text), nil when NULL.
    var requestData: String?
    var requestedBy: String?
    var requestedChannel: String?
    var dtJobSubmitted: String?
    var downloadUrls: [String] = []
    var dtFileCreated: String?
    var dtJobCompleted: String?
    var executionTime: Int64?
    var errMessage: String?
    var iteration: Int = 0
    var encryptionKey: String?
    var batchNumber: Int?
    /// JSON array text, nil when NULL.
    var processedBatches: String?
    var leaseOwner: String?

    struct Key: Hashable { var tag: String; var requestId: String }
    var key: Key { Key(tag: tag, requestId: requestId) }

    enum Status {
        static let submitted = "SUBMITTED", processing = "PROCESSING", success = "SUCCESS", failed = "FAILED"
    }

    /// Upstream's duplicate key (§1.4): MD5 of request_data | encryption_key | requested_by; tag is not part of it.
    var duplicateHash: String { Self.md5Hex((requestData ?? "") + "|" + (encryptionKey ?? "") + "|" + (requestedBy ?? "")) }

    static func md5Hex(_ s: String) -> String {
        Insecure.MD5.hash(data: Data(s.utf8)).map { String(format: "%02X", $0) }.joined()
    }

    /// The analytics API's request id (§1.2): MD5 of dataset|tag|requestedBy|channel|yyyy-MM-dd.
    static func apiRequestId(dataset: String, tag: String, requestedBy: String, channel: String, day: String) -> String {
        md5Hex([dataset, tag, requestedBy, channel, day].joined(separator: "|"))
    }

    /// Upstream's column sizes (§1.1: tag varchar(100), ids varchar(50), encryption_key varchar(500)),
    /// and a bound on request_data (json, unbounded there): a request from the portal is a few
    /// hundred bytes, and one of megabytes only costs the host time and memory.
    static let fieldLimits: [(name: String, limit: Int, value: KeyPath<JobRequest, String?>)] = [
        ("tag", 100, \.tagText), ("request_id", 50, \.requestIdText), ("job_id", 50, \.jobIdText),
        ("requested_by", 50, \.requestedBy), ("requested_channel", 50, \.requestedChannel), ("encryption_key", 500, \.encryptionKey),
        ("request_data", 65_536, \.requestData),
    ]
    private var tagText: String? { tag }
    private var requestIdText: String? { requestId }
    private var jobIdText: String? { jobId }

    /// Why a field is too long to be a request's (nil when none is).
    var sizeProblem: String? {
        for f in Self.fieldLimits {
            if let v = self[keyPath: f.value], v.utf8.count > f.limit { return "\(f.name) is longer than \(f.limit) bytes (\(v.utf8.count))" }
        }
        return nil
    }

    /// err_message is VARCHAR(300): upstream abbreviates to 297 characters + "...".
    static func abbreviate(_ s: String, _ max: Int = 300) -> String {
        s.count <= max ? s : String(s.prefix(max - 3)) + "..."
    }

    // MARK: JSON form (the local queue's rows, `requests list`)

    static let columns = [
        "tag", "request_id", "job_id", "status", "request_data", "requested_by", "requested_channel",
        "dt_job_submitted", "download_urls", "dt_file_created", "dt_job_completed", "execution_time",
        "err_message", "iteration", "encryption_key", "batch_number", "processed_batches", "lease_owner",
    ]

    var json: JSONValue {
        func s(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        return .object([
            ("tag", .string(tag)), ("request_id", .string(requestId)), ("job_id", .string(jobId)), ("status", .string(status)),
            ("request_data", s(requestData)),  // the text as stored: the duplicate hash depends on it
            ("requested_by", s(requestedBy)), ("requested_channel", s(requestedChannel)),
            ("dt_job_submitted", s(dtJobSubmitted)), ("download_urls", .array(downloadUrls.map { .string($0) })),
            ("dt_file_created", s(dtFileCreated)), ("dt_job_completed", s(dtJobCompleted)),
            ("execution_time", executionTime.map { .int($0) } ?? .null), ("err_message", s(errMessage)),
            ("iteration", .int(Int64(iteration))), ("encryption_key", s(encryptionKey)),
            ("batch_number", batchNumber.map { .int(Int64($0)) } ?? .null), ("processed_batches", s(processedBatches)),
            ("lease_owner", s(leaseOwner)),
        ])
    }

    init(tag: String, requestId: String, jobId: String, status: String = Status.submitted) {
        (self.tag, self.requestId, self.jobId, self.status) = (tag, requestId, jobId, status)
    }

    init(json j: JSONValue) throws {
        guard let tag = j["tag"]?.string, let id = j["request_id"]?.string, let job = j["job_id"]?.string else {
            throw HostError.config("a job request needs tag, request_id and job_id")
        }
        self.init(tag: tag, requestId: id, jobId: job, status: j["status"]?.string ?? Status.submitted)
        switch j["request_data"] {
        case nil, .null?: requestData = nil
        case .string(let s)?: requestData = s
        case let v?: requestData = v.render()
        }
        requestedBy = j["requested_by"]?.string
        requestedChannel = j["requested_channel"]?.string
        dtJobSubmitted = j["dt_job_submitted"]?.string
        downloadUrls = (j["download_urls"]?.array ?? []).compactMap(\.string)
        dtFileCreated = j["dt_file_created"]?.string
        dtJobCompleted = j["dt_job_completed"]?.string
        executionTime = j["execution_time"]?.int
        errMessage = j["err_message"]?.string
        iteration = Int(j["iteration"]?.int ?? 0)
        encryptionKey = j["encryption_key"]?.string
        batchNumber = j["batch_number"]?.int.map { Int($0) }
        switch j["processed_batches"] {
        case nil, .null?: processedBatches = nil
        case .string(let s)?: processedBatches = s
        case let v?: processedBatches = v.render()
        }
        leaseOwner = j["lease_owner"]?.string
    }
}

/// Where requests live. Claims are exclusive and leased: a request is handed to one host at a time,
/// and a host that dies (even by SIGKILL) loses it when its lease expires, so another picks it up.
protocol RequestQueue: AnyObject {
    /// Claims the next eligible request of `jobId` in submission order and marks it PROCESSING under
    /// `owner`'s lease: SUBMITTED, or FAILED with iteration < 3 that completed over `retryAfter` ago,
    /// or PROCESSING whose lease expired. `exclude` holds requests this run already handled.
    func claim(
        jobId: String, owner: String, lease: TimeInterval, retryAfter: TimeInterval, batchNumber: Int?,
        exclude: Set<JobRequest.Key>
    ) throws -> JobRequest?
    /// Extends the lease; false when `owner` no longer holds it.
    func renew(_ key: JobRequest.Key, owner: String, lease: TimeInterval) throws -> Bool
    /// Writes the request's outcome and releases the lease, only while `owner` holds it (false if not).
    func finish(_ request: JobRequest, owner: String) throws -> Bool
    /// Gives the outcome of `original` to its pending duplicates (§1.4); returns their keys.
    func copyToDuplicates(of original: JobRequest, owner: String, retryAfter: TimeInterval) throws -> [JobRequest.Key]
    func submit(_ request: JobRequest) throws
    func list(jobId: String?) throws -> [JobRequest]
    /// Per job: requests by status, the oldest wait, recent failures and retries (`requests stats`).
    func stats(now: Date) throws -> [JobQueueStats]
}

extension RequestQueue {
    /// The embedded queues hold every row in hand anyway; PostgreSQL aggregates in the database.
    func stats(now: Date) throws -> [JobQueueStats] { JobQueueStats.summarize(try list(jobId: nil), now: now) }
}

enum RequestQueueFactory {
    /// `postgres:CONNINFO[#table]` (table default job_request), `sqlite:FILE` or `local:FILE` (JSON lines).
    static func make(_ spec: String, create: Bool = true) throws -> RequestQueue { try make(try QueueSpec(spec), create: create) }

    /// `create: false` for commands that only read (`requests list`, `stats`): a queue that is not
    /// there is an error, never made — monitoring pointed at a typo must not look green.
    static func make(_ spec: QueueSpec, create: Bool = true) throws -> RequestQueue {
        switch spec {
        case .postgres(let conninfo, let table): return try PostgresRequestQueue(conninfo: conninfo, table: table, create: create)
        case .local(let file):
            guard create || FileManager.default.fileExists(atPath: file) else {
                throw HostError.config("request queue \(file) does not exist (a reading command never creates one)")
            }
            return RowRequestQueue(JSONLinesQueueRows(path: file))
        case .sqlite(let file): return try SQLiteRequestQueue(path: file, create: create)
        }
    }
}
