import ArgumentParser
import Foundation
import JobParameters

/// Where a job's data comes from and goes to, and how it runs: shared by `run` and `requests run`.
struct RunOptions: ParsableArguments {
    @Option(help: "Table store: local:DIR (JSON-lines tables) or postgres:CONNINFO. Default: $DATAPRODUCTS_STORE or local:<home>/data.")
    var store: String?

    @Option(
        help:
            "Second store migrations write to (same forms as --store; e.g. the report database). Default: $DATAPRODUCTS_TARGET_STORE, else --store."
    )
    var targetStore: String?

    @Option(
        help:
            "HTTP connector for jobs: none, live[:options], or canned:DIR (recorded answers in DIR/answers.json). Default: $DATAPRODUCTS_HTTP or none."
    )
    var http: String?

    @Option(
        help:
            "Redis for the user cache: redis://[[user]:password@]host:port/db or local:FILE (JSON lines of {key, fields}) (default: $DATAPRODUCTS_REDIS, else modelParams sparkRedisConnectionHost / sparkUserDbRedisPort / sparkUserDbRedisIndex)."
    )
    var redis: String?

    @Option(
        help:
            "Course cache (optional nodes of collections): redis://[[user]:password@]host:port/db or local:FILE (JSON lines of {key, members}). Default: $DATAPRODUCTS_COURSE_REDIS, else modelParams sunbird.course.redis.host / .port / .relationCache.id."
    )
    var courseRedis: String?

    @Option(
        help:
            "Blob store for jobs: local:DIR or s3://bucket/prefix?endpoint=URL&region=R&style=path|virtual (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Default: $DATAPRODUCTS_BLOB or local:<home>/blob."
    )
    var blob: String?

    @Option(
        help: ArgumentHelp(
            "Kafka for jobs' messages: host:port[,host:port...][?property=value&...] (librdkafka properties over the defaults acks=all, enable.idempotence=true, message.timeout.ms=30000). Default: $DATAPRODUCTS_KAFKA, else none.",
            valueName: "brokers"))
    var kafka: String?

    @Option(
        help:
            "Topic for the metric event sent after each run (upstream metric.kafka.topic, e.g. <env>.prom.monitoring.metrics; needs --kafka). Default: $DATAPRODUCTS_METRICS_TOPIC, else none."
    )
    var metricsTopic: String?

    @Option(
        help: ArgumentHelp(
            "Druid for jobs' queries: the broker URL[,rollup=URL][,timeoutMs=N,attempts=N,backoffMs=N] (the roll-up broker answers roll-up, distinct and snapshot data sources), or canned:DIR (recorded answers in DIR/answers.json). Default: $DATAPRODUCTS_DRUID, else none.",
            valueName: "druid"))
    var druid: String?

    @Option(help: "Output folder for reports (default: $DATAPRODUCTS_OUTPUT or <home>/reports).")
    var output: String?

    @Option(help: "Kill the job after this many seconds (default: no limit).")
    var timeout: Double?

    @Flag(help: "Run the plugin inside the host process (debugging; a crash then takes the host down).")
    var inProcess = false

    @Option(help: "Append JSON log lines to this file (default: stderr).")
    var logFile: String?

    @Option(help: "Lowest JOB_LOG level written: DEBUG, INFO, WARN, ERROR.")
    var logLevel: String = "INFO"

    @Option(
        help: ArgumentHelp(
            "The time the job takes as now, for every date rule (re-run yesterday's job; pin a test's day): YYYY-MM-DD (00:00 UTC), an ISO-8601 date-time with Z or an offset, or epoch milliseconds. Default: the host's start.",
            valueName: "time"))
    var now: String?

    /// `--now` is checked where it is read (RunClock.parse: a config error, 65).
    func validate() throws {
        try OptionRanges.check(timeout, "--timeout", 0.001...OptionRanges.month)
    }

    /// Checks every spec (a wrong one is a config error, found before any job starts) and builds the run:
    /// the job first (an unknown id is refused with the known ones, exit 66), then its config and its
    /// declared parameters (exit 65 naming the key), then the connector specs.
    func execution(
        job: String?, home homeOptions: HomeOptions, config configOptions: ConfigOptions,
        onDemand: Bool = false
    ) throws -> JobExecution {
        let env = ProcessInfo.processInfo.environment
        let home = homeOptions.homePath
        let registry = try homeOptions.loadRegistry()
        let resolver = PluginResolver(registry: registry, environment: configOptions.env)
        let (found, config) = try configOptions.job(job, home: home, registry: registry, lookup: resolver.resolve(job:), id: \.1)
        guard let resolved = found else { throw HostError.config("no job: pass JOB or set \"model\" in the config") }
        let (plugin, jobName) = resolved
        let declared = plugin.manifest.jobs.first { $0.id == jobName }?.params ?? .object([])
        let parameters = try HostParameters.resolve(
            config, job: jobName,
            declared: HostParameters.declarations(job: declared, onDemand: onDemand))
        guard let level = JobLogger.Level.allNamed[logLevel.uppercased()] else {
            throw HostError.config("unknown --log-level \(logLevel)")
        }
        if let timeout, timeout <= 0 { throw HostError.config("--timeout must be positive") }
        let connectors = try self.connectors(home: home)
        _ = try StoreFactory.make(connectors.store)  // a missing local folder is found now, not in the job
        var execution = JobExecution(
            registry: registry, environment: configOptions.env, config: config, job: jobName, connectors: connectors,
            output: output ?? env["DATAPRODUCTS_OUTPUT"] ?? (home as NSString).appendingPathComponent("reports"),
            timeout: timeout, inProcess: inProcess, logFile: logFile, logLevel: level)
        if let now { execution.now = try RunClock.parse(now) }
        execution.resolved = resolved
        execution.parameters = parameters
        return execution
    }
}

extension RunOptions {
    /// The connector options, each parsed once (exit 65 for a wrong one), with their $DATAPRODUCTS_* defaults.
    func connectors(home: String, environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> Connectors {
        let under = { (name: String) in "local:" + (home as NSString).appendingPathComponent(name) }
        let kafkaSpec = try (kafka ?? env["DATAPRODUCTS_KAFKA"]).flatMap { $0.isEmpty ? nil : try KafkaSpec($0) }
        let metrics = (metricsTopic ?? env["DATAPRODUCTS_METRICS_TOPIC"]).flatMap { $0.isEmpty ? nil : $0 }
        if let kafkaSpec { try KafkaProducer.check(kafkaSpec) }
        if metrics != nil, kafkaSpec == nil { throw HostError.config("--metrics-topic needs --kafka (or $DATAPRODUCTS_KAFKA)") }
        return Connectors(
            store: try StoreSpec(store ?? env["DATAPRODUCTS_STORE"] ?? under("data")),
            targetStore: try (targetStore ?? env["DATAPRODUCTS_TARGET_STORE"]).flatMap { $0.isEmpty ? nil : try StoreSpec($0) },
            http: try HTTPSpec(http ?? env["DATAPRODUCTS_HTTP"] ?? "none"),
            userCache: try (redis ?? env["DATAPRODUCTS_REDIS"]).map(CacheSpec.init),
            courseCache: try (courseRedis ?? env["DATAPRODUCTS_COURSE_REDIS"]).map(CacheSpec.init),
            blob: try BlobSpec(blob ?? env["DATAPRODUCTS_BLOB"] ?? under("blob")),
            kafka: kafkaSpec, metricsTopic: metrics,
            druid: try (druid ?? env["DATAPRODUCTS_DRUID"]).flatMap { $0.isEmpty ? nil : try DruidSpec($0) })
    }
}
