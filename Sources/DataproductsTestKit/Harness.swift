import Foundation
import PluginAPI
import RowBatch
import XCTest

/// Paths and helpers for tests that drive the real `dataproducts` binary and real plugin libraries:
/// the host's own tests and a block's (`import DataproductsTestKit` in its test target). In this
/// repository build them first: scripts/build-plugins.sh && scripts/build-test-plugins.sh (scripts/test.sh
/// does); a block elsewhere sets DATAPRODUCTS_BIN to a host binary and gets its own library from its build.
public enum Harness {
    /// The SDK's checkout (this repository, or the copy SwiftPM fetched for a block): its test peers
    /// (Tests/Servers), the upstream tables' DDL (config/schema) and the shared test fixtures.
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/DataproductsTestKit/Harness.swift
        return url.path
    }()

    /// The folder of the running test bundle (a block's build folder, holding its lib<block>.so).
    public static let testBuildDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path

    /// The library of `plugin`: the block's own build when the tests run in its package, else the
    /// repository's build/plugins.
    public static func library(_ plugin: String) -> (dir: String, file: String) {
        let file = "lib\(plugin).so"
        return (FileManager.default.fileExists(atPath: testBuildDir + "/" + file) ? testBuildDir : pluginDir, file)
    }

    /// The date in a published report's name (upstream's: yyyyMMdd in IST).
    public static func reportDate(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 19800)
        f.dateFormat = "yyyyMMdd"
        return f.string(from: date)
    }

    /// The exhaust file format's TEXT_KEY decryption by the independent oracle (Python's cryptography).
    public static func decryptText(_ data: Data, key: String) throws -> Data {
        let file = NSTemporaryDirectory() + "dp-text-" + UUID().uuidString
        try data.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try capture("/usr/bin/env", ["python3", repoRoot + "/Tests/Servers/exhaust_crypto_oracle.py", "decrypt-text", file, key])
        guard r.status == 0 else { throw HarnessError("decrypt-text failed (\(r.status))") }
        return r.output
    }

    /// The ABI this build's header declares ("1.2"): what freshly built plugins are built for.
    public static let abi = "\(DP_ABI_MAJOR).\(DP_ABI_MINOR)"

    public static var binary: String {
        ProcessInfo.processInfo.environment["DATAPRODUCTS_BIN"] ?? repoRoot + "/build/bin/dataproducts"
    }
    public static let pluginDir = repoRoot + "/build/plugins"
    public static let testPluginDir = repoRoot + "/build/test-plugins"

    /// The shared upstream fixtures (read-only), beside the repository.
    public static var fixtures: String {
        ProcessInfo.processInfo.environment["DATAPRODUCTS_FIXTURES"] ?? repoRoot + "/../shared/fixtures"
    }

    /// A job's template in the block folder that owns it (Plugins/<block>/jobs/<job>.json).
    public static func jobTemplate(_ job: String) -> String {
        let blocks = (try? FileManager.default.contentsOfDirectory(atPath: repoRoot + "/Plugins")) ?? []
        let found = blocks.map { repoRoot + "/Plugins/\($0)/jobs/\(job).json" }.first { FileManager.default.fileExists(atPath: $0) }
        return found ?? repoRoot + "/Plugins/?/jobs/\(job).json"
    }

    public static func requireBuilt(file: StaticString = #filePath, line: UInt = #line) throws {
        for p in [binary] where !FileManager.default.fileExists(atPath: p) {
            XCTFail("\(p) is missing: run scripts/build-plugins.sh (or set DATAPRODUCTS_BIN to a host binary)", file: file, line: line)
            throw XCTSkip("not built")
        }
    }

    /// The upstream fixture folder `relative`, or a clear failure if the shared fixtures are absent.
    public static func fixture(_ relative: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let p = fixtures + "/" + relative
        guard FileManager.default.fileExists(atPath: p) else {
            XCTFail("fixtures not found at \(p): put shared/ beside the repository or set DATAPRODUCTS_FIXTURES", file: file, line: line)
            throw XCTSkip("no fixtures")
        }
        return p
    }

    /// A fresh database on the test PostgreSQL server (scripts/test-postgres.sh, started by
    /// scripts/test.sh, conninfo in $DATAPRODUCTS_TEST_PG), dropped by `drop()`.
    public final class PostgresDatabase {
        public let name = "dp_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        public let base: String
        public var conninfo: String { base + " dbname=" + name }

        public init(file: StaticString = #filePath, line: UInt = #line) throws {
            guard let base = ProcessInfo.processInfo.environment["DATAPRODUCTS_TEST_PG"].flatMap({ $0.isEmpty ? nil : $0 }) ?? Self.kitServer
            else {
                XCTFail(
                    "no PostgreSQL: DATAPRODUCTS_TEST_PG is not set and scripts/test-postgres.sh could not start one (apt-get install postgresql)",
                    file: file, line: line)
                throw XCTSkip("no PostgreSQL")
            }
            self.base = base
            try Harness.psql(base, "CREATE DATABASE \(name)")
        }

        /// Without DATAPRODUCTS_TEST_PG, one server for the whole bundle, started on first use with the
        /// SDK's scripts/test-postgres.sh and stopped when the bundle ends.
        static let kitServer: String? = {
            let script = Harness.repoRoot + "/scripts/test-postgres.sh"
            guard let r = try? Harness.capture("/bin/bash", [script, "start"]), r.status == 0 else { return nil }
            let lines = String(decoding: r.output, as: UTF8.self).split(separator: "\n").map(String.init)
            guard lines.count == 2 else { return nil }
            TestServers.atBundleEnd { _ = try? Harness.capture("/bin/bash", [script, "stop", lines[1]]) }
            return lines[0]
        }()

        public func drop() { _ = try? Harness.psql(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs a program and waits for it with posix_spawn/waitpid: unlike Foundation's Process, the
    /// wait cannot hang on a daemon the program leaves behind. Output goes to /dev/null.
    @discardableResult
    public static func spawnAndWait(_ path: String, _ args: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    /// Runs a client program (a real peer beside ours) to its end: its exit status and standard
    /// output. Standard input is empty, so nothing can prompt; standard error is dropped unless kept.
    public static func capture(_ path: String, _ args: [String], keepStderr: Bool = false) throws -> (status: Int32, output: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        if !keepStderr { p.standardError = FileHandle.nullDevice }
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }

    /// Runs SQL with psql (a real client beside ours); returns its unaligned output.
    @discardableResult
    public static func psql(_ conninfo: String, _ sql: String) throws -> String {
        // Long statements go through a file: one argument may not exceed 128 KiB.
        var args = [conninfo, "-v", "ON_ERROR_STOP=1", "-Atqc", sql]
        let file = NSTemporaryDirectory() + "dp-psql-" + UUID().uuidString + ".sql"
        if sql.utf8.count > 64 << 10 {
            try sql.write(toFile: file, atomically: true, encoding: .utf8)
            args = [conninfo, "-v", "ON_ERROR_STOP=1", "-Atqf", file]
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try capture("/usr/bin/psql", args, keepStderr: true)
        guard r.status == 0 else { throw HarnessError("psql failed: \(sql.prefix(2000))") }
        return String(decoding: r.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the binary and waits for it.
    @discardableResult
    public static func run(_ args: [String], cwd: String? = nil, environment: [String: String] = [:], executable: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        env["SWIFT_BACKTRACE"] = "enable=no"  // crash tests: skip the runtime's backtrace (slow, noisy)
        p.environment = env
        // Output goes to files, not pipes: a chatty child can never block on a full pipe.
        let base = NSTemporaryDirectory() + "dp-run-" + UUID().uuidString
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        try p.run()
        p.waitUntilExit()
        let text = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Result(status: p.terminationStatus, stdout: text(base + ".out"), stderr: text(base + ".err"))
    }

    /// A throwaway deployment folder: registry.json, plugins/, data/, config/jobs/, reports/.
    public final class Home {
        public let path: String
        public var plugins: String { path + "/plugins" }
        public var data: String { path + "/data" }
        public var reports: String { path + "/reports" }

        public init() throws {
            path = NSTemporaryDirectory() + "dp-test-" + UUID().uuidString
            for d in ["plugins", "data", "config/jobs", "config/env"] {
                try FileManager.default.createDirectory(atPath: path + "/" + d, withIntermediateDirectories: true)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// A home with the Swift test kit plugin installed and registered for `jobs`.
        public static func withTestkit(_ jobs: [String] = ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"]) throws -> Home {
            try Harness.requireBuilt()
            let home = try Home()
            try home.install("libswift-testkit.so")
            try home.registry([("swift-testkit", Harness.abi, jobs, nil, nil)])
            return home
        }

        /// Installs `plugin`'s library (Harness.library) with its manifest and registers every job it declares.
        public func installPlugin(_ plugin: String) throws {
            let (dir, file) = Harness.library(plugin)
            let lib = try install(file, from: dir)
            let manifest = try JSONParser.parse(try String(contentsOfFile: Manifests.path(lib), encoding: .utf8))
            let jobs = (manifest["jobs"]?.array ?? []).compactMap { $0["id"]?.string }
            try registry([(plugin, Harness.abi, jobs, nil, nil)])
        }

        /// Copies a built library in and writes its manifest with the real build step.
        @discardableResult
        public func install(_ library: String, from dir: String = Harness.testPluginDir, manifest: Bool = true) throws -> String {
            let dst = plugins + "/" + library
            try? FileManager.default.removeItem(atPath: dst)
            try FileManager.default.copyItem(atPath: dir + "/" + library, toPath: dst)
            if manifest {
                let r = try Harness.run(["plugins", "manifest", dst])
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            return dst
        }

        public func write(_ relative: String, _ text: String) throws {
            let p = path + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (p as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try text.write(toFile: p, atomically: true, encoding: .utf8)
        }

        public func read(_ relative: String) -> String? {
            FileManager.default.contents(atPath: path + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
        }

        /// registry.json with these plugins: (name, abi, jobs, sha256 pin or nil, file or nil).
        public func registry(
            _ plugins: [(name: String, abi: String, jobs: [String], sha: String?, file: String?)],
            environments: String = "{}"
        ) throws {
            let entries = plugins.map { p in
                """
                {"name":"\(p.name)","version":"\(["lern-userorg", "lern-lms", "ml", "obsrv"].contains(p.name) ? "1.0.0" : "0.1.0")","owner":"t","block":"test","abi":"\(p.abi)",\
                "file":"\(p.file ?? "lib\(p.name).so")","sha256":\(p.sha.map { "\"\($0)\"" } ?? "null"),\
                "jobs":[\(p.jobs.map { "\"\($0)\"" }.joined(separator: ","))]}
                """
            }
            try write(
                "registry.json",
                """
                {"pluginDir":"plugins","plugins":[\(entries.joined(separator: ","))],"environments":\(environments)}
                """)
        }

        /// Runs the host with --home set to this folder.
        @discardableResult
        public func run(_ args: [String], environment: [String: String] = [:]) throws -> Harness.Result {
            try Harness.run(args + ["--home", path], cwd: path, environment: environment)
        }

        /// Files below reports/, relative, sorted (hidden staging folders included, so leftovers show).
        public func reportFiles() -> [String] {
            (FileManager.default.enumerator(atPath: reports)?.allObjects as? [String] ?? [])
                .filter { p in
                    var d: ObjCBool = false
                    FileManager.default.fileExists(atPath: reports + "/" + p, isDirectory: &d)
                    return !d.boolValue
                }.sorted()
        }
    }
}

/// A test peer (psql, unzip, ...) failed: the test fails with this message.
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the build step writes a library's manifest: lib<name>.manifest.json beside lib<name>.so.
enum Manifests {
    static func path(_ library: String) -> String { String(library.dropLast(3)) + ".manifest.json" }
}

extension Harness {
    /// Runs SQL on an SQLite file with Python's sqlite3 (a real client beside ours): each statement's
    /// `?` bound from `params` in turn; the rows of the last statement, every value as text (NULL as nil).
    @discardableResult
    public static func sqlite(_ path: String, _ sql: String, _ params: [[String]] = [[]]) throws -> [[String?]] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1]); rows = []
            for p in json.loads(sys.argv[3]): rows = c.execute(sys.argv[2], p).fetchall()
            c.commit()
            print(json.dumps([[None if v is None else (v.decode() if isinstance(v, bytes) else str(v)) for v in r] for r in rows]))
            """
        let encoded = String(decoding: try JSONSerialization.data(withJSONObject: params), as: UTF8.self)
        let r = try capture("/usr/bin/env", ["python3", "-c", script, path, sql, encoded], keepStderr: true)
        guard r.status == 0 else { throw HarnessError("sqlite3 failed: \(sql)") }
        let json = try JSONParser.parse(String(decoding: r.output, as: UTF8.self))
        return (json.array ?? []).map { ($0.array ?? []).map(\.string) }
    }
}
