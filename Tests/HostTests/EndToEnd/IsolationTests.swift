import Foundation
import XCTest

/// Issue point 5: a plugin that crashes or hangs fails its job (signal or reason in log and exit
/// code); the host survives, and nothing the job wrote is published.
final class IsolationTests: XCTestCase {
    var home: Harness.Home!

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"], nil, nil)])
    }

    func runJob(_ job: String, params: String = "{}", extra: [String] = []) throws -> Harness.Result {
        try home.write("config/jobs/\(job).json", #"{"model":"\#(job)","modelParams":\#(params)}"#)
        return try home.run(["run", job, "--log-file", home.path + "/joblog.log"] + extra)
    }

    func lastEnd() throws -> [String: Any] {
        let last = try XCTUnwrap(home.read("joblog.log")?.split(separator: "\n").last)
        let event = try JSONSerialization.jsonObject(with: Data(last.utf8)) as! [String: Any]
        XCTAssertEqual(event["eid"] as? String, "JOB_END")
        return event["edata"] as! [String: Any]
    }

    func assertCrash(mode: String, signal: String) throws {
        let r = try runJob("test-crash", params: #"{"mode":"\#(mode)"}"#)
        XCTAssertEqual(r.status, 68, r.stderr)
        XCTAssertTrue(r.stderr.contains("dataproducts: error: job test-crash crashed: plugin process killed by \(signal)"), r.stderr)
        let end = try lastEnd()
        XCTAssertEqual(end["status"] as? String, "FAILED")
        XCTAssertTrue(((end["data"] as? [String: Any])?["statusMsg"] as? String ?? "").contains(signal))
        XCTAssertEqual(home.reportFiles(), [], "a crashed job must publish nothing and leave no staging")
    }

    func testSegfault() throws { try assertCrash(mode: "segv", signal: "SIGSEGV") }
    func testAbort() throws { try assertCrash(mode: "abort", signal: "SIGABRT") }
    func testFatalError() throws {
        // Swift's fatalError traps: SIGILL on x86-64, SIGTRAP on arm64.
        let r = try runJob("test-crash", params: #"{"mode":"fatal"}"#)
        XCTAssertEqual(r.status, 68, r.stderr)
        XCTAssertTrue(r.stderr.contains("SIGILL") || r.stderr.contains("SIGTRAP"), r.stderr)
        XCTAssertTrue(r.stderr.contains("deliberate fatalError"), "the plugin's own message reaches stderr: \(r.stderr)")
        XCTAssertEqual(home.reportFiles(), [])
    }

    func testHangKilledAtTimeout() throws {
        let t0 = Date()
        let r = try runJob("test-hang", extra: ["--timeout", "1"])
        let elapsed = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("exceeded its timeout of 1 s and was killed"), r.stderr)
        XCTAssertLessThan(elapsed, 10, "SIGTERM, then SIGKILL after the grace period")
        XCTAssertEqual(try lastEnd()["status"] as? String, "FAILED")
        XCTAssertEqual(home.reportFiles(), [])
    }

    func testCooperativeJobStopsOnCancel() throws {
        let t0 = Date()
        let r = try runJob("test-hang", params: #"{"cooperative":true}"#, extra: ["--timeout", "1"])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 2.9, "a job that checks is_cancelled stops before SIGKILL")
        XCTAssertEqual(home.reportFiles(), [])
    }

    func testJobErrorFailsCleanly() throws {
        let r = try runJob("test-fail")
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("job test-fail failed: deliberate failure for the test suite"), r.stderr)
        XCTAssertEqual(home.reportFiles(), [], "the closed report of a failed job is not published")
        let end = try lastEnd()
        XCTAssertEqual((end["data"] as? [String: Any])?["statusMsg"] as? String, "deliberate failure for the test suite")
    }

    func testJobDiesWithItsHost() throws {
        // cron or an operator SIGKILLs the host: its job process must not run on unsupervised.
        try home.write("config/jobs/test-hang.json", #"{"model":"test-hang"}"#)
        let host = Process()
        host.executableURL = URL(fileURLWithPath: Harness.binary)
        host.arguments = ["run", "test-hang", "--home", home.path, "--log-file", home.path + "/joblog.log"]
        try host.run()
        var child: Int32?
        for _ in 0..<200 where child == nil {
            child = Self.children(of: host.processIdentifier).first
            usleep(20_000)
        }
        let job = try XCTUnwrap(child, "the host started no job process")
        kill(host.processIdentifier, SIGKILL)
        var alive = true
        for _ in 0..<100 where alive {
            alive = Self.isRunning(job)
            usleep(20_000)
        }
        if alive { kill(job, SIGKILL) }  // clean up, or the orphan would hold the test runner's output open
        XCTAssertFalse(alive, "job process \(job) outlived its host")
        host.waitUntilExit()
    }

    static func children(of parent: Int32) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }

    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")  // a zombie is dead
    }

    func testHostRunsNextJobAfterACrash() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
        XCTAssertEqual(try runJob("test-crash").status, 68)
        let r = try runJob("test-echo", params: #"{"table":"t.x","columns":"a:utf8"}"#)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/echo/rows.csv"), "a\n1\n")
    }
}
