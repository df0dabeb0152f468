import Foundation
import RowBatch
import PluginAPI

/// Everything a process needs to run one job; the parent writes it as JSON for the child.
struct RunSpec {
    var libraryPath: String
    var manifestPath: String
    var jobId: String
    var configText: String
    var store: String
    var http: String
    var redis: String?
    var blob: String?
    var stagingDir: String
    var output: String
    var logFile: String?
    var logLevel: String
    /// The on-demand request the run serves (JSON), if any.
    var request: String?
    /// `--course-redis`: the course cache (optional nodes).
    var courseRedis: String?
    /// What the terminal progress line starts with (the job id, or the request being served).
    var progressLabel: String?

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("libraryPath", .string(libraryPath)), ("manifestPath", .string(manifestPath)), ("jobId", .string(jobId)),
            ("configText", .string(configText)), ("store", .string(store)), ("http", .string(http)), ("stagingDir", .string(stagingDir)),
            ("output", .string(output)), ("logLevel", .string(logLevel)),
        ]
        if let logFile { pairs.append(("logFile", .string(logFile))) }
        if let redis { pairs.append(("redis", .string(redis))) }
        if let blob { pairs.append(("blob", .string(blob))) }
        if let request { pairs.append(("request", .string(request))) }
        if let courseRedis { pairs.append(("courseRedis", .string(courseRedis))) }
        if let progressLabel { pairs.append(("progressLabel", .string(progressLabel))) }
        return .object(pairs)
    }

    init(libraryPath: String, manifestPath: String, jobId: String, configText: String, store: String, http: String,
         stagingDir: String, output: String, logFile: String?, logLevel: String) {
        (self.libraryPath, self.manifestPath, self.jobId, self.configText, self.store) = (libraryPath, manifestPath, jobId, configText, store)
        self.http = http
        (self.stagingDir, self.output, self.logFile, self.logLevel) = (stagingDir, output, logFile, logLevel)
    }

    init(json j: JSONValue) throws {
        func s(_ k: String) throws -> String {
            guard let v = j[k]?.string else { throw HostError.internal("run spec lacks \(k)") }
            return v
        }
        self.init(libraryPath: try s("libraryPath"), manifestPath: try s("manifestPath"), jobId: try s("jobId"),
                  configText: try s("configText"), store: try s("store"), http: try s("http"), stagingDir: try s("stagingDir"),
                  output: try s("output"), logFile: j["logFile"]?.string, logLevel: try s("logLevel"))
        redis = j["redis"]?.string
        blob = j["blob"]?.string
        request = j["request"]?.string
        courseRedis = j["courseRedis"]?.string
        progressLabel = j["progressLabel"]?.string
    }
}

/// How a job run ended, as the process that ran it saw it.
struct RunOutcome {
    enum Kind: String { case succeeded, failed, refused }
    var kind: Kind
    var message: String
    var counters: [(String, Int64)]
    /// The job's answer for its request (ABI set_result), if it gave one.
    var result: String?

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("message", .string(message)),
                                            ("counters", .object(counters.map { ($0.0, .int($0.1)) }))]
        if let result { pairs.append(("result", .string(result))) }
        return .object(pairs)
    }

    init(kind: Kind, message: String, counters: [(String, Int64)] = [], result: String? = nil) {
        (self.kind, self.message, self.counters, self.result) = (kind, message, counters, result)
    }

    init?(json j: JSONValue) {
        guard let k = j["kind"]?.string.flatMap(Kind.init(rawValue:)) else { return nil }
        var counters: [(String, Int64)] = []
        if case .object(let pairs)? = j["counters"] { counters = pairs.compactMap { k, v in v.int.map { (k, $0) } } }
        self.init(kind: k, message: j["message"]?.string ?? "", counters: counters, result: j["result"]?.string)
    }
}

/// Runs one job in the current process: load the plugin, call the job, close its reports.
/// Never throws: every ending becomes a RunOutcome (a crash, of course, ends the process).
enum JobRunner {
    static func execute(_ spec: RunSpec, logger: JobLogger) -> RunOutcome {
        let plugin: LoadedPlugin
        do {
            let manifest = try Manifest.read(spec.manifestPath)
            plugin = try LoadedPlugin.load(path: spec.libraryPath, expect: manifest)
        } catch {
            return RunOutcome(kind: .refused, message: "\(error)")
        }
        guard let job = plugin.jobs[spec.jobId] else {
            return RunOutcome(kind: .refused, message: "plugin \(plugin.name): \(spec.libraryPath): does not provide job '\(spec.jobId)'")
        }
        let store: TableStore, http: HTTPConnector, redis: RedisSettings?
        do {
            store = try StoreFactory.make(spec.store, modelParams: (try? JSONParser.parse(spec.configText))?["modelParams"])
            http = try HTTPConnectorFactory.make(spec.http)
            redis = try spec.redis.flatMap { $0.hasPrefix("local:") ? nil : try RedisSettings(url: $0) }
        } catch { return RunOutcome(kind: .failed, message: "\(error)") }
        let staging = Staging(output: spec.output, directory: spec.stagingDir)
        let ctx = RunContext(jobId: spec.jobId, configText: spec.configText, store: store, http: http, redis: redis, staging: staging,
                             logger: logger, progressLabel: spec.progressLabel)
        if let blob = spec.blob { ctx.blobSpec = blob }
        ctx.setRequest(spec.request)
        if let r = spec.redis, r.hasPrefix("local:") { ctx.localHashesPath = String(r.dropFirst("local:".count)) }
        ctx.courseCacheSpec = spec.courseRedis
        ctx.progress.start()
        let status = withExtendedLifetime(ctx) {
            job.pointee.run(HostAPI.pointer(for: ctx), UnsafePointer(HostAPI.table), job.pointee.job_data)
        }
        ctx.progress.finish()
        ctx.closeLeftoverCursors()
        do { try ctx.closeLeftoverReports() } catch {
            return RunOutcome(kind: .failed, message: "closing reports: \(error)", counters: ctx.counters)
        }
        var counters = ctx.counters
        if !counters.contains(where: { $0.0 == "outputEvents" }) { counters.append(("outputEvents", ctx.reportRows)) }
        guard status == DP_OK else {
            let message = ctx.errorMessage ?? "job returned status \(status) without a message"
            return RunOutcome(kind: .failed, message: message, counters: counters, result: ctx.resultJSON)
        }
        return RunOutcome(kind: .succeeded, message: "", counters: counters, result: ctx.resultJSON)
    }
}
