import XCTest

@testable import PluginKit

/// The request a run serves as the host hands it over, and the job's answer as the host reads it.
final class RequestTests: XCTestCase {
    func testRequestFromTheHostsJSON() throws {
        let r = ExhaustRequest(
            json: try JSONParser.parse(
                """
                {"tag": "t:c", "requestId": "R1", "jobId": "progress-exhaust", "requestData": {"batchId": "b1"},
                 "requestedBy": "u", "requestedChannel": "c", "hasEncryptionKey": true,
                 "processedBatches": [{"channel": "c", "batchId": "b0", "filePath": "p.csv", "fileSize": 12}],
                 "securityLevel": "PLAIN_DATASET", "piiFields": ["email"], "budget": {"batches": 3, "bytes": 100}, "date": "20261201"}
                """))
        XCTAssertEqual(r.requestId, "R1")
        XCTAssertEqual(r.requestData["batchId"]?.string, "b1")
        XCTAssertTrue(r.hasEncryptionKey)
        XCTAssertEqual(r.processedBatches, [ProcessedBatch(channel: "c", batchId: "b0", filePath: "p.csv", fileSize: 12)])
        XCTAssertEqual(r.piiFields, ["email"])
        XCTAssertEqual(r.budgetBatches, 3)
        XCTAssertEqual(r.budgetBytes, 100)
    }

    func testAMissingBudgetMeansNoLimitAndTheAnswerRendersAsTheHostReadsIt() throws {
        let r = ExhaustRequest(json: try JSONParser.parse(#"{"requestId": "R2"}"#))
        XCTAssertEqual(r.budgetBatches, Int(Int32.max))
        XCTAssertEqual(r.budgetBytes, .max)
        XCTAssertFalse(r.hasEncryptionKey)
        let answer = RequestResult(.failed, message: "No data found", files: ["a/b"]).json.render()
        XCTAssertEqual(answer, #"{"status":"FAILED","message":"No data found","processedBatches":[],"files":["a/b"]}"#)
    }
}
