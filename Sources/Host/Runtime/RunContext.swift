import Foundation
import PluginAPI
import JobParameters
import RowBatch

/// The state behind one `dp_run *`: what the host functions of a running job read and write.
final class RunContext {
    let jobId: String
    let store: TableStore
    let http: HTTPConnector
    /// `--redis`, `--course-redis`, `--blob` as the command line gave them (typed, checked once).
    let connectors: Connectors
    private var redisClient: HashSource?
    let staging: Staging
    let logger: JobLogger
    /// How this job's CSV reports are written (modelParams.csvDialect).
    let csvDialect: CSVDialect
    /// The modelParams keys the host reads (HostParameters.all), typed.
    let hostParameters: ResolvedParameters
    let progress: RunProgress
    /// The run clock (ABI now_ms).
    let nowMillis: Int64
    private(set) var counters: [(String, Int64)] = []
    /// What the plugin said went wrong (host->set_error).
    var errorMessage: String?
    private(set) var openReports: [ObjectIdentifier: ReportHandle] = [:]
    private(set) var reportRows: Int64 = 0
    /// Bytes per closed report id (ABI report_size).
    private(set) var reportBytes: [String: UInt64] = [:]
    /// The on-demand request this run serves (ABI request), and what the job answered (set_result).
    private var requestC: CString?
    var resultJSON: String?
    /// Each tenant's data-security level for this job (ABI report_secure), asked once.
    var securityLevels: [String: String] = [:]
    /// Calls to make once the reports are published (ABI http_after_publish), in call order.
    var afterPublish: [DeferredHTTPCall] = []

    // C copies of the strings the host hands out; freed with the run.
    private let jobIdC: CString
    private let configC: CString
    private var lastErrorC: CString?
    private var lastResponseC: CString?

    init(
        jobId: String, configText: String, store: TableStore, http: HTTPConnector, connectors: Connectors,
        staging: Staging, logger: JobLogger, progressLabel: String? = nil, nowMillis: Int64 = RunClock.millis(Date())
    ) {
        self.jobId = jobId
        self.nowMillis = nowMillis
        self.connectors = connectors
        // Checked by the parent before the run; a bad value cannot reach here from `run` or `requests run`.
        let modelParams = (try? JSONParser.parse(configText))?["modelParams"]
        let host = (try? ResolvedParameters(modelParams, declared: HostParameters.all.map(\.declaration))) ?? ResolvedParameters()
        self.hostParameters = host
        self.csvDialect = CSVDialect(rawValue: host[HostParameters.csvDialect]) ?? .spark
        self.store = store
        self.http = http
        self.staging = staging
        self.logger = logger
        self.progress = RunProgress(label: progressLabel ?? jobId)
        self.jobIdC = CString(jobId)
        self.configC = CString(configText)
    }

    var jobIdStr: dp_str { jobIdC.dp }
    var configStr: dp_str { configC.dp }
    var lastError: dp_str { lastErrorC?.dp ?? dp_str(data: nil, len: 0) }
    /// The last failed host call's message, for a job that returns its status without one of its own.
    private(set) var lastErrorText: String?
    var requestStr: dp_str { requestC?.dp ?? dp_str(data: nil, len: 0) }
    func setRequest(_ json: String?) { requestC = json.map(CString.init) }

    /// The blob store (`--blob`), opened on first use.
    private var blobStore: BlobStore?
    private var lastBlob: UnsafeMutableRawPointer?

    func blob() throws -> BlobStore {
        if let blobStore { return blobStore }
        let s = try BlobStoreFactory.make(connectors.blob)
        blobStore = s
        return s
    }

    /// Keeps blob bytes alive until the next blob call (the ABI's lifetime rule).
    func keepBlob(_ data: Data) -> dp_bytes {
        free(lastBlob)
        lastBlob = malloc(max(data.count, 1))
        data.copyBytes(to: lastBlob!.assumingMemoryBound(to: UInt8.self), count: data.count)
        return dp_bytes(data: UnsafePointer(lastBlob!.assumingMemoryBound(to: UInt8.self)), len: data.count)
    }

    deinit { free(lastBlob) }

    /// The run's Redis connection, opened on first use.
    func redis() throws -> HashSource {
        if let redisClient { return redisClient }
        switch connectors.userCache {
        case .local(let file)?:
            redisClient = try SQLiteUserCache.importing(jsonLines: file)
            return redisClient!
        case .sqlite(let file)?:
            redisClient = try SQLiteUserCache(path: file)
            return redisClient!
        default: break
        }
        let client = RedisClient(try userCacheRedis())
        redisClient = client
        return client
    }

    /// The user cache's Redis server: `--redis redis://…`, else modelParams sparkRedisConnectionHost.
    private func userCacheRedis() throws -> RedisSettings {
        guard let settings = connectors.userCache?.redisSettings ?? RedisSettings(parameters: hostParameters) else {
            throw HostCallError(
                status: DP_ERROR_UNSUPPORTED,
                description:
                    "no Redis configured: pass --redis redis://host:port/db or set modelParams.sparkRedisConnectionHost")
        }
        return settings
    }

    /// `sunbird_encryption_key` (DecryptUtil's salt): $SUNBIRD_ENCRYPTION_KEY, else modelParams.sunbirdEncryptionKey.
    lazy var sunbirdEncryptionKey: String =
        ProcessInfo.processInfo.environment["SUNBIRD_ENCRYPTION_KEY"]
        ?? hostParameters[HostParameters.encryptionKey] ?? ""
    private var lastDecryptedC: CString?

    func keepDecrypted(_ s: String) -> dp_str {
        lastDecryptedC = CString(s)
        return lastDecryptedC!.dp
    }

    /// `--course-redis` (redis://… or local:FILE), else modelParams `sunbird.course.redis.host` /
    /// `.port` / `.relationCache.id` (upstream's AppConf keys); opened on first use.
    private var courseCacheSource: SetSource?

    func courseCache() throws -> SetSource {
        if let courseCacheSource { return courseCacheSource }
        let source: SetSource
        switch connectors.courseCache {
        case .local(let file)?: source = try LocalSetFile(path: file)
        case .sqlite?:
            throw HostCallError(status: DP_ERROR_UNSUPPORTED, description: "--course-redis takes redis://... or local:FILE (sets), not sqlite:")
        case .redis(let url)?: source = RedisClient(try RedisSettings(url: url))
        case nil:
            guard let host = hostParameters[HostParameters.courseRedisHost], !host.isEmpty else {
                throw HostCallError(
                    status: DP_ERROR_UNSUPPORTED,
                    description:
                        "no course cache configured: pass --course-redis redis://host:port/db or set modelParams sunbird.course.redis.host")
            }
            var settings = RedisSettings()
            settings.host = host
            settings.port = Int32(clamping: hostParameters[HostParameters.courseRedisPort])
            settings.db = hostParameters[HostParameters.courseRedisIndex]
            source = RedisClient(settings)
        }
        courseCacheSource = source
        return source
    }

    /// The store a migration call names: "" the run's, "target" `--target-store` (else the run's).
    private var targetTableStore: TableStore?

    func store(named name: String) throws -> TableStore {
        switch name {
        case "": return store
        case "target":
            guard let spec = connectors.targetStore else { return store }
            if let targetTableStore { return targetTableStore }
            // A migration may be the first to write an embedded target: its file is made here.
            if case .sqlite(let path) = spec, !FileManager.default.fileExists(atPath: path) { _ = try SQLiteConnection(path) }
            let s = try StoreFactory.make(spec)
            targetTableStore = s
            return s
        default: throw HostCallError.invalid("unknown store '\(name)' (expected \"\" or \"target\")")
        }
    }

    /// Whether a store name resolves to the run's own store.
    func isRunStore(_ name: String) -> Bool {
        name == "" || (name == "target" && (connectors.targetStore == nil || connectors.targetStore == connectors.store))
    }

    private var lastColumnsC: CString?
    func keepColumns(_ json: String) -> dp_str {
        lastColumnsC = CString(json)
        return lastColumnsC!.dp
    }

    /// Replacements the job has open (ABI 1.7), each retained once for the plugin's pointer.
    private(set) var openReplacements: [ObjectIdentifier: ReplacementHandle] = [:]
    func register(_ h: ReplacementHandle) { openReplacements[ObjectIdentifier(h)] = h }
    func closed(_ h: ReplacementHandle) { openReplacements[ObjectIdentifier(h)] = nil }

    /// Rolls back the replacements the plugin left open: only a commit changes a table.
    func abortLeftoverReplacements() {
        for h in openReplacements.values {
            h.replacement.abort()
            Unmanaged.passUnretained(h).release()
        }
        openReplacements.removeAll()
    }

    /// User-cache writers the job has open (ABI 1.9), each retained once for the plugin's pointer.
    private(set) var openCacheWriters: [ObjectIdentifier: CacheWriterHandle] = [:]
    func register(_ h: CacheWriterHandle) { openCacheWriters[ObjectIdentifier(h)] = h }
    func closed(_ h: CacheWriterHandle) { openCacheWriters[ObjectIdentifier(h)] = nil }

    /// Aborts the cache writers the plugin left open: a refresh not committed changes nothing.
    func abortLeftoverCacheWriters() {
        for h in openCacheWriters.values {
            h.writer.abort()
            Unmanaged.passUnretained(h).release()
        }
        openCacheWriters.removeAll()
    }

    /// The user cache's server for maintenance (ABI 1.9), opened on first use: the embedded file or
    /// the Redis server of --redis / modelParams.
    private var maintenance: CacheMaintenance?
    func cacheMaintenance() throws -> CacheMaintenance {
        if let maintenance { return maintenance }
        let made: CacheMaintenance
        switch connectors.userCache {
        case .sqlite(let file)?: made = try SQLiteCacheMaintenance(path: file)
        case .local?:
            throw HostCallError(
                status: DP_ERROR_UNSUPPORTED, description: "--redis local:FILE is a read-only snapshot: rebuild the cache in sqlite:FILE or redis://")
        default:
            made = RedisCacheMaintenance(try userCacheRedis(), stagingDb: hostParameters[HostParameters.cacheStagingIndex])
        }
        maintenance = made
        return made
    }

    /// The run's work items (ABI 1.10): shared in PostgreSQL when the run's store is, else in process.
    private var work: WorkQueue?
    /// Set when work_finish chose this host to combine the run.
    var combinesWork = false
    private var workItemC: CString?

    func keepWorkItem(_ item: String) -> dp_str {
        workItemC = CString(item)
        return workItemC!.dp
    }

    /// `workRunId`, else the job and the run clock's UTC day: every host started for the day agrees.
    var workRunId: String {
        let given = hostParameters[HostParameters.workRunId]
        return given.isEmpty ? "\(jobId)/\(RunClock.dayFormat.string(from: Date(timeIntervalSince1970: Double(nowMillis) / 1000)))" : given
    }

    func workQueue() throws -> WorkQueue {
        if let work { return work }
        let made: WorkQueue
        if let pg = store as? PostgresStore {
            made = try PostgresWorkQueue(
                conninfo: pg.conninfo, runId: workRunId, jobId: jobId, owner: LeaseOwner.make(),
                lease: TimeInterval(hostParameters[HostParameters.workLeaseSeconds]))
        } else {
            made = LocalWorkQueue()
        }
        work = made
        return made
    }

    /// What the publishing process marks once the combined output is published (nil: nothing).
    var workCombine: WorkCombine? {
        guard combinesWork, let pg = work as? PostgresWorkQueue else { return nil }
        return WorkCombine(conninfo: (store as! PostgresStore).conninfo, runId: pg.runId, owner: pg.owner)
    }

    /// The run's Kafka producer (`--kafka`), opened on the first message; nil while none was sent.
    private(set) var kafkaProducer: KafkaProducer?

    func kafka() throws -> KafkaProducer {
        if let kafkaProducer { return kafkaProducer }
        guard let spec = connectors.kafka else {
            throw HostCallError(status: DP_ERROR_UNSUPPORTED, description: "no Kafka configured: pass --kafka host:port (or set $DATAPRODUCTS_KAFKA)")
        }
        let producer = try KafkaProducer(spec, logger: logger)
        kafkaProducer = producer
        return producer
    }

    private var druidConnector: DruidConnector?

    /// The run's Druid brokers (`--druid`), set up on the first query.
    func druid() throws -> DruidConnector {
        if let druidConnector { return druidConnector }
        guard let spec = connectors.druid else {
            throw HostCallError(
                status: DP_ERROR_UNSUPPORTED, description: "no Druid configured: pass --druid http://broker:8082 (or set $DATAPRODUCTS_DRUID)")
        }
        let connector = try DruidConnector(spec)
        druidConnector = connector
        return connector
    }

    /// Keeps a response body alive until the next http call (the ABI's lifetime rule).
    func keepResponse(_ body: String) -> dp_str {
        lastResponseC = CString(body)
        return lastResponseC!.dp
    }

    /// Records a failed host call's message and returns its status.
    func fail(_ error: Error) -> dp_status {
        let (status, message): (dp_status, String)
        switch error {
        case let e as HostCallError: (status, message) = (e.status, e.description)
        case let e as RowBatchError: (status, message) = (DP_ERROR_DATA, e.description)
        case let e as HostError: (status, message) = (DP_ERROR_INTERNAL, e.description)
        default: (status, message) = (DP_ERROR_INTERNAL, "\(error)")
        }
        lastErrorC = CString(message)
        lastErrorText = message
        return status
    }

    func count(_ name: String, _ delta: Int64) {
        if let i = counters.firstIndex(where: { $0.0 == name }) { counters[i].1 += delta } else { counters.append((name, delta)) }
    }

    func register(_ h: ReportHandle) { openReports[ObjectIdentifier(h)] = h }
    var openReportIds: [String] { openReports.values.map(\.sink.reportId) }

    /// Pull scans the job has open (ABI 1.5), each retained once for the plugin's pointer.
    private(set) var openCursors: [ObjectIdentifier: ScanCursor] = [:]
    func register(_ c: ScanCursor) { openCursors[ObjectIdentifier(c)] = c }
    func closed(_ c: ScanCursor) { openCursors[ObjectIdentifier(c)] = nil }

    /// Closes cursors the plugin left open (their producer threads stop) and drops the plugin's reference.
    func closeLeftoverCursors() {
        for c in openCursors.values {
            c.close()
            Unmanaged.passUnretained(c).release()
        }
        openCursors.removeAll()
    }

    func closed(_ h: ReportHandle) {
        openReports[ObjectIdentifier(h)] = nil
        reportRows += h.sink.rows
        reportBytes[h.sink.reportId, default: 0] += h.sink.closedBytes
    }

    /// Closes reports the plugin left open (a plugin that forgets close still gets whole files).
    func closeLeftoverReports() throws {
        for h in openReports.values {
            try h.sink.close()
            closed(h)
        }
    }
}

/// Set by SIGTERM/SIGINT; read by is_cancelled. A plain global: signal handlers cannot capture.
nonisolated(unsafe) var cancelRequested: sig_atomic_t = 0
