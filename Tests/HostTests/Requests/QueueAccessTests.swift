import Foundation
import RowBatch
import XCTest
@testable import Host

/// Issue 31 classes 7 and 8: reading commands never create the queue they are asked to read, and the
/// SQLite queue selects through indexed columns (a queue written before them is upgraded in place).
final class QueueAccessTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        dir = NSTemporaryDirectory() + "dp-test-queue-access-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// `stats` and `list` pointed at a queue that is not there fail saying so, and leave nothing behind:
    /// monitoring pointed at a typo must not report a healthy, empty queue.
    func testReadingCommandsRefuseAMissingQueueAndCreateNothing() throws {
        let db = try Harness.PostgresDatabase()
        for spec in ["sqlite:\(dir)/typo/q.sqlite", "local:\(dir)/typo/q.jsonl", "postgres:\(db.conninfo)"] {
            for command in [["requests", "stats"], ["requests", "list"]] {
                let r = try Harness.run(command + ["--requests", spec, "--home", dir], cwd: dir)
                XCTAssertNotEqual(r.status, 0, "\(command) \(spec)")
                XCTAssertTrue(r.stderr.contains("does not exist"), "\(command) \(spec): \(r.stderr)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/typo"), "no folder made")
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT count(*) FROM pg_tables WHERE tablename = 'job_request'"), "0", "no table made")
    }

    /// The deployment's own default queue before its first request is empty, not missing, and
    /// reading it still creates nothing.
    func testTheDefaultQueueBeforeItsFirstRequestReadsAsEmpty() throws {
        let home = try Harness.Home.withTestkit(["test-echo"])
        let stats = try home.run(["requests", "stats", "--format", "prometheus"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains("dataproducts_requests_queue_up 1"), stats.stdout)
        XCTAssertEqual(try home.run(["requests", "list"]).stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/requests"))
    }

    /// A queue file from before the indexed columns: a writing command upgrades it in place (every
    /// request kept, a damaged row quarantined), a reading one says how to upgrade it.
    func testAQueueWrittenBeforeTheIndexedColumnsIsUpgraded() throws {
        let path = dir + "/old.sqlite"
        let old = try SQLiteConnection(path)
        try old.exec(
            "CREATE TABLE dp_job_request (seq INTEGER PRIMARY KEY, tag TEXT NOT NULL, request_id TEXT NOT NULL, row BLOB NOT NULL, UNIQUE (tag, request_id))"
        )
        for (i, status) in ["SUCCESS", "SUBMITTED", "FAILED"].enumerated() {
            var row = JobRequest(tag: "t", requestId: "R\(i)", jobId: "progress-exhaust")
            row.status = status
            row.dtJobSubmitted = "2026-01-0\(i + 1) 00:00:00.000"
            try old.exec(
                "INSERT INTO dp_job_request (tag, request_id, row) VALUES ('t', 'R\(i)', '\(QueuedRow(request: row, leaseExpires: nil).json.render())')"
            )
        }
        try old.exec("INSERT INTO dp_job_request (tag, request_id, row) VALUES ('t', 'BAD', '{\"tag\":')")
        let read = try Harness.run(["requests", "list", "--requests", "sqlite:" + path], cwd: dir)
        XCTAssertNotEqual(read.status, 0)
        XCTAssertTrue(read.stderr.contains("predates its indexed columns"), read.stderr)

        let q = try SQLiteRequestQueue(path: path)
        XCTAssertEqual(try q.list(jobId: nil).map(\.requestId), ["R0", "R1", "R2"], "every request kept, the damaged row moved aside")
        let claimed = try q.claim(jobId: "progress-exhaust", owner: "me", lease: 60, retryAfter: 0, batchNumber: nil, exclude: [])
        XCTAssertEqual(claimed?.requestId, "R1", "the oldest waiting request")
        XCTAssertEqual(try q.claim(jobId: "progress-exhaust", owner: "me", lease: 60, retryAfter: 0, batchNumber: nil, exclude: [])?.requestId, "R2")
        XCTAssertNil(try q.claim(jobId: "progress-exhaust", owner: "me", lease: 60, retryAfter: 0, batchNumber: nil, exclude: []))
        let list = try Harness.run(["requests", "list", "--requests", "sqlite:" + path], cwd: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
    }

    /// A claim reads the waiting rows only: finished ones are not even parsed (a damaged finished row
    /// stays where it is, unnoticed by claims; `list` still finds it).
    func testAClaimDoesNotReadFinishedRows() throws {
        let path = dir + "/q.sqlite"
        let q = try SQLiteRequestQueue(path: path)
        var done = JobRequest(tag: "t", requestId: "DONE", jobId: "progress-exhaust")
        done.status = JobRequest.Status.success
        try q.submit(done)
        try q.submit(JobRequest(tag: "t", requestId: "NEW", jobId: "progress-exhaust"))
        try SQLiteConnection(path).exec("UPDATE dp_job_request SET row = 'not json' WHERE request_id = 'DONE'")
        XCTAssertEqual(try q.claim(jobId: "progress-exhaust", owner: "me", lease: 60, retryAfter: 0, batchNumber: nil, exclude: [])?.requestId, "NEW")
        let count = try SQLiteConnection(path).prepare("SELECT count(*) FROM dp_job_request")
        XCTAssertTrue(try count.step())
        XCTAssertEqual(count.int(0), 2, "the finished row was not touched")
        XCTAssertEqual(try q.list(jobId: nil).map(\.requestId), ["NEW"], "list reads it and moves it aside")
    }
}
