import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestScoreMetricMigrationJob` (lern-jobs-spec §6) on the embedded SQLite store and on
/// PostgreSQL: the fixture reloaded per test, the job run through the binary, the rewritten
/// `user_activity_agg` rows read back from the store.
class ScoreMetricMigrationTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var store: String { bench.store }
    static let job = "score-metric-migration-job"

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try bench.load(try Harness.fixture("lern/score-metrics-migration/data"))
    }

    override func tearDown() { bench = nil }

    /// Runs the job with these modelParams; returns totalRecordsUpdated.
    @discardableResult
    func run(_ modelParams: String) throws -> Int64? {
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":\#(modelParams)}"#)
        let r = try home.run(["run", Self.job, "--store", store, "--log-file", home.path + "/joblog.log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return bench.jobEnd?["totalRecordsUpdated"]?.int
    }

    struct Row {
        var aggregates: JSONValue
        var lastUpdated: JSONValue
        var details: [JSONValue]
    }

    /// The stored row of (context, course, user).
    func row(_ context: String, _ course: String, _ user: String) throws -> Row {
        let columns = [
            Field("context_id", .utf8), Field("activity_id", .utf8), Field("user_id", .utf8), Field("aggregates", .json),
            Field("agg_last_updated", .json), Field("agg_details", .json),
        ]
        let r = try XCTUnwrap(
            try bench.rows("sunbird_courses", "user_activity_agg", columns).last {
                $0[0] == .string(context) && $0[1] == .string(course) && $0[2] == .string(user)
            }, "no row \(context) \(course) \(user)")
        func json(_ v: Value) throws -> JSONValue {
            switch v {
            case .json(let t), .string(let t): return try JSONParser.parse(t)
            default: return .null
            }
        }
        return Row(
            aggregates: try json(r[3]), lastUpdated: try json(r[4]),
            details: try (try json(r[5])).array?.map { try JSONParser.parse($0.string ?? "") } ?? [])
    }

    func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    func testAllBatches() throws {
        XCTAssertEqual(try run(#"{"metricsType":"attempt_metrics","forceMerge":false}"#), 6)  // users 001, 002, 003, 008, 010, 012
        let c179 = "do_112876961957437440179"
        let u8 = try row("cb:batch-001", "do_11306040245271756813015", "user-008")
        XCTAssertEqual(number(u8.aggregates["completedCount"]), 0)
        XCTAssertEqual(number(u8.aggregates["score:" + c179]), 10)
        XCTAssertEqual(number(u8.aggregates["max_score:" + c179]), 10)
        XCTAssertEqual(number(u8.aggregates["attempts_count:" + c179]), 1)
        for k in ["completedCount", "score:" + c179, "max_score:" + c179, "attempts_count:" + c179] {
            XCTAssertNotNil(u8.lastUpdated[k], k)
        }
        XCTAssertEqual(u8.details.count, 2)
        for d in u8.details {
            XCTAssertEqual(number(d["max_score"]), 10)
            XCTAssertEqual(number(d["score"]), 10)
            XCTAssertEqual(d["type"]?.string, "attempt_metrics")
            XCTAssertEqual(d["attempt_id"]?.string, "attempat-001")
        }
        XCTAssertEqual(Set(u8.details.compactMap { $0["content_id"]?.string }), ["do_112876961957437440110", c179])
        XCTAssertEqual(u8.details.compactMap { $0["attempted_on"]?.int }, [1_634_810_023])

        let u10 = try row("cb:batch-001", "do_11306040245271756813015", "user-010")
        XCTAssertEqual(u10.details.count, 2)
        XCTAssertTrue(u10.details.allSatisfy { number($0["max_score"]) == 15 && $0["content_id"]?.string == "do_11307593493010022418" })
        XCTAssertEqual(Set(u10.details.compactMap { number($0["score"]) }), [10, 15])
        XCTAssertEqual(Set(u10.details.compactMap { $0["attempt_id"]?.string }), ["attempat-001", "attempat-002"])

        let u3 = try row("cb:batch-001", "do_1130928636168192001667", "user-003")
        XCTAssertEqual(number(u3.aggregates["completedCount"]), 1)
        XCTAssertEqual(number(u3.aggregates["score:" + c179]), 7.5)
        XCTAssertEqual(number(u3.aggregates["max_score:" + c179]), 10)
        XCTAssertEqual(number(u3.aggregates["attempts_count:" + c179]), 2)
        // The existing timestamp is kept, in epoch milliseconds.
        XCTAssertEqual(u3.lastUpdated["completedCount"]?.int, 1_600_300_800_000)  // 2020-09-17T00:00:00Z
        // A user without attempts is left alone.
        let u4 = try row("cb:batch-001", "do_1130928636168192001667", "user-004")
        XCTAssertEqual(u4.aggregates.render(), #"{"completedCount":1}"#)
        // Running again changes nothing (existing details are kept once, QUIRK Q40).
        XCTAssertEqual(try run(#"{"metricsType":"attempt_metrics","forceMerge":false}"#), 6)
        XCTAssertEqual(try row("cb:batch-001", "do_11306040245271756813015", "user-010").details.count, 2)
        XCTAssertEqual(try row("cb:batch-001", "do_11306040245271756813015", "user-008").details.count, 2)
    }

    func testOneBatch() throws {
        XCTAssertEqual(try run(#"{"batchId":["batch-002"],"forceMerge":false}"#), 1)
        let u12 = try row("cb:batch-002", "do_1130293726460805121168", "user-012")
        XCTAssertEqual(number(u12.aggregates["completedCount"]), 1)
        XCTAssertEqual(number(u12.aggregates["score:do_11307593493010022419"]), 10)
        XCTAssertEqual(number(u12.aggregates["max_score:do_11307593493010022419"]), 15)
        XCTAssertEqual(number(u12.aggregates["attempts_count:do_11307593493010022419"]), 1)
        let first = try XCTUnwrap(u12.details.first)
        XCTAssertEqual(number(first["max_score"]), 15)
        XCTAssertEqual(number(first["score"]), 10)
        XCTAssertEqual(first["type"]?.string, "attempt_metrics")
        XCTAssertEqual(first["attempt_id"]?.string, "attempat-001")
        XCTAssertEqual(first["content_id"]?.string, "do_11307593493010022419")
        // Batch 001 was not touched.
        XCTAssertNil(try row("cb:batch-001", "do_11306040245271756813015", "user-010").aggregates["score:do_11307593493010022418"])
    }

    func testForceMerge() throws {
        XCTAssertEqual(try run(#"{"batchId":[],"forceMerge":true}"#), 6)
        let u10 = try row("cb:batch-001", "do_11306040245271756813015", "user-010")
        XCTAssertEqual(number(u10.aggregates["completedCount"]), 1)
        XCTAssertEqual(number(u10.aggregates["score:do_11307593493010022418"]), 10)
        XCTAssertEqual(number(u10.aggregates["max_score:do_11307593493010022418"]), 15)
        XCTAssertEqual(u10.details.count, 1)
        XCTAssertEqual(
            u10.details.first?.render(),
            #"{"max_score":15.0,"score":10.0,"type":"attempt_metrics","attempt_id":"attempat-002","content_id":"do_11307593493010022418"}"#)
    }

    /// A map column that is not a map (on the last learner in user order): one line naming the row,
    /// exit 67, nothing written.
    func testAMalformedMapColumnFailsAndWritesNothing() throws {
        // One more row, loaded as any fixture is (upserted by the schema's key), whose agg is a list.
        try home.write(
            "bad/sunbird_courses.user_activity_agg.jsonl",
            #"{"activity_type":"Course","activity_id":"do_1130928636168192001667","user_id":"user-999","context_id":"cb:batch-001","agg":[1, 2]}"#
                + "\n")
        try bench.load(home.path + "/bad")
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":{}}"#)
        let r = try home.run(["run", Self.job, "--store", store])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("user_activity_agg (user-999, do_1130928636168192001667, cb:batch-001): agg is not a map"), r.stderr)
        XCTAssertNil(try row("cb:batch-001", "do_1130928636168192001667", "user-003").aggregates["score:do_112876961957437440179"])
    }

    /// Q51: a listed batch without activity rows fails before anything is written.
    func testAnUnknownBatchFailsAndWritesNothing() throws {
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":{"batchId":["batch-001","no-such-batch"]}}"#)
        let r = try home.run(["run", Self.job, "--store", store])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("batch no-such-batch has no rows in sunbird_courses.user_activity_agg; nothing was written"), r.stderr)
        XCTAssertNil(try row("cb:batch-001", "do_1130928636168192001667", "user-003").aggregates["score:do_112876961957437440179"])
    }
}

final class ScoreMetricMigrationPostgresTests: ScoreMetricMigrationTests {
    override var backend: Backend { .postgres }
    override func testAllBatches() throws { try super.testAllBatches() }
    override func testOneBatch() throws { try super.testOneBatch() }
    override func testForceMerge() throws { try super.testForceMerge() }
    override func testAMalformedMapColumnFailsAndWritesNothing() throws { try super.testAMalformedMapColumnFailsAndWritesNothing() }
    override func testAnUnknownBatchFailsAndWritesNothing() throws { try super.testAnUnknownBatchFailsAndWritesNothing() }
}
