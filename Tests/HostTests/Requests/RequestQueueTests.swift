import Foundation
import XCTest
@testable import Host
import RowBatch

/// The queue's guarantees: several hosts drain one PostgreSQL queue at once; no request is processed
/// or published twice; a request whose host died is taken over once its lease expires; one failing
/// request never stops the others.
final class RequestQueueTests: XCTestCase {
    static let config = Workloads.progressConfig
        .replacingOccurrences(
            of: #""batchesLimitPerChannel":3,"fileSizeLimitPerChannel":100"#,
            with: #""batchesLimitPerChannel":100000,"fileSizeLimitPerChannel":1000000000"#)

    func bench(_ backend: Backend) throws -> ExhaustBench { try ExhaustBench.progressQueue(backend) }

    func insert(_ b: ExhaustBench, _ n: Int, data: String = ExhaustBench.batch001, extra: [String: String?] = [:]) throws {
        try b.insertRequest(n, data: data, extra: extra)
    }

    /// The done-when of the issue: 3 hosts drain 300 requests, one is SIGKILLed midway; every request
    /// ends SUCCESS or FAILED exactly once, no report is published twice, none is lost. Published =
    /// recorded in the row (what the API serves); the upload before it may repeat for the one request
    /// the killed host held, under the same key.
    func testThreeHostsDrain300RequestsOneKilledMidway() throws {
        let b = try bench(.postgres)
        let n = 300
        // Every tenth request fails (no such batch): failures must not stop anyone, nor be retried now.
        var sql =
            "INSERT INTO job_request (tag, request_id, job_id, status, request_data, requested_by, requested_channel, dt_job_submitted, download_urls, execution_time, err_message, iteration, encryption_key) VALUES "
        sql += (0..<n).map { i in
            let data = i % 10 == 9 ? #"{"batchFilter": ["batch-01"]}"# : #"{"batchId": "batch-001"}"#
            return
                "('t:channel-01', 'REQ-\(i)', 'progress-exhaust', 'SUBMITTED', '\(data)', 'user-\(i)', 'b00bc992ef25f1a9a8d63291e20efc8d', '2020-10-19 05:58:18.666', '{}', 0, '', 0, 'test12')"
        }.joined(separator: ", ")
        try Harness.psql(b.db!.conninfo, sql)
        func terminal() throws -> Int {
            Int(try Harness.psql(b.db!.conninfo, "SELECT count(*) FROM job_request WHERE status IN ('SUCCESS', 'FAILED')")) ?? 0
        }
        let hosts = try (0..<3).map { i in
            try Self.spawn(
                b.runArguments("progress-exhaust", log: b.home.path + "/host\(i).log") + ["--lease", "3"],
                cwd: b.home.path)
        }
        let deadline = Date().addingTimeInterval(240)
        while try terminal() < n / 3, Date() < deadline { usleep(50_000) }
        kill(hosts[0].processIdentifier, SIGKILL)
        for h in hosts.dropFirst() { XCTAssertEqual(Self.wait(h), 0) }
        _ = Self.wait(hosts[0])
        // The killed host's request, if it held one, is PROCESSING under a dead lease: the next run
        // (cron's next tick) takes it over once the lease has expired.
        let stranded = Int(try Harness.psql(b.db!.conninfo, "SELECT count(*) FROM job_request WHERE status = 'PROCESSING'")) ?? -1
        XCTAssertLessThanOrEqual(stranded, 1)
        if stranded == 1 {
            let early = try b.run("progress-exhaust")
            XCTAssertTrue(early.stdout.contains("0 request(s)"), "a live lease must not be taken over: \(early.stdout)")
            sleep(4)
            let late = try b.run("progress-exhaust")
            XCTAssertTrue(late.stdout.contains("1 request(s)"), late.stdout)
        }
        XCTAssertEqual(try terminal(), n)
        let rows = try RequestQueueFactory.make(b.queue).list(jobId: nil)
        XCTAssertEqual(rows.filter { $0.status == "SUCCESS" }.count, n - n / 10)
        XCTAssertEqual(rows.filter { $0.status == "FAILED" }.count, n / 10)
        XCTAssertTrue(rows.filter { $0.status == "FAILED" }.allSatisfy { $0.iteration == 1 && $0.errMessage == "No data found" })
        // Each outcome was recorded once and each report published once, across all hosts' logs.
        let tally = try QueueInvariants.tally(logsIn: b.home.path)
        let (finished, published, uploaded) = (tally.finished, tally.published, tally.uploaded)
        XCTAssertEqual(finished.count, n)
        XCTAssertEqual(finished.values.filter { $0 != 1 }.count, 0, "requests finished more than once: \(finished.filter { $0.value != 1 })")
        XCTAssertEqual(published.values.filter { $0 != 1 }.count, 0, "reports published more than once: \(published.filter { $0.value != 1 })")
        // An upload is repeated only for the request the killed host held (it never recorded it).
        XCTAssertLessThanOrEqual(uploaded.values.filter { $0 > 1 }.count, 1, "\(uploaded.filter { $0.value > 1 })")
        for r in rows where r.status == "SUCCESS" {
            XCTAssertEqual(r.downloadUrls.count, 1)
            XCTAssertEqual(published[r.downloadUrls[0]], 1, r.requestId)
            XCTAssertTrue(FileManager.default.fileExists(atPath: b.blob + "/" + r.downloadUrls[0]), r.requestId)
        }
    }

    /// A lease held by a live host is respected; an expired one is taken over (both queues).
    func testExpiredLeaseIsTakenOverLiveLeaseIsNot() throws {
        for backend in [Backend.local, .postgres] {
            let b = try bench(backend)
            try insert(b, 1)
            let q = try RequestQueueFactory.make(b.queue)
            let claimed = try XCTUnwrap(
                try q.claim(
                    jobId: "progress-exhaust", owner: "other-host", lease: 2, retryAfter: 300,
                    batchNumber: nil, exclude: []))
            XCTAssertEqual(claimed.status, "PROCESSING")
            XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("0 request(s)"), "\(backend)")
            sleep(3)
            XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("1 request(s): 1 success"), "\(backend)")
            XCTAssertEqual(try b.row("REQ-1").status, "SUCCESS")
            // The old owner has lost it: it can neither renew nor record an outcome.
            XCTAssertFalse(try q.renew(claimed.key, owner: "other-host", lease: 2))
            XCTAssertFalse(try q.finish(claimed, owner: "other-host"))
            XCTAssertEqual(try b.row("REQ-1").status, "SUCCESS")
        }
    }

    /// FAILED requests are retried by a later run (iteration < 3), not by the same one, and stop at 3.
    func testFailedRequestsRetryUntilTheThirdIteration() throws {
        let b = try bench(.local)
        try insert(b, 1, data: #"{"batchFilter": ["batch-01"]}"#)
        for expected in 1...3 {
            try b.run("progress-exhaust", ["--retry-after", "0"])
            XCTAssertEqual(try b.row("REQ-1").iteration, expected)
        }
        XCTAssertTrue(try b.run("progress-exhaust", ["--retry-after", "0"]).stdout.contains("0 request(s)"))
        XCTAssertEqual(try b.row("REQ-1").iteration, 3)
    }

    /// Bad input fails only its own request, with upstream's message (V2-2: a wrong JSON type).
    func testInvalidRequestDataFailsOnlyThatRequest() throws {
        let b = try bench(.postgres)
        try insert(b, 1, data: #"{"batchFilter": " "}"#)
        try insert(b, 2)
        try insert(b, 3, data: #"{}"#)
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("3 request(s): 1 success, 2 failed"))
        XCTAssertTrue(try b.row("REQ-1").errMessage?.hasPrefix("Internal Server Error: batchFilter must be a list") ?? false)
        XCTAssertEqual(try b.row("REQ-1").status, "FAILED")
        XCTAssertEqual(try b.row("REQ-2").status, "SUCCESS")
        XCTAssertEqual(try b.row("REQ-3").errMessage, "Request should have either of batchId, batchFilter, searchFilter or encrption key")
    }

    /// What the host refuses before running anything: no requesting org, request_data that is not JSON.
    func testRequestsWithoutChannelOrWithBrokenJSONFailFirst() throws {
        let b = try bench(.local)
        try insert(b, 1, extra: ["requested_channel": nil])
        try insert(b, 2, data: #"{"batchId": "batch-001""#)
        try insert(b, 3)
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("3 request(s): 1 success, 2 failed"))
        XCTAssertEqual(try b.row("REQ-1").errMessage, "Internal Server Error: the request has no requested_channel (the requesting organisation)")
        XCTAssertEqual(try b.row("REQ-2").errMessage, "Internal Server Error: request_data is not valid JSON (unterminated object at byte 23)")
        XCTAssertEqual(try b.row("REQ-3").status, "SUCCESS")
    }

    static func spawn(_ args: [String], cwd: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func wait(_ p: Process) -> Int32 {
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }
}

/// A request whose job crashes, hangs or answers nothing fails alone, with the reason in its row;
/// the host goes on with the next request and exits 0.
final class RequestIsolationTests: XCTestCase {
    func testCrashingHangingAndSilentJobsFailOnlyTheirRequests() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"], nil, nil)])
        let queue = "local:" + home.path + "/q.jsonl"
        func submit(_ job: String, _ id: String) throws {
            let r = try home.run([
                "requests", "submit", "--requests", queue, "--job", job, "--tag", "t", "--channel", "c",
                "--requested-by", "u-\(id)", "--data", #"{"batchId": "b"}"#, "--request-id", id,
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // test-echo reads this table and writes a report, but knows nothing of requests.
        try home.write("data/sunbird.items.jsonl", #"{"name":"a"}"# + "\n")
        func drain(_ job: String, _ extra: [String] = []) throws -> Harness.Result {
            try home.write(
                "config/jobs/\(job).json", #"{"model":"\#(job)","modelParams":{"mode":"segv","table":"sunbird.items","columns":"name:utf8"}}"#)
            let r = try home.run(
                [
                    "requests", "run", "--job", job, "--requests", queue, "--log-file", home.path + "/log",
                    "--store", "local:" + home.path + "/data",
                ] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return r
        }
        try submit("test-crash", "C1")
        try submit("test-crash", "C2")
        try submit("test-hang", "H1")
        try submit("test-echo", "E1")
        XCTAssertTrue(try drain("test-crash").stdout.contains("2 request(s): 0 success, 2 failed"))
        XCTAssertTrue(try drain("test-hang", ["--timeout", "1"]).stdout.contains("1 request(s): 0 success, 1 failed"))
        XCTAssertTrue(try drain("test-echo").stdout.contains("1 request(s): 0 success, 1 failed"))
        let rows = Dictionary(uniqueKeysWithValues: try RequestQueueFactory.make(queue).list(jobId: nil).map { ($0.requestId, $0) })
        for id in ["C1", "C2"] {
            XCTAssertEqual(rows[id]?.status, "FAILED")
            XCTAssertTrue(
                rows[id]?.errMessage?.hasPrefix("Internal Server Error: job test-crash crashed: plugin process killed by SIG") ?? false,
                rows[id]?.errMessage ?? "")
            XCTAssertEqual(rows[id]?.iteration, 1)
        }
        XCTAssertTrue(rows["H1"]?.errMessage?.contains("exceeded its timeout of 1 s") ?? false, rows["H1"]?.errMessage ?? "")
        // A job that is not request-aware answers nothing: its request fails saying so, its files stay unpublished.
        XCTAssertEqual(rows["E1"]?.errMessage, "Internal Server Error: the job returned no result for the request")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/blob"))
        // The key never shows in listings.
        try home.run([
            "requests", "submit", "--requests", queue, "--job", "test-echo", "--tag", "t", "--channel", "c", "--requested-by", "u",
            "--data", "{}", "--key", "s3cret-key", "--request-id", "K1",
        ])
        let list = try home.run(["requests", "list", "--requests", queue])
        XCTAssertFalse(list.stdout.contains("s3cret-key"), list.stdout)
        XCTAssertTrue(list.stdout.contains(#""encryption_key":"***""#), list.stdout)
    }
}
