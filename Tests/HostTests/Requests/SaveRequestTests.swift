import Foundation
import XCTest

@testable import Host

/// Upstream's "execute the update and save request method" cases (`TestProgramUserInfoExhaustJoB` 22,
/// `TestUserInfoExhaustJob` U12): saving a request whose row does not exist changes nothing. The
/// queue's concern, so the host's tests (the rest of those suites are the blocks' own).
class SaveRequestTests: XCTestCase {
    var backend: Backend { .local }

    func testSavingARequestNoRowMatches() throws {
        let bench = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "../../../Plugins/ml/Tests/Fixtures/usercache-ml.jsonl",
            httpDir: "http-progress", plugin: "ml")
        var ghost = JobRequest(tag: "program_62205480a81abe61c07e5058:01250894314817129555", requestId: "nope", jobId: "program-user-exhaust")
        ghost.status = "SUCCESS"
        XCTAssertFalse(try RequestQueueFactory.make(bench.queue).finish(ghost, owner: "me"))
        XCTAssertEqual(try RequestQueueFactory.make(bench.queue).list(jobId: nil).count, 0)
    }

    /// U12: beside a real request, the ghost's outcome is refused and the real row stays SUBMITTED.
    func testU12SavingAnUnknownRequestChangesNothing() throws {
        let bench = try ExhaustBench(backend, fixture: "lern/exhaust/report_data", userCache: "usercache-userinfo.jsonl", httpDir: "http-userinfo")
        try bench.insert([
            "tag": "do_1131350140968632321230_batch-001:channel-01", "request_id": Workloads.progressRequestId, "job_id": "userinfo-exhaust",
            "request_data": #"{"batchId": "batch-001"}"#, "requested_by": "user-002", "requested_channel": "channel-01", "encryption_key": "test12",
        ])
        var ghost = JobRequest(tag: "'do_1131350140968632321230_batch-001:channel-01'", requestId: "123", jobId: "userinfo-exhaust")
        ghost.encryptionKey = "test-123"
        ghost.status = "SUCCESS"
        XCTAssertFalse(try RequestQueueFactory.make(bench.queue).finish(ghost, owner: "me"))
        XCTAssertEqual(try RequestQueueFactory.make(bench.queue).list(jobId: nil).map(\.requestId), [Workloads.progressRequestId])
        XCTAssertEqual(try bench.row(Workloads.progressRequestId).status, "SUBMITTED")
    }
}

final class SaveRequestPostgresTests: SaveRequestTests {
    override var backend: Backend { .postgres }
    override func testSavingARequestNoRowMatches() throws { try super.testSavingARequestNoRowMatches() }
    override func testU12SavingAnUnknownRequestChangesNothing() throws { try super.testU12SavingAnUnknownRequestChangesNothing() }
}
