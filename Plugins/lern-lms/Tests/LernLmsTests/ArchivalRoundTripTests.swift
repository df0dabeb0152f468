import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// The archival design's promise, end to end: a response exhaust V2 report is the same before and
/// after `assessment-archival` moved the batch's attempts out of the table into the blob store.
class ArchivalRoundTripTests: XCTestCase {
    var backend: Backend { .local }

    func testResponseReportIsTheSameBeforeAndAfterArchival() throws {
        let b = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "usercache-response.jsonl",
            httpDir: "http-response-v2", writable: true)
        try b.config("response-exhaust-v2", ResponseExhaustV2Tests.config(csvColumns: true, filePath: "archived-data/"))
        try b.config(
            "assessment-archival",
            """
            {"model":"assessment-archival","modelParams":{"mode":"archival-and-delete","request":{"archivalTable":"assessment_aggregator","batchId":"batch-001","collectionId":"do_1130928636168192001667"},"blobConfig":{"reportPath":"archived-data/"}}}
            """)
        let key = "response-exhaust/\(ResponseExhaustV2Tests.requestId)/batch-001_response_\(Harness.reportDate()).zip"
        func report() throws -> [[String: String]] {
            try b.reset(keepingBlobs: true)
            try b.insert([
                "tag": "t:01250894314817126443", "request_id": ResponseExhaustV2Tests.requestId, "job_id": "response-exhaust",
                "request_data": #"{"batchId": "batch-001"}"#, "requested_by": "user-002",
                "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
            ])
            try b.run("response-exhaust-v2", ["--request-job", "response-exhaust"])
            return try b.csv(key, textKey: "test12")
        }
        func liveRows() throws -> Int {
            switch backend {
            case .local:
                return try String(contentsOfFile: b.home.path + "/tables/sunbird_courses.assessment_aggregator.jsonl", encoding: .utf8)
                    .split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
                    .filter { $0["batch_id"]?.string == "batch-001" && $0["course_id"]?.string == "do_1130928636168192001667" }.count
            case .postgres:
                return Int(
                    try Harness.psql(
                        b.db!.conninfo,
                        "SELECT count(*) FROM sunbird_courses.assessment_aggregator WHERE batch_id = 'batch-001' AND course_id = 'do_1130928636168192001667'"
                    )) ?? -1
            }
        }
        XCTAssertGreaterThan(try liveRows(), 0)
        let before = try report()
        XCTAssertEqual(before.count, 6)  // the live rows: user-001's 4 questions, user-002's and user-003's attempts
        let archival = try b.runStandalone("assessment-archival")
        XCTAssertEqual(archival.status, 0, archival.stderr)
        // The batch's attempts left the table (archived, verified, then deleted) ...
        XCTAssertEqual(try liveRows(), 0)
        let after = try report()
        // ... and the report reads them back from the archive, identical.
        XCTAssertEqual(after, before)
        XCTAssertTrue(try FileManager.default.subpathsOfDirectory(atPath: b.blob + "/archived-data").contains { $0.hasSuffix(".csv.gz") })
    }
}

final class ArchivalRoundTripPostgresTests: ArchivalRoundTripTests {
    override var backend: Backend { .postgres }
    override func testResponseReportIsTheSameBeforeAndAfterArchival() throws { try super.testResponseReportIsTheSameBeforeAndAfterArchival() }
}
