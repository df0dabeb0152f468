import Foundation

/// Where a run's data comes from and goes to, parsed once from the command line (or its
/// $DATAPRODUCTS_* defaults) into typed values and carried as they are: through JobExecution, the
/// child's RunSpec and the RunContext. A wrong spec is a config error (65) before any job starts.
struct Connectors: Codable, Equatable {
    var store: StoreSpec
    /// `--target-store`: where migrations write (ABI table_replace_* with store "target"); nil → `store`.
    var targetStore: StoreSpec? = nil
    var http: HTTPSpec
    /// `--redis`: the user cache; nil → modelParams' upstream keys decide on first use.
    var userCache: CacheSpec?
    /// `--course-redis`: the course cache (optional nodes); nil → modelParams decide.
    var courseCache: CacheSpec?
    var blob: BlobSpec
    /// `--kafka`: where jobs' Kafka messages go; nil → a job that sends one fails (unsupported).
    var kafka: KafkaSpec? = nil
    /// `--metrics-topic`: the topic of the framework's metric event after each run (needs --kafka).
    var metricsTopic: String? = nil
    /// `--druid`: the brokers jobs' Druid queries go to; nil → a job that queries fails (unsupported).
    var druid: DruidSpec? = nil
}

/// `scheme:rest` texts: the one place a spec's prefix is read.
enum SpecText {
    static func split(_ text: String, _ scheme: String) -> String? {
        text.hasPrefix(scheme + ":") ? String(text.dropFirst(scheme.count + 1)) : nil
    }
}

/// `--store`: `local:DIR` (JSON-lines tables), `sqlite:FILE` (the embedded store) or `postgres:CONNINFO`.
enum StoreSpec: Codable, Equatable {
    case local(directory: String)
    case sqlite(path: String)
    case postgres(conninfo: String)

    init(_ text: String) throws {
        if let dir = SpecText.split(text, "local") {
            self = .local(directory: dir)
        } else if let file = SpecText.split(text, "sqlite"), !file.isEmpty {
            self = .sqlite(path: file)
        } else if let c = SpecText.split(text, "postgres") {
            self = .postgres(conninfo: c)
        } else {
            throw HostError.config("unknown store '\(text)' (supported: local:DIR, sqlite:FILE, postgres:CONNINFO)")
        }
    }

    var text: String {
        switch self {
        case .local(let d): return "local:" + d
        case .sqlite(let f): return "sqlite:" + f
        case .postgres(let c): return "postgres:" + c
        }
    }
}

/// `--http`: `none`, `live[:options]` (libcurl) or `canned:DIR` (recorded answers).
enum HTTPSpec: Codable, Equatable {
    case none
    case live(options: String)
    case canned(directory: String)

    init(_ text: String) throws {
        if text == "none" {
            self = .none
        } else if text == "live" {
            self = .live(options: "")
        } else if let o = SpecText.split(text, "live") {
            self = .live(options: o)
        } else if let d = SpecText.split(text, "canned") {
            self = .canned(directory: d)
        } else {
            throw HostError.config("unknown HTTP connector '\(text)' (supported: none, live[:attempts=N,timeoutMs=N,...], canned:DIR)")
        }
    }
}

/// `--redis` / `--course-redis`: a Redis database or the embedded file (JSON lines).
enum CacheSpec: Codable, Equatable {
    case redis(url: String)
    /// A JSON-lines file of hashes (imported into SQLite on first use).
    case local(file: String)
    /// The `dp_user_cache` table of an embedded SQLite store.
    case sqlite(file: String)

    init(_ text: String) throws {
        if let f = SpecText.split(text, "local") { self = .local(file: f); return }
        if let f = SpecText.split(text, "sqlite"), !f.isEmpty { self = .sqlite(file: f); return }
        _ = try RedisSettings(url: text)  // checked here, once
        self = .redis(url: text)
    }

    var redisSettings: RedisSettings? {
        if case .redis(let url) = self { return try? RedisSettings(url: url) }
        return nil
    }
}

/// `--blob`: `local:DIR`, `s3://…` or `azure://…` (credentials from the environment, never the spec).
struct BlobSpec: Codable, Equatable {
    var text: String

    init(_ text: String) throws {
        guard SpecText.split(text, "local") != nil || text.hasPrefix("s3://") || text.hasPrefix("azure://") else {
            throw HostError.config(
                "unknown blob store '\(text)' (supported: local:DIR, s3://bucket/prefix?endpoint=..., azure://container/prefix?account=...)")
        }
        self.text = text
    }
}

/// `--requests`: the on-demand queue, `postgres:CONNINFO[#table]` (default table job_request) or
/// `local:FILE` (JSON lines).
enum QueueSpec: Codable, Equatable {
    case postgres(conninfo: String, table: String)
    case local(file: String)
    /// The `dp_job_request` table of an SQLite file (the embedded store's, or one of its own).
    case sqlite(file: String)

    init(_ text: String) throws {
        if var rest = SpecText.split(text, "postgres") {
            var table = "job_request"
            if let hash = rest.lastIndex(of: "#") {
                table = String(rest[rest.index(after: hash)...])
                rest = String(rest[..<hash])
            }
            self = .postgres(conninfo: rest, table: table)
        } else if let file = SpecText.split(text, "local") {
            guard !file.isEmpty else { throw HostError.config("--requests local: needs a file path") }
            self = .local(file: file)
        } else if let file = SpecText.split(text, "sqlite") {
            guard !file.isEmpty else { throw HostError.config("--requests sqlite: needs a file path") }
            self = .sqlite(file: file)
        } else {
            throw HostError.config("unknown request queue '\(text)': use postgres:CONNINFO[#table], sqlite:FILE or local:FILE")
        }
    }
}

/// `--druid`: `URL[,rollup=URL][,segments=CONNINFO][,timeoutMs=N,attempts=N,backoffMs=N]` (the main
/// broker, the roll-up broker for roll-up/distinct/snapshot data sources, defaulting to the main one,
/// and Druid's metadata database for LATEST_INDEX) or `canned:DIR` (recorded answers in
/// DIR/answers.json, matched on the query body).
enum DruidSpec: Codable, Equatable {
    case brokers(main: String, rollup: String?, options: String, segments: String? = nil)
    case canned(directory: String)

    init(_ text: String) throws {
        if let d = SpecText.split(text, "canned") {
            self = .canned(directory: d)
            return
        }
        let parts = text.split(separator: ",").map(String.init)
        guard let main = parts.first, main.hasPrefix("http://") || main.hasPrefix("https://") else {
            throw HostError.config(
                "unknown Druid connector '\(text)' (supported: http://broker:8082[,rollup=URL][,timeoutMs=N,attempts=N], canned:DIR)")
        }
        var rollup: String?
        var segments: String?
        var options: [String] = []
        for p in parts.dropFirst() {
            if p.hasPrefix("rollup=") {
                rollup = String(p.dropFirst("rollup=".count))
            } else if p.hasPrefix("segments=") {
                segments = String(p.dropFirst("segments=".count))
            } else {
                options.append(p)
            }
        }
        _ = try CurlHTTP(options: options.joined(separator: ","))  // checked here, once
        self = .brokers(main: main, rollup: rollup, options: options.joined(separator: ","), segments: segments)
    }
}
