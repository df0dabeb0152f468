import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestAssessmentScoreCorrectionJob` (lern-jobs-spec §1) on the embedded SQLite store and on
/// PostgreSQL: the fixture reloaded per test, the content read API answered by the recorded-answer
/// server (the §0.4 mock's answer), the outputs read from the published report folder.
class AssessmentScoreCorrectionTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var store: String { bench.store }
    var base: String { bench.baseURL }
    static let job = "assessment-score-metric-correction"
    static let content = "do_11307972307046400011917"
    static let ts = "1704067200000"  // --now 2024-01-01

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try bench.load(try Harness.fixture("lern/assessment-score-correction/assessment"))
        try bench.serveHTTP(Harness.repoRoot + "/Tests/Fixtures/lern-jobs/http-content-read/answers.json")
    }

    override func tearDown() { bench = nil }

    func run(dryRun: Bool, batches: String = #"["batch-00001"]"#, readAPI: String? = nil) throws -> Harness.Result {
        let api = readAPI ?? base + "/api/content/v1/read/"
        try home.write(
            "config/jobs/\(Self.job).json",
            #"{"search":{"type":"none"},"modelParams":{"contentReadAPI":"\#(api)","assessment.score.correction.batches":\#(batches),"isDryRunMode":\#(dryRun),"csvPath":"score-metrics-migration-job/"}}"#
        )
        return try home.run([
            "run", Self.job, "--store", store, "--http", "live:attempts=1", "--now", "2024-01-01", "--log-file", home.path + "/joblog.log",
        ])
    }

    /// The metric records the run logged.
    func metrics() throws -> [JSONValue] {
        let logged = bench.logEvents.compactMap { $0["edata"]?["message"]?.string }.last { $0.hasPrefix("corrections: ") }
        return try JSONParser.parse(String(try XCTUnwrap(logged).dropFirst("corrections: ".count))).array ?? []
    }

    func output(_ name: String, _ ext: String) -> String? {
        home.read("reports/score-metrics-migration-job/\(name)-batch-00001-\(Self.content)-\(Self.ts).\(ext)")
    }

    func attemptCount() throws -> Int {
        try bench.rows("sunbird_courses", "assessment_aggregator", [Field("attempt_id", .utf8)]).count
    }

    func assertTheUpstreamOutputs() throws {
        XCTAssertEqual(
            try metrics().map { $0.render() },
            [
                #"{"batchId":"batch-00001","contentId":"do_11307972307046400011917","invalidRecords":2,"totalAffectedUsers":1,"contentTotalQuestions":4}"#
            ])
        XCTAssertEqual(
            output("assessment-invalid-attempts-records", "csv"),
            "course_id,batch_id,content_id,attempt_id,user_id\n"
                + "do_1130928636168192001667,batch-00001,do_11307972307046400011917,attempat-001,user-001\n"
                + "do_1130928636168192001667,batch-00001,do_11307972307046400011917,attempat-002,user-001\n")
        XCTAssertEqual(
            output("instruction-events", "json"),
            #"{"assessmentTs":1704067200000,"batchId":"batch-00001","courseId":"do_1130928636168192001667","userId":"user-001","contentId":"do_11307972307046400011917"}"#
                + "\n")
        XCTAssertEqual(
            output("revoked-cert-data", "csv"),
            "courseid,batchid,userid,certificate_id\ndo_1130928636168192001667,batch-00001,user-001,e08017de-3cb7-47d2-a375-6dd3f8575806\n")
    }

    func testDryRun() throws {
        let r = try run(dryRun: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertTheUpstreamOutputs()
        XCTAssertEqual(try attemptCount(), 2)  // nothing deleted
    }

    func testLiveRunDeletesTheInvalidAttempts() throws {
        let r = try run(dryRun: false)
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertTheUpstreamOutputs()
        XCTAssertEqual(try attemptCount(), 0)
        // The batch has no attempts left: a second run says so (QUIRK Q42) and writes nothing.
        let again = try run(dryRun: false)
        XCTAssertEqual(again.status, 67, again.stderr)
        XCTAssertTrue(again.stderr.contains("batch batch-00001 has no assessment attempts in sunbird_courses.assessment_aggregator"), again.stderr)
    }

    func testBadInputsFailWithOneLineAndChangeNothing() throws {
        let unknown = try run(dryRun: false, batches: #"["batch-00001", "no-such-batch"]"#)
        XCTAssertEqual(unknown.status, 67, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("batch no-such-batch has no assessment attempts"), unknown.stderr)
        XCTAssertEqual(try attemptCount(), 2)
        let unreadable = try run(dryRun: false, readAPI: base + "/nothing/here/")
        XCTAssertEqual(unreadable.status, 67, unreadable.stderr)
        XCTAssertTrue(unreadable.stderr.contains("Failed to fetch the content meta for the content ID: \(Self.content)"), unreadable.stderr)
        XCTAssertEqual(try attemptCount(), 2)
        XCTAssertNil(output("assessment-invalid-attempts-records", "csv"))
        // The deployed config's "" is comma-separated text (the host's list rule): no batch, nothing done (QUIRK Q44).
        let empty = try run(dryRun: false, batches: #""""#)
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(try metrics(), [])
        XCTAssertEqual(try attemptCount(), 2)
        let text = try run(dryRun: true, batches: #""batch-00001""#)
        XCTAssertEqual(text.status, 0, text.stderr)
        try assertTheUpstreamOutputs()
    }
}

final class AssessmentScoreCorrectionPostgresTests: AssessmentScoreCorrectionTests {
    override var backend: Backend { .postgres }
    override func testDryRun() throws { try super.testDryRun() }
    override func testLiveRunDeletesTheInvalidAttempts() throws { try super.testLiveRunDeletesTheInvalidAttempts() }
    override func testBadInputsFailWithOneLineAndChangeNothing() throws { try super.testBadInputsFailWithOneLineAndChangeNothing() }
}
