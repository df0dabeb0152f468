import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// `druid_reports` in batch mode (framework-spec A4.6) on the embedded store and on PostgreSQL: the
/// due ACTIVE configs of report_config, each on its own — a failing report is counted and logged,
/// the others publish.
class DruidReportBatchTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }

    override func setUpWithError() throws { bench = try LernJobBench(backend, plugin: "obsrv") }
    override func tearDown() { bench = nil }

    /// A one-metric report of `ds` with one CSV output.
    static func report(_ id: String, _ ds: String) -> String {
        #"{"id":"\#(id)","dateRange":{"staticInterval":"LastDay"},"metrics":[{"metric":"plays","label":"Plays","druidQuery":{"queryType":"groupBy","dataSource":"\#(ds)","intervals":"LastDay","#
            + #""aggregations":[{"name":"plays","type":"count"}],"dimensions":[{"fieldName":"state"}]}}],"labels":{"state":"State","plays":"Plays"},"#
            + #""output":[{"type":"csv","metrics":["plays"],"dims":[]}]}"#
    }

    func configs(_ rows: [(id: String, schedule: String, status: String, batch: Int, report: String)]) throws {
        let lines = rows.map { r in
            JSONValue.object([
                ("report_id", .string(r.id)), ("report_schedule", .string(r.schedule)), ("status", .string(r.status)),
                ("batch_number", .int(Int64(r.batch))),
                ("config", .string(#"{"reportConfig":\#(r.report),"key":"dashboards"}"#)),
            ]).render()
        }
        try home.write("tables/public.report_config.jsonl", lines.joined(separator: "\n") + "\n")
        try bench.load(home.path + "/tables")
    }

    func serve(_ answers: [String]) throws {
        try home.write("answers/answers.json", #"{"answers":["# + answers.joined(separator: ",") + "]}")
        try bench.serveHTTP(home.path + "/answers/answers.json")
    }

    static func druid(_ ds: String, _ reply: String) -> String {
        #"{"method":"POST","path":"/druid/v2/","bodyContains":"\"dataSource\":\"\#(ds)\"",\#(reply)}"#
    }

    static let rows = JSONText.quote(#"[{"version":"v1","timestamp":"2020-05-05T00:00:00.000Z","event":{"state":"ka","plays":4}}]"#)

    @discardableResult
    func runBatch(
        now: String, params: String = "", expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Harness.Result {
        try home.write("config/jobs/druid_reports.json", #"{"search":{"type":"none"},"modelParams":{"mode":"batch"\#(params)}}"#)
        let r = try home.run([
            "run", "druid_reports", "--store", bench.store, "--druid", bench.baseURL + ",attempts=1", "--now", now, "--log-file",
            home.path + "/joblog.log",
        ])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r
    }

    func test01DueReportsRunAndAFailingOneIsIsolated() throws {
        try configs([
            ("plays", "Daily", "ACTIVE", 1, Self.report("plays", "summary-events")),
            ("broken", "DAILY", "active", 1, Self.report("broken", "broken-events")),
            ("weekly", "WEEKLY", "ACTIVE", 1, Self.report("weekly", "summary-events")),
            ("monthly", "MONTHLY", "ACTIVE", 1, Self.report("monthly", "summary-events")),
            ("retired", "DAILY", "INACTIVE", 1, Self.report("retired", "summary-events")),
        ])
        try serve([
            Self.druid("summary-events", #""body":\#(Self.rows)"#),
            Self.druid("broken-events", #""status":500,"body":"{\"error\":\"Unknown exception\",\"errorMessage\":\"segment missing\"}""#),
        ])
        let r = try runBatch(now: "2020-05-06")  // a Wednesday, not the 1st
        XCTAssertEqual(home.read("reports/dashboards/plays.csv"), "State,Plays,Date\nka,4.0,2020-05-05\n")
        XCTAssertNil(home.read("reports/dashboards/broken.csv"), "a failed report publishes nothing")
        XCTAssertNil(home.read("reports/dashboards/weekly.csv"))
        XCTAssertNil(home.read("reports/dashboards/retired.csv"))
        let log = home.read("joblog.log") ?? ""
        XCTAssertTrue(log.contains("report broken FAILED") && log.contains("segment missing"), r.stderr + log)
        XCTAssertEqual(bench.jobEnd?["totalRequests"], .int(2))
        XCTAssertEqual(bench.jobEnd?["successRequests"], .int(1))
        XCTAssertEqual(bench.jobEnd?["failedRequests"], .int(1))
    }

    // Upstream's "test the report conditions" (ignored there): Daily, Weekly, Monthly, Once, Test —
    // a Monday runs 3 of them, the 1st of a month that is a Monday 4.
    func test02ReportConditions() throws {
        try configs(
            ["Daily", "Weekly", "Monthly", "Once", "Test"].map { s in (s.lowercased(), s, "ACTIVE", 1, Self.report(s.lowercased(), "summary-events"))
            })
        try serve([Self.druid("summary-events", #""body":\#(Self.rows)"#)])
        try runBatch(now: "2020-05-04")
        XCTAssertEqual(bench.jobEnd?["totalRequests"], .int(3))
        try runBatch(now: "2020-06-01")
        XCTAssertEqual(bench.jobEnd?["totalRequests"], .int(4))
        XCTAssertNotNil(home.read("reports/dashboards/monthly.csv"))
    }

    func test03BatchNumberSelectsAndAllFailedFailsTheRun() throws {
        try configs([
            ("one", "DAILY", "ACTIVE", 1, Self.report("one", "summary-events")),
            ("two", "DAILY", "ACTIVE", 2, Self.report("two", "broken-events")),
        ])
        try serve([Self.druid("summary-events", #""body":\#(Self.rows)"#)])
        try runBatch(now: "2020-05-06", params: #","batchNumber":1"#)
        XCTAssertEqual(bench.jobEnd?["totalRequests"], .int(1))
        let r = try runBatch(now: "2020-05-06", params: #","batchNumber":2"#, expect: 67)
        XCTAssertTrue(r.stderr.contains("every due report failed; the first: report two"), r.stderr)
    }
}

final class DruidReportBatchPostgresTests: DruidReportBatchTests {
    override var backend: Backend { .postgres }
    override func test01DueReportsRunAndAFailingOneIsIsolated() throws { try super.test01DueReportsRunAndAFailingOneIsIsolated() }
    override func test02ReportConditions() throws { try super.test02ReportConditions() }
    override func test03BatchNumberSelectsAndAllFailedFailsTheRun() throws { try super.test03BatchNumberSelectsAndAllFailedFailsTheRun() }
}
