import Foundation
import RowBatch
import XCTest

/// A Lern job's world: its plugin (lern-lms unless a test names another) in a throwaway home, a store of the backend (the
/// embedded SQLite file or a fresh PostgreSQL database) filled with `dataproducts load`, and, when a
/// test asks, the recorded-answer HTTP server. It stops what it starts.
public final class LernJobBench {
    public let home: Harness.Home
    public let store: String
    private var db: Harness.PostgresDatabase?
    private var server: Process?
    public private(set) var redis: RedisServer?
    /// The credentials the Redis server started for the user cache requires (nil: none).
    public var redisAuth: RedisServer.Auth?
    public private(set) var baseURL = ""

    public init(_ backend: Backend, plugin: String = "lern-lms") throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.installPlugin(plugin)
        switch backend {
        case .local: store = "sqlite:" + home.path + "/store.sqlite"
        case .postgres:
            let db = try Harness.PostgresDatabase()
            self.db = db
            store = "postgres:" + db.conninfo
        }
    }

    deinit {
        redis?.stop()
        server?.terminate()
        server?.waitUntilExit()
        db?.drop()
    }

    /// `dataproducts load DIR` into the store.
    public func load(_ directory: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try Harness.run(["load", directory, "--into", store, "--schema", Harness.repoRoot + "/config/schema/postgres.sql"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    }

    /// Loads the tables of `tables` and a user cache holding these hashes, as the backend reads one:
    /// both into the embedded store's file in one `load`, or the tables into PostgreSQL and the
    /// hashes HSET into a fresh redis-server. Returns the `--redis` value.
    public func userCache(_ hashes: [(key: String, fields: [(String, String)])], tables: String) throws -> String {
        if store.hasPrefix("sqlite:") {
            let file = home.path + "/user-cache.jsonl"
            try Self.writeUserCache(hashes, to: file)
            let r = try Harness.run([
                "load", tables, "--into", store, "--user-cache", file, "--schema", Harness.repoRoot + "/config/schema/postgres.sql",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            return store
        } else {
            try load(tables)
            let r = try redis ?? RedisServer(auth: redisAuth)
            redis = r
            try r.hset(hashes)
            return r.url + "/0"
        }
    }

    /// These hashes as the `load --user-cache` file: one `{"key", "fields"}` object a line.
    public static func writeUserCache(_ hashes: [(key: String, fields: [(String, String)])], to file: String) throws {
        let lines = hashes.map { h in
            JSONValue.object([("key", .string(h.key)), ("fields", .object(h.fields.map { ($0.0, .string($0.1)) }))]).render()
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// Starts the recorded-answer server on these answers; `baseURL` then points at it.
    public func serveHTTP(_ answers: String) throws {
        let (p, port) = try ExhaustBench.startHTTP(answers)
        server = p
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Every request the server's answers were asked for (its /__received list).
    public func received() throws -> [JSONValue] {
        // Foundation on Linux reads no http: URLs; Python's client asks the server.
        let (_, data) = try Harness.capture(
            "/usr/bin/env",
            [
                "python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                baseURL + "/__received",
            ], keepStderr: true)
        return try JSONParser.parse(String(decoding: data, as: UTF8.self))["received"]?.array ?? []
    }

    /// The job log's events (runs write it with `--log-file <home>/joblog.log`).
    public var logEvents: [JSONValue] {
        (home.read("joblog.log") ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// The last JOB_END's data.
    public var jobEnd: JSONValue? { logEvents.last { $0["eid"]?.string == "JOB_END" }?["edata"]?["data"] }
}

extension LernJobBench {
    /// Every row of `keyspace.table` in these columns, read by `dataproducts scan` (as a job's scan reads it).
    public func rows(_ keyspace: String, _ table: String, _ columns: [Field]) throws -> [[Value]] {
        try Self.rows(store: store, keyspace, table, columns)
    }

    /// Every row of `keyspace.table` of any store spec, in these columns (`dataproducts scan`).
    public static func rows(store: String, _ keyspace: String, _ table: String, _ columns: [Field]) throws -> [[Value]] {
        let spec = columns.map { "\($0.name):\($0.type)" }.joined(separator: ",")
        let r = try Harness.run(["scan", "\(keyspace).\(table)", "--store", store, "--columns", spec])
        guard r.status == 0 else { throw HarnessError("scan \(keyspace).\(table) failed: \(r.stderr)") }
        return try r.stdout.split(separator: "\n").map { line in
            let values = try JSONParser.parse(String(line)).array ?? []
            return zip(columns, values).map { field, v in
                switch (field.type, v) {
                case (_, .null): return .null
                case (.bool, .bool(let b)): return .bool(b)
                case (.int64, .int(let i)): return .int(i)
                case (.float64, .double(let d)): return .double(d)
                case (.float64, .int(let i)): return .double(Double(i))
                case (.json, _): return .json(v.render())
                case (_, .string(let s)): return .string(s)
                default: return .string(v.render())
                }
            }
        }
    }
}
