import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestCourseBatchStatusUpdater` (lern-jobs-spec §4) on the embedded SQLite store and on
/// PostgreSQL: the fixture CSVs loaded with `dataproducts load`, "today" pinned with `--now` (the spec's
/// expectations hold from 2021-04-28 to 2030-05-25 IST), the index and learning-service calls sent to
/// the recorded-answer server, which reports what it received.
class CourseBatchStatusUpdaterTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var store: String { bench.store }
    var base: String { bench.baseURL }
    static let now = "2024-01-01T12:00:00+05:30"

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        let answers = home.path + "/answers.json"
        try
            #"{"answers": [{"method": "PATCH", "path": "/learning-service/system/v3/content/update/do_112636984058314752121", "body": {"responseCode": "OK"}}]}"#
            .write(toFile: answers, atomically: true, encoding: .utf8)
        try bench.serveHTTP(answers)
    }

    override func tearDown() { bench = nil }

    /// Loads one fixture CSV as `sunbird_courses.course_batch` into this backend's store.
    func load(_ fixture: String) throws {
        let dir = home.path + "/load-" + fixture
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try Harness.fixture("lern/course-batch-status-updater") + "/\(fixture).csv",
            toPath: dir + "/sunbird_courses.course_batch.csv")
        try bench.load(dir)
    }

    /// Runs the job; returns its JOB_END counters.
    @discardableResult
    func run(modelParams: String?, now: String = now) throws -> [String: Int64] {
        let params = modelParams.map { #","modelParams":\#($0)"# } ?? ""
        try home.write(
            "config/jobs/course-batch-status-updater.json",
            #"{"search":{"type":"none"},"model":"org.sunbird.lms.audit.CourseBatchStatusUpdaterJob"\#(params)}"#)
        let r = try home.run([
            "run", "course-batch-status-updater", "--store", store, "--http", "live:attempts=1", "--now", now,
            "--log-file", home.path + "/joblog.log",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        var counters: [String: Int64] = [:]
        if case .object(let pairs) = try XCTUnwrap(bench.jobEnd) { for (k, v) in pairs { if let i = v.int { counters[k] = i } } }
        return counters
    }

    var config: String {
        #"{"sparkElasticsearchConnectionHost":"\#(base)","kpLearningBasePath":"\#(base)/learning-service"}"#
    }

    func statuses() throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try bench.rows("sunbird_courses", "course_batch", [Field("batchid", .utf8), Field("status", .int64)]) {
            if case .string(let id) = row[0], case .int(let status) = row[1] { out[id] = status }
        }
        return out
    }

    func received() throws -> [JSONValue] { try bench.received() }

    func testUpdateStatus() throws {
        try load("course_batch_status_updater_temp")
        let c = try run(modelParams: config)
        XCTAssertEqual(c["inProgress"], 1)
        XCTAssertEqual(c["completed"], 2)
        XCTAssertEqual(c["unStarted"], 0)
        XCTAssertEqual(
            try statuses(),
            ["0130320389509939204": 1, "0130293763489873929": 1, "01303150537737011211": 2, "0130271096968396800": 2])
        let sent = try received()
        let index = sent.filter { $0["method"]?.string == "POST" }.map { "\($0["path"]!.string!) \($0["body"]!.string!)" }
        XCTAssertEqual(
            Set(index),
            [
                #"/course-batch/_doc/0130320389509939204/_update {"doc":{"status":1}}"#,
                #"/course-batch/_doc/01303150537737011211/_update {"doc":{"status":2}}"#,
                #"/course-batch/_doc/0130271096968396800/_update {"doc":{"status":2}}"#,
            ])
        let patches = Dictionary(
            uniqueKeysWithValues: sent.filter { $0["method"]?.string == "PATCH" }.map { ($0["path"]!.string!, $0["body"]!.string!) })
        let prefix = "/learning-service/system/v3/content/update/"
        XCTAssertEqual(
            patches[prefix + "do_112636984058314752121"],
            #"{"request":{"content":{"batches":[{"batchId":"0130320389509939204","startDate":"2021-04-28","enrollmentType":"open","status":1,"enrollmentEndDate":"2020-06-07","endDate":"2030-06-30","name":"TEST 3"}]}}}"#
        )
        XCTAssertEqual(patches[prefix + "do_1130314965721088001129"], #"{"request":{"content":{"batches":null}}}"#)
        XCTAssertEqual(patches[prefix + "do_1130264512015646721166"], #"{"request":{"content":{"batches":null}}}"#)
        XCTAssertEqual(patches.count, 3)
        XCTAssertTrue(sent.allSatisfy { $0["headers"]?["user-id"]?.string == "analytics" })
        // Run again: the table already says it; nothing changes, nothing is sent.
        let again = try run(modelParams: config)
        XCTAssertEqual([again["inProgress"], again["completed"], again["unStarted"]], [0, 0, 0])
        XCTAssertEqual(try received().count, sent.count)
    }

    func testNothingToUpdate() throws {
        try load("course_batch_status_updater_temp2")
        let before = try statuses()
        let c = try run(modelParams: config)
        XCTAssertEqual([c["inProgress"], c["completed"], c["unStarted"]], [0, 0, 0])
        XCTAssertEqual(try statuses(), before)
        XCTAssertEqual(try received().count, 0)
    }

    /// No modelParams: the default hosts are not reachable here; the calls fail quietly, as upstream.
    func testDefaultConfig() throws {
        try load("course_batch_status_updater_temp")
        let c = try run(modelParams: nil)
        XCTAssertEqual([c["inProgress"], c["completed"], c["unStarted"]], [1, 2, 0])
    }

    /// The run clock decides: the same table on 2031-01-01 expires every batch.
    func testTheRunClockIsToday() throws {
        try load("course_batch_status_updater_temp")
        let c = try run(modelParams: config, now: "2031-01-01")
        XCTAssertEqual([c["inProgress"], c["completed"], c["unStarted"]], [0, 4, 0])
        let bad = try home.run(["run", "course-batch-status-updater", "--store", store, "--now", "yesterday"])
        XCTAssertEqual(bad.status, 65)
        XCTAssertTrue(bad.stderr.contains("--now yesterday: expected YYYY-MM-DD"), bad.stderr)
    }
}

extension CourseBatchStatusUpdaterTests {
    /// A store without course_batch (another keyspace configured): one line naming the table, exit 67.
    func testAMissingTableFailsNamingIt() throws {
        try load("course_batch_status_updater_temp")
        try home.write(  // the deployable template, its keyspace variable pointing elsewhere
            "config/jobs/course-batch-status-updater.json",
            try String(contentsOfFile: Harness.jobTemplate("course-batch-status-updater"), encoding: .utf8))
        let r = try home.run([
            "run", "course-batch-status-updater", "--store", store, "--now", Self.now, "--set", "course_keyspace=elsewhere",
        ])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("job course-batch-status-updater failed: table elsewhere.course_batch"), r.stderr)
        XCTAssertEqual(try statuses()["0130320389509939204"], 0)
    }
}

final class CourseBatchStatusUpdaterPostgresTests: CourseBatchStatusUpdaterTests {
    override var backend: Backend { .postgres }
    override func testUpdateStatus() throws { try super.testUpdateStatus() }
    override func testNothingToUpdate() throws { try super.testNothingToUpdate() }
    override func testDefaultConfig() throws { try super.testDefaultConfig() }
    override func testTheRunClockIsToday() throws { try super.testTheRunClockIsToday() }
    func testAMissingTableFailsNamingItOnPostgres() throws { try testAMissingTableFailsNamingIt() }
}
