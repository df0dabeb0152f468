import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// Upstream `TestProgressExhaustJobV2` (lern-exhaust-spec §8.2; its 3 cases are `ignore`d upstream,
/// so the expectations are the spec's intended ones), on both stores. No tenant-preference mock: no
/// security level, so the report is a plain zip.
class ProgressExhaustV2Tests: XCTestCase {
    var backend: Backend { .local }
    static var benches: [Backend: ExhaustBench] = [:]
    var bench: ExhaustBench!
    static let config = """
        {"search":{"type":"none"},"model":"org.sunbird.lms.exhaust.collection.ProgressExhaustJobV2","modelParams":{"store":"local","mode":"OnDemand","batchFilters":["TPD"],"searchFilter":{},"sparkElasticsearchConnectionHost":"localhost","sparkRedisConnectionHost":"localhost","sparkUserDbRedisPort":6341,"sparkUserDbRedisIndex":"0","sparkCassandraConnectionHost":"localhost","fromDate":"","toDate":"","storageContainer":"",
        "contentSearchUrl":"{{base}}/api/content/v1/search","batchesLimitPerChannel":3,"fileSizeLimitPerChannel":100,"batchLimitPerRequest":4},"parallelization":8,"appName":"Progress Exhaust V2"}
        """

    override func setUpWithError() throws {
        if Self.benches[backend] == nil {
            let b = try ExhaustBench(
                backend, fixture: "lern/exhaust/progress-exhaust-v2", userCache: "usercache-progress.jsonl", httpDir: "http-progress-v2")
            try b.config("progress-exhaust-v2", Self.config)
            Self.benches[backend] = b
        }
        bench = Self.benches[backend]
        try bench.reset()
    }

    override class func tearDown() { benches = [:] }

    func insertRP(_ data: String) throws {
        try bench.insert([
            "tag": "do_1130928636168192001667_batch-001:channel-01", "request_id": ProgressExhaustTests.requestId,
            "job_id": "progress-exhaust", "request_data": data, "requested_by": "user-002",
            "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
        ])
    }

    func testV2_1GenerateTheReportWithAllTheCorrectData() throws {
        try insertRP(#"{"batchId": "batch-001"}"#)
        try bench.run("progress-exhaust-v2", ["--request-job", "progress-exhaust"])
        let key = "progress-exhaust/\(ProgressExhaustTests.requestId)/batch-001_progress_\(Harness.reportDate()).zip"
        let rows = try bench.csv(key)
        XCTAssertEqual(rows.count, 4)
        let u1 = try XCTUnwrap(rows.first { $0["User UUID"] == "user-001" })
        XCTAssertEqual(u1["Collection Id"], "do_1130928636168192001667")
        XCTAssertEqual(u1["Batch Id"], "BatchId_batch-001")
        XCTAssertEqual(u1["Progress"], "100")
        XCTAssertEqual(u1["Total Score"], "100%")
        XCTAssertEqual(u1["do_1128870328040161281204 - Score"], "100%")
        let byUser = Dictionary(uniqueKeysWithValues: rows.map { ($0["User UUID"] ?? "", $0["Total Score"] ?? "?") })
        XCTAssertEqual(byUser, ["user-001": "100%", "user-002": "100%", "user-003": "", "user-004": ""])  // user-003 scored an unsupported content
        XCTAssertEqual(Set(rows.map { $0["User UUID"] ?? "" }), ["user-001", "user-002", "user-003", "user-004"])
        XCTAssertTrue(rows.contains { $0["Batch Name"] == "Basic Java" })
        XCTAssertEqual(try bench.header(key).last, "do_1128870328040161281204 - Score")
        let r = try bench.requestRow(ProgressExhaustTests.requestId)
        XCTAssertEqual([r.status, r.errMessage, r.dtJobSubmitted], ["SUCCESS", "", "2020-10-19 05:58:18.666"])
        XCTAssertEqual(r.downloadUrls, [key])
        XCTAssertNil(r.dtFileCreated)
        XCTAssertEqual(r.iteration, 0)
    }

    func testV2_2InvalidRequestDataFailsTheRequest() throws {
        try insertRP(#"{"batchFilter": " "}"#)
        try bench.run("progress-exhaust-v2", ["--request-job", "progress-exhaust"])
        let r = try bench.requestRow(ProgressExhaustTests.requestId)
        XCTAssertEqual(r.requestId, "37564CF8F134EE7532F125651B51D17F")
        XCTAssertEqual(r.status, "FAILED")
        XCTAssertTrue(r.errMessage?.contains("Internal Server Error:") ?? false, r.errMessage ?? "")
    }
}

final class ProgressExhaustV2PostgresTests: ProgressExhaustV2Tests {
    override var backend: Backend { .postgres }
    override func testV2_1GenerateTheReportWithAllTheCorrectData() throws { try super.testV2_1GenerateTheReportWithAllTheCorrectData() }
    override func testV2_2InvalidRequestDataFailsTheRequest() throws { try super.testV2_2InvalidRequestDataFailsTheRequest() }
}
