import ArgumentParser
import Foundation
import JobParameters

/// The `dataproducts` command; `Sources/dataproducts/main.swift` runs it.
public struct Dataproducts: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "dataproducts",
        abstract: "Runs Sunbird data-product jobs from independently built plugins.",
        discussion: """
        Exit codes: 0 ok, 64 bad command line, 65 bad config, 66 plugin refused, 67 job failed,
        68 job crashed, 69 job timed out, 70 internal host error.
        """,
        subcommands: [Run.self, Requests.self, Render.self, Load.self, Plugins.self, Child.self]
    )
}

/// Where the deployment lives: registry.json, config/, the plugin folder.
struct HomeOptions: ParsableArguments {
    @Option(help: "Deployment folder holding registry.json and config/ (default: $DATAPRODUCTS_HOME, else the deployment the executable is in, else the current folder).")
    var home: String?

    @Option(help: "Registry file (default: <home>/registry.json).")
    var registry: String?

    @Option(help: "Folder of plugin libraries and manifests (default: the registry's pluginDir).")
    var pluginDir: String?

    var homePath: String { home ?? DeploymentHome.find() }

    func loadRegistry() throws -> Registry {
        let path = registry ?? (homePath as NSString).appendingPathComponent("registry.json")
        guard FileManager.default.fileExists(atPath: path) || registry != nil else {
            throw HostError.config("""
                no deployment found: \(path) does not exist (looked at $DATAPRODUCTS_HOME, the folders above the \
                executable and the current folder); pass --home DIR or set DATAPRODUCTS_HOME to the folder holding registry.json
                """)
        }
        return try Registry.load(path: path, pluginDirOverride: pluginDir)
    }
}

/// The model config and what renders it.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Model config template (default: <home>/config/jobs/<job>.json).")
    var config: String?

    @Option(help: "Environment: loads <home>/config/env/<env>.json and limits plugins to the environment's set.")
    var env: String?

    @Option(name: .customLong("vars"), help: "Extra variables file (JSON object); may repeat, later wins.")
    var varsFiles: [String] = []

    @Option(name: .customLong("set"), help: "Set a template variable, NAME=VALUE (VALUE as JSON literal or text); may repeat.")
    var sets: [String] = []

    func effective(home: String, job: String?) throws -> EffectiveConfig {
        guard let path = config ?? job.map({ (home as NSString).appendingPathComponent("config/jobs/\($0).json") }) else {
            throw HostError.config("no config: pass --config FILE or a JOB whose config is in config/jobs/")
        }
        var files: [String] = []
        if let env { files.append((home as NSString).appendingPathComponent("config/env/\(env).json")) }
        return try EffectiveConfig.load(templatePath: path, variablesFiles: files + varsFiles, overrides: sets)
    }
}

/// Runs `body`, turning host errors into one line on stderr and their exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode {
        throw e
    } catch {
        let e = error as? HostError ?? .internal("\(error)")
        FileHandle.standardError.write(Data("dataproducts: error: \(e.description)\n".utf8))
        throw ExitCode(e.exitCode)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job and publish its reports.",
        discussion: "JOB is a job id or an upstream class name; when omitted, the config's \"model\" names it.")

    @Argument(help: "Job id (e.g. admin-geo-reports) or upstream class name.")
    var job: String?

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        try reportingErrors {
            let execution = try runOptions.execution(job: job, home: homeOptions, config: configOptions)
            installCancellationHandlers()
            let result = try execution.run()
            print("\(result.jobId): \(result.published.count) report file(s) in \(String(format: "%.3f", result.seconds)) s")
            for p in result.published { print("  \(p)") }
        }
    }
}

/// Where a job's data comes from and goes to, and how it runs: shared by `run` and `requests run`.
struct RunOptions: ParsableArguments {
    @Option(help: "Table store: local:DIR (JSON-lines tables) or postgres:CONNINFO. Default: $DATAPRODUCTS_STORE or local:<home>/data.")
    var store: String?

    @Option(help: "HTTP connector for jobs: none, live[:options], or canned:DIR (recorded answers in DIR/answers.json). Default: $DATAPRODUCTS_HTTP or none.")
    var http: String?

    @Option(help: "Redis for the user cache: redis://host:port/db or local:FILE (JSON lines of {key, fields}) (default: $DATAPRODUCTS_REDIS, else modelParams sparkRedisConnectionHost / sparkUserDbRedisPort / sparkUserDbRedisIndex).")
    var redis: String?

    @Option(help: "Course cache (optional nodes of collections): redis://host:port/db or local:FILE (JSON lines of {key, members}). Default: $DATAPRODUCTS_COURSE_REDIS, else modelParams sunbird.course.redis.host / .port / .relationCache.id.")
    var courseRedis: String?

    @Option(help: "Blob store for jobs: local:DIR or s3://bucket/prefix?endpoint=URL&region=R&style=path|virtual (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Default: $DATAPRODUCTS_BLOB or local:<home>/blob.")
    var blob: String?

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

    /// Checks every spec (a wrong one is a config error, found before any job starts) and builds the run:
    /// the job first (an unknown id is refused with the known ones, exit 66), then its config and its
    /// declared parameters (exit 65 naming the key), then the connector specs.
    func execution(job: String?, home homeOptions: HomeOptions, config configOptions: ConfigOptions,
                   onDemand: Bool = false) throws -> JobExecution {
        let env = ProcessInfo.processInfo.environment
        let home = homeOptions.homePath
        let registry = try homeOptions.loadRegistry()
        let resolver = PluginResolver(registry: registry, environment: configOptions.env)
        var resolved = try job.map { try resolver.resolve(job: $0) }
        let config = try configOptions.effective(home: home, job: resolved?.1 ?? job)
        if resolved == nil {
            guard let model = config.model else { throw HostError.config("no job: pass JOB or set \"model\" in the config") }
            resolved = try resolver.resolve(job: model)
        }
        let (plugin, jobName) = resolved!
        let declared = plugin.manifest.jobs.first { $0.id == jobName }?.params ?? .object([])
        let parameters = try HostParameters.resolve(config, job: jobName,
                                                    declared: HostParameters.declarations(job: declared, onDemand: onDemand))
        guard let level = JobLogger.Level.allNamed[logLevel.uppercased()] else {
            throw HostError.config("unknown --log-level \(logLevel)")
        }
        if let timeout, timeout <= 0 { throw HostError.config("--timeout must be positive") }
        let storeSpec = store ?? env["DATAPRODUCTS_STORE"] ?? "local:" + (home as NSString).appendingPathComponent("data")
        let httpSpec = http ?? env["DATAPRODUCTS_HTTP"] ?? "none"
        _ = try StoreFactory.make(storeSpec)
        _ = try HTTPConnectorFactory.make(httpSpec)
        let redisURL = redis ?? env["DATAPRODUCTS_REDIS"]
        if let redisURL, !redisURL.hasPrefix("local:") { _ = try RedisSettings(url: redisURL) }
        let blobSpec = blob ?? env["DATAPRODUCTS_BLOB"] ?? "local:" + (home as NSString).appendingPathComponent("blob")
        _ = try BlobStoreFactory.make(blobSpec)
        let courseCache = courseRedis ?? env["DATAPRODUCTS_COURSE_REDIS"]
        if let courseCache, !courseCache.hasPrefix("local:") { _ = try RedisSettings(url: courseCache) }
        var execution = JobExecution(
            registry: registry, environment: configOptions.env, config: config, job: jobName,
            store: storeSpec, http: httpSpec, redis: redisURL, blob: blobSpec,
            output: output ?? env["DATAPRODUCTS_OUTPUT"] ?? (home as NSString).appendingPathComponent("reports"),
            timeout: timeout, inProcess: inProcess, logFile: logFile, logLevel: level)
        execution.courseRedis = courseCache
        execution.resolved = resolved
        execution.parameters = parameters
        return execution
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective (rendered) model config of a job, checked against the job's declared parameters.",
        discussion: "A config that does not fit the declarations (wrong type, missing required key) exits 65 naming the key.")

    @Argument(help: "Job id whose config/jobs/<job>.json to render (or use --config).")
    var job: String?

    @Flag(help: "Print the job's parameters with their effective values instead of the config.")
    var params = false

    @Flag(help: "Parameters of `requests run` too (with --params).")
    var onDemand = false

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        try reportingErrors {
            let home = homeOptions.homePath
            let registry = try homeOptions.loadRegistry()
            // --env picks the variables here; which plugins an environment gets matters when a job runs.
            let resolver = PluginResolver(registry: registry, environment: nil)
            var resolved = try job.map { try resolver.described(job: $0) }
            let config = try configOptions.effective(home: home, job: resolved?.id ?? job)
            if resolved == nil, let model = config.model { resolved = try resolver.described(job: model) }
            guard let resolved else {
                print(config.json.pretty())  // a config for no known job: rendered, nothing to check it against
                return
            }
            let declared = HostParameters.declarations(job: resolved.params, onDemand: onDemand || params)
            let values = try HostParameters.resolve(config, job: resolved.id, declared: declared)
            guard params else { return print(config.json.pretty()) }
            print("\(resolved.id) (\(configOptions.config ?? "config/jobs/\(resolved.id).json")\(configOptions.env.map { ", env \($0)" } ?? ""))")
            ParameterListing.lines(declared, values: values, indent: "  ").forEach { print($0) }
        }
    }
}

/// The hidden subcommand a job's child process runs.
struct Child: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "_child", abstract: "Internal: run one job spec.",
                                                    shouldDisplay: false)
    @Option var spec: String

    func run() throws {
        let code = JobExecution.childMain(specPath: spec)
        if code != 0 { throw ExitCode(code) }
    }
}
