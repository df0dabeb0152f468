import Foundation
import XCTest
@testable import Host
import RowBatch

/// The embedded queue in SQLite keeps the PostgreSQL queue's guarantees on one machine: several
/// hosts drain it at once, a host killed at any instant loses nothing and its request is taken over
/// when its lease expires, a live lease is respected.
final class SQLiteQueueTests: XCTestCase {
    func bench() throws -> ExhaustBench {
        let b = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        b.useSQLiteQueue()
        try b.config("progress-exhaust", RequestQueueTests.config)
        return b
    }

    func insert(_ b: ExhaustBench, _ id: String, data: String = #"{"batchId": "batch-001"}"#) throws {
        try b.insert([
            "tag": "t:channel-01", "request_id": id, "job_id": "progress-exhaust", "request_data": data, "requested_by": "user-\(id)",
            "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
        ])
    }

    func testLiveLeaseRespectedExpiredLeaseTakenOver() throws {
        let b = try bench()
        try insert(b, "REQ-1")
        let q = try RequestQueueFactory.make(b.queue)
        let claimed = try XCTUnwrap(
            try q.claim(jobId: "progress-exhaust", owner: "other-host", lease: 2, retryAfter: 300, batchNumber: nil, exclude: []))
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("0 request(s)"))
        sleep(3)
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("1 request(s): 1 success"))
        XCTAssertFalse(try q.renew(claimed.key, owner: "other-host", lease: 2))
        XCTAssertFalse(try q.finish(claimed, owner: "other-host"))
        XCTAssertEqual(try b.row("REQ-1").status, "SUCCESS")
        XCTAssertThrowsError(try insert(b, "REQ-1"), "a request is queued once")
    }

    /// 3 hosts drain 60 requests while one is SIGKILLed midway: every request ends exactly once,
    /// none is lost, the queue file stays readable (an operation is one transaction).
    func testThreeHostsShareTheFileOneKilledMidway() throws {
        let b = try bench()
        let n = 60
        for i in 0..<n { try insert(b, "REQ-\(i)", data: i % 10 == 9 ? #"{"batchFilter": ["batch-01"]}"# : #"{"batchId": "batch-001"}"#) }
        let q = try RequestQueueFactory.make(b.queue)
        func terminal() throws -> Int { try q.list(jobId: nil).filter { $0.status == "SUCCESS" || $0.status == "FAILED" }.count }
        let hosts = try (0..<3).map { i in
            try RequestQueueTests.spawn(b.runArguments("progress-exhaust", log: b.home.path + "/host\(i).log") + ["--lease", "3"], cwd: b.home.path)
        }
        let deadline = Date().addingTimeInterval(120)
        while try terminal() < n / 3, Date() < deadline { usleep(20_000) }
        kill(hosts[0].processIdentifier, SIGKILL)
        for h in hosts.dropFirst() { XCTAssertEqual(RequestQueueTests.wait(h), 0) }
        _ = RequestQueueTests.wait(hosts[0])
        if try q.list(jobId: nil).contains(where: { $0.status == "PROCESSING" }) {
            sleep(4)  // the killed host's lease expires; the next run takes its request over
            XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("1 request(s)"))
        }
        let rows = try q.list(jobId: nil)
        XCTAssertEqual(rows.count, n)
        XCTAssertEqual(rows.filter { $0.status == "SUCCESS" }.count, n - n / 10)
        XCTAssertEqual(rows.filter { $0.status == "FAILED" }.count, n / 10)
        let finished = try QueueInvariants.tally(logsIn: b.home.path).finished
        XCTAssertEqual(finished.count, n)
        XCTAssertEqual(finished.filter { $0.value != 1 }.count, 0, "finished more than once: \(finished.filter { $0.value != 1 })")
    }
}
