import Foundation
import XCTest
@testable import Host
import RowBatch

/// Faults on purpose while hosts drain the queue (issue 18 item 4), each ending with the queue's
/// invariants (QueueInvariants): every request SUCCESS or FAILED with a reason, no report published
/// twice, every recorded download present, no host crash.
final class QueueFaultTests: XCTestCase {
    func bench(_ backend: Backend) throws -> ExhaustBench {
        let b = try ExhaustBench(backend, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        try b.config("progress-exhaust", RequestQueueTests.config)
        return b
    }

    /// `n` requests, every tenth one for a batch that does not exist (it fails: "No data found").
    func insert(_ b: ExhaustBench, _ n: Int) throws {
        if b.backend == .postgres {
            let values = (0..<n).map { i in
                let data = i % 10 == 9 ? #"{"batchFilter": ["batch-01"]}"# : #"{"batchId": "batch-001"}"#
                return
                    "('t:channel-01', 'REQ-\(i)', 'progress-exhaust', 'SUBMITTED', '\(data)', 'user-\(i)', 'b00bc992ef25f1a9a8d63291e20efc8d', '2020-10-19 05:58:18.666', '{}', 0, '', 0, 'test12')"
            }
            try Harness.psql(
                b.db!.conninfo,
                "INSERT INTO job_request (tag, request_id, job_id, status, request_data, requested_by, requested_channel, dt_job_submitted, download_urls, execution_time, err_message, iteration, encryption_key) VALUES "
                    + values.joined(separator: ", "))
            return
        }
        for i in 0..<n {
            try b.insert([
                "tag": "t:channel-01", "request_id": "REQ-\(i)", "job_id": "progress-exhaust",
                "request_data": i % 10 == 9 ? #"{"batchFilter": ["batch-01"]}"# : #"{"batchId": "batch-001"}"#, "requested_by": "user-\(i)",
                "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
            ])
        }
    }

    func terminal(_ b: ExhaustBench) throws -> Int {
        try RequestQueueFactory.make(b.queue).list(jobId: nil).filter { $0.status == "SUCCESS" || $0.status == "FAILED" }.count
    }

    func host(_ b: ExhaustBench, _ name: String, _ extra: [String] = []) throws -> Process {
        try RequestQueueTests.spawn(b.runArguments("progress-exhaust", log: b.home.path + "/\(name).log") + extra, cwd: b.home.path)
    }

    /// Runs hosts (cron's next ticks) until every request is terminal or the deadline passes.
    @discardableResult
    func drainToTheEnd(_ b: ExhaustBench, _ n: Int, _ extra: [String], deadline: Date) throws -> Int {
        var tick = 0
        while try terminal(b) < n, Date() < deadline {
            tick += 1
            let p = try host(b, "tick\(tick)", extra)
            XCTAssertEqual(RequestQueueTests.wait(p), 0, "tick \(tick) host")
            if try terminal(b) < n { sleep(1) }  // a dead host's lease has to expire first
        }
        return tick
    }

    /// PostgreSQL restarted (fast: every connection dropped) while three hosts drain 300 requests.
    /// A host that loses the queue exits 70; its claimed request waits for its lease to expire and
    /// is taken over by the next tick; a request whose job lost the store failed with that reason
    /// and is retried. Nothing is lost, nothing published twice.
    func testPostgresRestartedWhileThreeHostsDrain300Requests() throws {
        guard let dir = ProcessInfo.processInfo.environment["DATAPRODUCTS_TEST_PG_DIR"] else {
            return XCTFail("DATAPRODUCTS_TEST_PG_DIR is not set (scripts/test.sh sets it)")
        }
        let b = try bench(.postgres)
        let n = 300
        try insert(b, n)
        let args = ["--lease", "3", "--retry-after", "0"]
        let hosts = try (0..<3).map { try host(b, "host\($0)", args) }
        let deadline = Date().addingTimeInterval(240)
        while try terminal(b) < n / 3, Date() < deadline { usleep(50_000) }
        XCTAssertEqual(Harness.spawnAndWait(Harness.repoRoot + "/scripts/test-postgres.sh", ["restart", dir]), 0)
        let statuses = hosts.map(RequestQueueTests.wait)
        XCTAssertTrue(statuses.allSatisfy { $0 == 0 || $0 == 70 }, "each host drained or reported the lost queue (70), none crashed: \(statuses)")
        let ticks = try drainToTheEnd(b, n, args, deadline: deadline)
        try QueueInvariants.check(b, requests: n)
        let rows = try RequestQueueFactory.make(b.queue).list(jobId: nil)
        XCTAssertEqual(rows.filter { $0.status == "SUCCESS" }.count, n - n / 10, "the store's restart cost no request its success")
        XCTAssertTrue(
            rows.filter { $0.status == "FAILED" }.allSatisfy { $0.errMessage == "No data found" },
            "\(rows.filter { $0.status == "FAILED" }.map { $0.errMessage ?? "" })")
        print("PostgreSQL restart: host exits \(statuses), then \(ticks) tick(s) to finish")
    }

    /// Twenty rounds on the embedded SQLite queue: a host started and SIGKILLed at a random moment
    /// (claim, job, upload, record, whatever it was doing), then the rest drained.
    func testHostsKilledAtRandomMomentsOverTwentyRounds() throws {
        let b = try bench(.local)
        b.useSQLiteQueue()
        let n = 60
        try insert(b, n)
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let p = try host(b, "round\(round)", ["--lease", "1"])
            usleep(UInt32.random(in: 20_000...400_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            _ = RequestQueueTests.wait(p)
        }
        XCTAssertLessThan(try terminal(b), n, "the rounds should leave work for the final drain")
        sleep(2)  // the last killed host's lease expires
        try drainToTheEnd(b, n, ["--lease", "1"], deadline: Date().addingTimeInterval(180))
        try QueueInvariants.check(b, requests: n)
        let rows = try RequestQueueFactory.make(b.queue).list(jobId: nil)
        XCTAssertEqual(rows.filter { $0.status == "SUCCESS" }.count, n - n / 10)
    }

    /// The lease fence: a host frozen (SIGSTOP) right after its claim, as a host cut off from the
    /// database would be, outlives its lease; another host takes the request over and records it.
    /// Thawed, the first host's late outcome and upload are refused: one outcome, one publication.
    func testAFrozenHostsLateOutcomeIsRefusedByTheLeaseFence() throws {
        let b = try bench(.postgres)
        try insert(b, 1)
        let frozen = try host(b, "frozen", ["--lease", "2"])
        let deadline = Date().addingTimeInterval(30)
        while try Harness.psql(b.db!.conninfo, "SELECT count(*) FROM job_request WHERE status = 'PROCESSING'") != "1", Date() < deadline {
            usleep(5_000)
        }
        kill(frozen.processIdentifier, SIGSTOP)
        sleep(3)  // its lease (2 s) expires while it cannot renew
        let other = try host(b, "other", ["--lease", "2"])
        XCTAssertEqual(RequestQueueTests.wait(other), 0)
        XCTAssertEqual(try b.row("REQ-0").status, "SUCCESS", "the other host took the request over")
        kill(frozen.processIdentifier, SIGCONT)
        XCTAssertEqual(RequestQueueTests.wait(frozen), 0, "the thawed host goes on without crashing")
        let t = try QueueInvariants.check(b, requests: 1)
        XCTAssertEqual(t.finished["REQ-0"], 1, "only the other host's outcome was recorded")
        let frozenLog = b.home.read("frozen.log") ?? ""
        XCTAssertTrue(frozenLog.contains("lease lost to another host"), frozenLog)
        XCTAssertFalse(frozenLog.contains(#""published""#), "the frozen host published nothing")
    }
}
