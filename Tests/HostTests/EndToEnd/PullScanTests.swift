import Foundation
import XCTest

/// ABI 1.5 pull scans through a real plugin (swift-testkit's test-merge): two ordered cursors open at
/// once, merge-joined in batches of 2 with one batch read ahead; closing one early; a cursor on a
/// missing table fails the job instead of hanging. On the local store and on PostgreSQL.
class PullScanTests: XCTestCase {
    var home: Harness.Home!
    var store: String { "local:" + home.path + "/data" }

    static let enrolments = [  // file order is not key order
        #"{"userid":"u4","courseid":"c","batchid":"b1"}"#, #"{"userid":"u2","courseid":"c","batchid":"b2"}"#,
        #"{"userid":"u1","courseid":"c","batchid":"b1"}"#, #"{"userid":"u5","courseid":"c","batchid":"b1"}"#,
        #"{"userid":"u2","courseid":"c","batchid":"b1"}"#,
    ]
    static let attempts = ["u4:a1", "u1:a2", "u3:a1", "u4:a3", "u6:a1", "u1:a1", "u4:a2"].map { pair -> String in
        let p = pair.split(separator: ":")
        return #"{"user_id":"\#(p[0])","course_id":"c","batch_id":"b1","content_id":"x","attempt_id":"\#(p[1])"}"#
    }

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-merge"], nil, nil)])
        try home.write("data/sunbird_courses.user_enrolments.jsonl", Self.enrolments.joined(separator: "\n"))
        try home.write("data/sunbird_courses.assessment_aggregator.jsonl", Self.attempts.joined(separator: "\n"))
        try prepare()
    }

    func prepare() throws {}

    func merge(_ params: String) throws -> Harness.Result {
        try home.write("config/jobs/test-merge.json", #"{"modelParams":{\#(params)}}"#)
        return try home.run(["run", "test-merge", "--store", store])
    }

    func testTwoOrderedCursorsMergeJoin() throws {
        let r = try merge("")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/merge/rows.csv"), "user,batch,attempts\nu1,b1,2\nu2,b1,0\nu2,b2,0\nu4,b1,3\nu5,b1,0\n")
    }

    func testClosingACursorEarlyStopsItsScan() throws {
        let r = try merge(#""stopAfter":2"#)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/merge/rows.csv"), "user,batch,attempts\nu1,b1,2\nu2,b1,0\nu2,b2,0\nu4,b1,0\nu5,b1,0\n")
    }

    func testAMissingTableFailsFromTheCursor() throws {
        let r = try merge(#""attemptsTable":"sunbird_courses.nope""#)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("sunbird_courses.nope"), r.stderr)
        XCTAssertNil(home.read("reports/merge/rows.csv"), "a failed job publishes nothing")
    }
}

/// The same on PostgreSQL (the fetcher thread of the store under the cursor's own thread).
final class PullScanPostgresTests: PullScanTests {
    var db: Harness.PostgresDatabase!
    override var store: String { "postgres:" + db.conninfo }

    override func prepare() throws {
        db = try Harness.PostgresDatabase()
        let load = try Harness.run([
            "load", home.path + "/data", "--into", "postgres:" + db.conninfo,
            "--schema", Harness.repoRoot + "/config/schema/postgres.sql",
        ])
        XCTAssertEqual(load.status, 0, load.stderr)
    }

    override func tearDown() { db?.drop() }

    override func testTwoOrderedCursorsMergeJoin() throws { try super.testTwoOrderedCursorsMergeJoin() }
    override func testClosingACursorEarlyStopsItsScan() throws { try super.testClosingACursorEarlyStopsItsScan() }
    override func testAMissingTableFailsFromTheCursor() throws { try super.testAMissingTableFailsFromTheCursor() }
}
