import Foundation
import XCTest

@testable import Host

/// Upstream `TestProgramUserInfoExhaustJoB` case 22 ("execute the update and save request method"):
/// saving a request whose row does not exist changes nothing. The queue's concern, so the host's test
/// (the rest of that suite is the ml block's own, in Plugins/ml/Tests).
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
}

final class SaveRequestPostgresTests: SaveRequestTests {
    override var backend: Backend { .postgres }
    override func testSavingARequestNoRowMatches() throws { try super.testSavingARequestNoRowMatches() }
}
