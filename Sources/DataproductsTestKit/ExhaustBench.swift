import Foundation
import XCTest
import RowBatch

/// The stores an exhaust test runs on: the embedded default (local JSON-lines tables, local queue
/// file, local user-cache file, canned HTTP answers), or real servers (PostgreSQL tables and
/// job_request, redis-server, the recorded-answer HTTP server over libcurl).
public enum Backend: String { case local, postgres }

/// One upstream exhaust suite's world (its `beforeAll`): fixture tables, user cache, HTTP mocks, the
/// plugin installed in a throwaway home. Each test then truncates the queue, inserts its rows, runs.
public final class ExhaustBench {
    public let backend: Backend
    public let home: Harness.Home
    public let blob: String
    public private(set) var queue = ""
    public private(set) var store = ""
    public private(set) var redisSpec = ""
    public private(set) var http = ""
    public private(set) var baseURL = "http://mock.invalid"
    public private(set) var db: Harness.PostgresDatabase?
    public private(set) var redis: RedisServer?
    private var httpServer: Process?

    /// `fixture`: a folder under shared/fixtures; `userCache`, `httpDir`: under Tests/Fixtures/exhaust/.
    /// `writable`: jobs that write tables get a copy of the fixture (the shared folder stays read-only).
    public init(
        _ backend: Backend, fixture: String, userCache: String, httpDir: String, writable: Bool = false,
        plugin: String = "lern-lms", redisAuth: RedisServer.Auth? = nil, fixtures mine: String = Harness.repoRoot + "/Tests/Fixtures/exhaust/"
    ) throws {
        try Harness.requireBuilt()
        self.backend = backend
        home = try Harness.Home()
        blob = home.path + "/blob"
        try home.installPlugin(plugin)
        let tables = try Harness.fixture(fixture)
        switch backend {
        case .local:
            if writable {
                try FileManager.default.copyItem(atPath: tables, toPath: home.path + "/tables")
                FileManager.default.createFile(atPath: home.path + "/tables/sunbird_courses.archival_metadata.jsonl", contents: nil)
                store = "local:" + home.path + "/tables"
            } else {
                store = "local:" + tables
            }
            queue = "local:" + home.path + "/requests/job_request.jsonl"
            redisSpec = "local:" + Self.path(userCache, in: mine)
            http = "canned:" + Self.path(httpDir, in: mine)
        case .postgres:
            let db = try Harness.PostgresDatabase()
            self.db = db
            let load = try Harness.run([
                "load", tables, "--into", "postgres:" + db.conninfo,
                "--schema", Harness.repoRoot + "/config/schema/postgres.sql",
            ])
            XCTAssertEqual(load.status, 0, load.stderr)
            store = "postgres:" + db.conninfo
            queue = "postgres:" + db.conninfo
            // Upstream's test DDL (EmbeddedPostgresql.createJobRequestTable): the engine must work on it.
            try Harness.psql(
                db.conninfo,
                """
                CREATE TABLE job_request (tag TEXT, request_id TEXT PRIMARY KEY, job_id TEXT, status TEXT, request_data json,
                requested_by TEXT, requested_channel TEXT, dt_job_submitted TIMESTAMP, download_urls TEXT[],
                dt_file_created TIMESTAMP, dt_job_completed TIMESTAMP, execution_time bigint, err_message TEXT,
                iteration int, encryption_key TEXT, processed_batches TEXT)
                """)
            let r = try RedisServer(auth: redisAuth)
            redis = r
            for line in try String(contentsOfFile: Self.path(userCache, in: mine), encoding: .utf8).split(separator: "\n") {
                let j = try JSONParser.parse(String(line))
                guard case .object(let pairs)? = j["fields"], let key = j["key"]?.string else { continue }
                try r.cli(["HSET", key] + pairs.flatMap { [$0.0, $0.1.string ?? $0.1.render()] })
            }
            redisSpec = r.url + "/0"
            let (process, port) = try Self.startHTTP(Self.path(httpDir, in: mine) + "/answers.json")
            httpServer = process
            baseURL = "http://127.0.0.1:\(port)"
            http = "live:attempts=1,backoffMs=10"
        }
    }

    /// A fixture path: absolute as given, else under `folder`.
    static func path(_ p: String, in folder: String) -> String { p.hasPrefix("/") ? p : folder + p }

    /// Rewrites each row of a local table file of a writable bench (`change` gets and returns its pairs).
    public func rewriteLocalTable(_ file: String, _ change: ([(String, JSONValue)]) throws -> [(String, JSONValue)]) throws {
        let path = home.path + "/tables/" + file
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let out = try lines.map { line -> String in
            guard case .object(let pairs) = try JSONParser.parse(String(line)) else { return String(line) }
            return JSONValue.object(try change(pairs)).render()
        }
        try (out.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Replaces a collection's content_hierarchy document, on either backend.
    public func setHierarchy(of collection: String, to hierarchy: String) throws {
        switch backend {
        case .local:
            try rewriteLocalTable("dev_hierarchy_store.content_hierarchy.jsonl") { pairs in
                JSONValue.object(pairs)["identifier"]?.string == collection
                    ? [("identifier", .string(collection)), ("hierarchy", .string(hierarchy))] : pairs
            }
        case .postgres:
            try Harness.psql(
                db!.conninfo, "UPDATE dev_hierarchy_store.content_hierarchy SET hierarchy = '\(hierarchy)' WHERE identifier = '\(collection)'")
        }
    }

    /// Copies files into the blob store (archives a test reads back).
    public func putBlob(_ key: String, from path: String) throws {
        let dst = blob + "/" + key
        try FileManager.default.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: dst)
        try FileManager.default.copyItem(atPath: path, toPath: dst)
    }

    deinit {
        httpServer?.terminate()
        httpServer?.waitUntilExit()
        redis?.stop()
        db?.drop()
    }

    public static func startHTTP(_ answers: String) throws -> (Process, Int) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Harness.repoRoot + "/Tests/Servers/recorded_http_server.py", answers]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice  // a server must not hold the test runner's pipes
        try TestServers.run(p)
        var line = ""
        while !line.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let port = try XCTUnwrap(
            Int(line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? ""),
            "test HTTP server did not start: \(line)")
        return (p, port)
    }

    /// Writes the job's model config; `{{base}}` in it becomes the HTTP mocks' base URL.
    public func config(_ job: String, _ json: String) throws {
        try home.write("config/jobs/\(job).json", json.replacingOccurrences(of: "{{base}}", with: baseURL))
    }

    /// Another queue of the embedded store (`sqlite:`): `insert` hands it each row as JSON.
    public func useQueue(_ spec: String, insert: @escaping (JSONValue) throws -> Void) {
        precondition(backend == .local)
        queue = spec
        insertRow = insert
    }
    private var insertRow: ((JSONValue) throws -> Void)?

    /// Empties the queue and the published files (upstream: TRUNCATE job_request per test).
    public func reset(keepingBlobs: Bool = false) throws {
        if !keepingBlobs { try? FileManager.default.removeItem(atPath: blob) }
        switch backend {
        case .local where queue.hasPrefix("sqlite:"):
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: String(queue.dropFirst(7)) + suffix) }
        case .local: try? FileManager.default.removeItem(atPath: String(queue.dropFirst(6)))
        case .postgres: try Harness.psql(db!.conninfo, "TRUNCATE job_request")
        }
    }

    /// Inserts a job_request row as the upstream tests do (column → value; nil = NULL). Defaults per §8.0.
    public func insert(_ columns: [String: String?]) throws {
        var row: [String: String?] = [
            "status": "SUBMITTED", "download_urls": "{}", "execution_time": "0", "err_message": "",
            "iteration": "0", "dt_job_submitted": "2020-10-19 05:58:18.666",
        ]
        row.merge(columns) { $1 }
        switch backend {
        case .postgres:
            let names = row.keys.sorted()
            let values = names.map { row[$0]!.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
            try Harness.psql(db!.conninfo, "INSERT INTO job_request (\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))")
        case .local:
            var pairs: [(String, JSONValue)] = []
            for (k, v) in row.sorted(by: { $0.key < $1.key }) {
                guard let v else { pairs.append((k, .null)); continue }
                switch k {
                case "iteration", "execution_time": pairs.append((k, .int(Int64(v)!)))
                case "download_urls":
                    let inner = v.dropFirst().dropLast()
                    pairs.append((k, .array(inner.isEmpty ? [] : inner.split(separator: ",").map { .string(String($0)) })))
                default: pairs.append((k, .string(v)))
                }
            }
            if let insertRow { return try insertRow(.object(pairs)) }
            let path = String(queue.dropFirst(6))
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let old = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            try (old + JSONValue.object(pairs).render() + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// The arguments of `requests run` for `job` on this backend.
    public func runArguments(_ job: String, log: String? = nil) -> [String] {
        [
            "requests", "run", "--job", job, "--requests", queue, "--store", store, "--redis", redisSpec, "--http", http,
            "--blob", "local:" + blob, "--log-file", log ?? home.path + "/joblog.log", "--home", home.path,
        ]
    }

    /// `requests run` for `job` on this backend.
    @discardableResult
    public func run(_ job: String, _ extra: [String] = []) throws -> Harness.Result {
        let r = try Harness.run(runArguments(job) + extra, cwd: home.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// `run JOB` (a scheduled, standalone run: no request) on this backend; reports go to home/reports.
    @discardableResult
    public func runStandalone(_ job: String) throws -> Harness.Result {
        try Harness.run(
            [
                "run", job, "--store", store, "--redis", redisSpec, "--http", http, "--blob", "local:" + blob,
                "--output", home.reports, "--log-file", home.path + "/joblog.log", "--home", home.path,
            ], cwd: home.path)
    }

    /// The request's row as `dataproducts requests list` prints it (job_request's columns).
    public func requestRow(_ requestId: String, file: StaticString = #filePath, line: UInt = #line) throws -> RequestRow {
        let r = try Harness.run(["requests", "list", "--requests", queue, "--home", home.path])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let rows = try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        return RequestRow(
            json: try XCTUnwrap(rows.first { $0["request_id"]?.string == requestId }, "no request \(requestId)", file: file, line: line))
    }

    /// The rows of a published zip's CSV: ZipCrypto password for PASSWORD, the exhaust file format's
    /// text key for TEXT_KEY, nothing for a plain zip.
    public func csv(_ key: String, password: String? = nil, textKey: String? = nil) throws -> [[String: String]] {
        CSVText.records(String(decoding: try csvBytes(key, password: password, textKey: textKey), as: UTF8.self))
    }

    /// The bytes of a published zip's CSV, unzipped and decrypted.
    public func csvBytes(_ key: String, password: String? = nil, textKey: String? = nil) throws -> Data {
        let path = blob + "/" + key
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "not published: \(key)")
        let data = try Harness.unzip(path, password: password)
        return try textKey.map { try Harness.decryptText(data, key: $0) } ?? data
    }

    /// The embedded backend's user cache, from another file (JSON lines of {key, fields}).
    public func useUserCache(_ path: String) {
        precondition(backend == .local, "the user cache file is the embedded backend's")
        redisSpec = "local:" + path
    }

    public func header(_ key: String, textKey: String? = nil) throws -> [String] {
        var data = try Harness.unzip(blob + "/" + key, password: nil)
        if let textKey { data = try Harness.decryptText(data, key: textKey) }
        return CSVText.rows(String(decoding: data, as: UTF8.self)).first ?? []
    }
}

extension Harness {
    /// The single entry of a zip, through Info-ZIP's unzip (a real client beside libzip).
    public static func unzip(_ path: String, password: String?) throws -> Data {
        // No stdin: an encrypted entry without its password must fail, not prompt.
        let r = try capture("/usr/bin/unzip", (password.map { ["-P", $0] } ?? []) + ["-p", path])
        guard r.status == 0 else { throw HarnessError("unzip \(path) failed (\(r.status))") }
        return r.output
    }
}

/// CSV reading for the tests (Spark's reader turns empty fields into null: here ""). Both dialects'
/// quotes are read: doubled (RFC 4180) and, with `sparkEscapes` (the default, how our reports and
/// Spark write), `\"` and `\\` inside quotes.
public enum CSVText {
    public static func rows(_ text: String, sparkEscapes: Bool = true) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, i = text.startIndex, any = false
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if sparkEscapes, c == "\\", text.index(after: i) < text.endIndex, ["\"", "\\"].contains(text[text.index(after: i)]) {
                    i = text.index(after: i)
                    field.append(text[i])
                } else if c == "\"" {
                    let n = text.index(after: i)
                    if n < text.endIndex, text[n] == "\"" { field.append("\""); i = n } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true; any = true
            } else if c == "," {
                row.append(field); field = ""; any = true
            } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""; any = false
            } else {
                field.append(c); any = true
            }
            i = text.index(after: i)
        }
        if any || !field.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    public static func records(_ text: String, sparkEscapes: Bool = true) -> [[String: String]] {
        let all = rows(text, sparkEscapes: sparkEscapes)
        guard let header = all.first else { return [] }
        return all.dropFirst().map { Dictionary(zip(header, $0).map { ($0, $1) }, uniquingKeysWith: { a, _ in a }) }
    }
}

/// A job_request row as `requests list` prints it, with the columns a test checks typed.
public struct RequestRow {
    public let json: JSONValue
    public var requestId: String? { json["request_id"]?.string }
    public var requestData: String? { json["request_data"].map { $0.string ?? $0.render() } }
    public var status: String? { json["status"]?.string }
    public var errMessage: String? { json["err_message"]?.string }
    public var downloadUrls: [String] { json["download_urls"]?.array?.compactMap(\.string) ?? [] }
    public var dtFileCreated: String? { json["dt_file_created"]?.string }
    public var dtJobSubmitted: String? { json["dt_job_submitted"]?.string }
    public var iteration: Int? { json["iteration"]?.int.map(Int.init) }
    public var processedBatches: String? { json["processed_batches"]?.string }
}
