import JobParameters
import RowBatch

/// The `modelParams` keys the host itself reads, declared like a job's (and checked with them before
/// any job starts). Upstream spreads these between modelParams and AppConf; here each is a model param.
enum HostParameters {
    static let csvDialect = Param<String>(
        "csvDialect", default: CSVDialect.spark.rawValue, oneOf: CSVDialect.allCases.map(\.rawValue),
        doc: "CSV reports: spark (upstream's bytes: values trimmed, \\\" inside quotes) or rfc4180 (values kept, \"\" inside quotes)")
    static let redisHost = Param<String?>("sparkRedisConnectionHost", doc: "user cache Redis host (when --redis is not given)")
    static let redisPort = Param<Int>("sparkUserDbRedisPort", default: 6379, in: 1...65535, doc: "user cache Redis port")
    static let redisIndex = Param<Int>("sparkUserDbRedisIndex", default: 0, in: 0...65535, doc: "user cache Redis database")
    static let cacheStagingIndex = Param<Int>(
        "userCacheStagingIndex", default: 15, in: 0...65535,
        doc: "Redis database a user-cache refresh is built in before SWAPDB switches it in (must hold nothing else)")
    static let workRunId = Param<String>(
        "workRunId", default: "", doc: "the run whose work items this host drains (empty: the job and the run clock's UTC day)")
    static let workLeaseSeconds = Param<Int>(
        "workLeaseSeconds", default: 300, in: 1...86_400, doc: "how long a host holds a work item before another may take it over")
    static let courseRedisHost = Param<String?>("sunbird.course.redis.host", doc: "course cache Redis host (when --course-redis is not given)")
    static let courseRedisPort = Param<Int>("sunbird.course.redis.port", default: 6379, in: 1...65535, doc: "course cache Redis port")
    static let courseRedisIndex = Param<Int>("sunbird.course.redis.relationCache.id", default: 5, in: 0...65535, doc: "course cache Redis database")
    static let cassandraHost = Param<String?>("sparkCassandraConnectionHost", doc: "database host when the store's conninfo names none")
    static let encryptionKey = Param<String?>("sunbirdEncryptionKey", doc: "DecryptUtil salt when $SUNBIRD_ENCRYPTION_KEY is unset")

    // The tenant's security policy and public keys: for requests and for scheduled reports (report_secure).
    static let tenantPreferenceUrl = Param<String?>("tenantPreferenceUrl", doc: "tenant preference read API (security level, PII fields)")
    static let orgSearchUrl = Param<String?>("orgSearchUrl", doc: "org search API (public keys for PUBLIC_KEY_ENCRYPTED_DATASET)")
    // What `requests run` reads besides: the per-channel throttle and the queue's selection.
    static let batchesLimitPerChannel = Param<Int>("batchesLimitPerChannel", default: 30, in: 1...Int.max, doc: "batches per requesting org per run")
    static let fileSizeLimitPerChannel = Param<Int>(
        "fileSizeLimitPerChannel", default: 1_073_741_824, in: 1...Int.max, doc: "CSV bytes per requesting org per run")
    static let maxErrorMessageLength = Param<Int>(
        "maxErrorMessageLength", default: 250, in: 1...300, doc: "characters of an error kept in err_message")
    static let batchNumber = Param<Int?>("batchNumber", in: 0...Int(Int32.max), doc: "only requests with this batch_number")

    /// Read for every job.
    static let all: [any ParameterDeclaring] = [
        csvDialect, redisHost, redisPort, redisIndex, cacheStagingIndex, workRunId, workLeaseSeconds, courseRedisHost, courseRedisPort,
        courseRedisIndex, cassandraHost,
        encryptionKey,
        tenantPreferenceUrl, orgSearchUrl,
    ]
    /// Read by `requests run` as well.
    static let requests: [any ParameterDeclaring] = [
        batchesLimitPerChannel, fileSizeLimitPerChannel, maxErrorMessageLength, batchNumber,
    ]

    /// A job's declarations (from its manifest) with the host's; the host's win on a shared name.
    static func declarations(job: JSONValue, onDemand: Bool) -> [Parameter] {
        let host = (all + (onDemand ? requests : [])).map(\.declaration)
        let names = Set(host.map(\.name))
        return host + ParameterSchema.parse(job).compactMap(\.parameter).filter { !names.contains($0.name) }
    }

    /// The config's modelParams checked against `declared`; a misfit is a config error (exit 65).
    static func resolve(_ config: EffectiveConfig, job: String, declared: [Parameter]) throws -> ResolvedParameters {
        do { return try ResolvedParameters(config.json["modelParams"], declared: declared) } catch let error as ParameterError {
            throw HostError.config("config of job \(job): " + error.problems.joined(separator: "; "))
        }
    }
}
