import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// `druid_reports` through the host: a dashboard written as a report config only, its Druid queries
/// answered by the recorded-answer server (matched on the query body), its files read back. Broker
/// failures (500, timeout, an answer cut off) fail the report with the broker's message and publish
/// nothing.
final class DruidReportsTests: XCTestCase {
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }

    static func query(_ ds: String, _ aggregation: String) -> String {
        #"{"queryType":"groupBy","dataSource":"\#(ds)","intervals":"LastDay","aggregations":[\#(aggregation)],"#
            + #""dimensions":[{"fieldName":"device_loc_state","aliasName":"state"},{"fieldName":"dimensions_pdata_id","aliasName":"producer"}],"#
            + #""filters":[{"type":"equals","dimension":"dimensions_type","value":"app"}],"limitSpec":{"type":"default","limit":100}}"#
    }

    static let dashboard =
        #"{"id":"daily_plays","queryType":"groupBy","dateRange":{"staticInterval":"LastDay","granularity":"day"},"metrics":["#
        + #"{"metric":"totalPlays","label":"Total plays","druidQuery":\#(query("summary-events", #"{"name":"total_plays","type":"count"}"#))},"#
        + #"{"metric":"totalTime","label":"Total time","druidQuery":\#(query("summary-rollup-syncts", #"{"name":"total_time_spent","type":"doubleSum","fieldName":"total_time_spent"}"#))}],"#
        + #""labels":{"state":"State","producer":"Producer","total_plays":"Total plays","total_time_spent":"Total time spent (s)"},"#
        + #""output":[{"type":"csv","metrics":["total_plays","total_time_spent"],"dims":["state"],"fileParameters":["id","dims"]},"#
        + #"{"type":"json","label":"all","metrics":["total_plays"],"dims":[]}]}"#

    static func rows(_ events: [String]) -> String {
        "[" + events.map { #"{"version":"v1","timestamp":"2020-05-05T00:00:00.000Z","event":\#($0)}"# }.joined(separator: ",") + "]"
    }

    static let plays = rows([#"{"state":"ka","producer":"app","total_plays":10}"#, #"{"state":"tn","producer":"portal","total_plays":3}"#])
    static let times = rows([
        #"{"state":"ka","producer":"app","total_time_spent":1234.56}"#, #"{"state":"tn","producer":"portal","total_time_spent":20}"#,
    ])

    /// A recorded answer for the query of `ds` over its resolved interval (the run clock is 2020-05-06).
    static func answer(_ ds: String, rollup: Bool, _ reply: String) -> String {
        let interval = rollup ? "2020-05-05T00:00:00+00:00/2020-05-06T00:00:00+00:00" : "2020-05-05T05:30:00+00:00/2020-05-06T05:30:00+00:00"
        return
            #"{"method":"POST","path":"/druid/v2/","bodyContains":["\"dataSource\":\"\#(ds)\"","\#(interval)","\"granularity\":\"day\""],\#(reply)}"#
    }

    override func setUpWithError() throws {
        bench = try LernJobBench(.local, plugin: "obsrv")
        // Standalone reports read no table; the run still names a store (an inactive report config in it).
        try home.write(
            "tables/public.report_config.jsonl",
            #"{"report_id":"old","report_schedule":"DAILY","config":"{}","status":"INACTIVE","batch_number":1}"# + "\n")
        try bench.load(home.path + "/tables")
    }
    override func tearDown() { bench = nil }

    func serve(_ answers: [String]) throws {
        try home.write("answers/answers.json", #"{"answers":["# + answers.joined(separator: ",") + "]}")
        try bench.serveHTTP(home.path + "/answers/answers.json")
    }

    @discardableResult
    func run(
        report: String, params: String = "", druid: String? = nil, expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    )
        throws -> Harness.Result
    {
        try home.write(
            "config/jobs/druid_reports.json",
            #"{"search":{"type":"none"},"model":"org.ekstep.analytics.model.DruidQueryProcessingModel","modelParams":{"reportConfig":\#(report)\#(params)}}"#
        )
        let r = try home.run([
            "run", "druid_reports", "--store", bench.store, "--druid", druid ?? bench.baseURL + ",backoffMs=10", "--http", "live", "--now",
            "2020-05-06",
            "--log-file", home.path + "/joblog.log",
        ])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r
    }

    func testADashboardFromAReportConfigOnly() throws {
        try serve([
            Self.answer("summary-events", rollup: false, #""body":\#(JSONText.quote(Self.plays))"#),
            Self.answer("summary-rollup-syncts", rollup: true, #""body":\#(JSONText.quote(Self.times))"#),
        ])
        try run(report: Self.dashboard)
        XCTAssertEqual(
            home.read("reports/druid-reports/daily_plays/ka.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-05,ka,app,10.0,1234.6\n")
        XCTAssertEqual(
            home.read("reports/druid-reports/daily_plays/tn.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-05,tn,portal,3.0,20.0\n")
        XCTAssertEqual(
            home.read("reports/druid-reports/daily_plays/all.json"),
            #"{"State":"ka","Producer":"app","Total plays":10.0,"Date":"2020-05-05"}"# + "\n"
                + #"{"State":"tn","Producer":"portal","Total plays":3.0,"Date":"2020-05-05"}"#
                + "\n")
        let sent = try bench.received()
        XCTAssertEqual(sent.count, 2)
        XCTAssertFalse(sent.contains { ($0["body"]?.string ?? "").contains("limitSpec") }, "limitSpec is not sent (QUIRK C1.1)")
        XCTAssertEqual(bench.jobEnd?["outputEvents"], .int(2))
    }

    func testQuotedColumnsAndADateFileParameter() throws {
        try serve([
            Self.answer("summary-events", rollup: false, #""body":\#(JSONText.quote(Self.plays))"#),
            Self.answer("summary-rollup-syncts", rollup: true, #""body":\#(JSONText.quote(Self.times))"#),
        ])
        let report = Self.dashboard.replacingOccurrences(of: #""fileParameters":["id","dims"]"#, with: #""fileParameters":["id","dims","date"]"#)
        try run(report: report, params: #","quoteColumns":["Producer"]"#)
        XCTAssertEqual(
            home.read("reports/druid-reports/daily_plays/ka/2020-05-05.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-05,ka,'app',10.0,1234.6\n")
    }

    func testABrokerErrorFailsTheReportWithItsMessageAndPublishesNothing() throws {
        let failure = JSONText.quote(#"{"error":"Resource limit exceeded","errorMessage":"Not enough merge buffers"}"#)
        try serve([
            Self.answer("summary-events", rollup: false, #""body":\#(JSONText.quote(Self.plays))"#),
            Self.answer("summary-rollup-syncts", rollup: true, #""status":500,"body":\#(failure)"#),
        ])
        let r = try run(report: Self.dashboard, expect: 67)
        XCTAssertTrue(r.stderr.contains("answered 500: Resource limit exceeded: Not enough merge buffers (attempt 3 of 3)"), r.stderr)
        XCTAssertNil(home.read("reports/druid-reports/daily_plays/ka.csv"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/druid-reports"))
    }

    func testAnAnswerCutOffMidStreamPublishesNothing() throws {
        let many = Self.rows((0..<3000).map { #"{"state":"s\#($0)","producer":"app","total_plays":\#($0)}"# })
        try serve([
            Self.answer("summary-events", rollup: false, #""truncateAfter":\#(many.utf8.count / 2),"body":\#(JSONText.quote(many))"#),
            Self.answer("summary-rollup-syncts", rollup: true, #""body":\#(JSONText.quote(Self.times))"#),
        ])
        let r = try run(report: Self.dashboard, expect: 67)
        XCTAssertTrue(r.stderr.contains("Druid broker failed") && r.stderr.contains("rows"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/druid-reports"))
    }

    func testABrokerThatTimesOutFailsTheReport() throws {
        try serve([Self.answer("summary-events", rollup: false, #""delayMs":3000,"body":"[]""#)])
        let r = try run(report: Self.dashboard, druid: bench.baseURL + ",timeoutMs=300,attempts=2,backoffMs=10", expect: 67)
        XCTAssertTrue(r.stderr.contains("timed out") && r.stderr.contains("attempt 2 of 2"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/druid-reports"))
    }

    // A4.8 "test report output config": the location API and the state lookup keep (apekx,
    // Visakhapatnam); a row whose pair is not valid is dropped.
    func testLocationMappingKeepsValidStateDistrictPairs() throws {
        let q =
            #"{"queryType":"groupBy","dataSource":"telemetry-events","intervals":"LastDay","aggregations":[{"name":"total_count","type":"count"}],"#
            + #""dimensions":[{"fieldName":"dimensions_pdata_id"},{"fieldName":"state"},{"fieldName":"district"}]}"#
        let report =
            #"{"id":"district_usage","dateRange":{"staticInterval":"LastDay"},"metrics":[{"metric":"count","label":"count","druidQuery":\#(q)}],"#
            + #""labels":{"dimensions_pdata_id":"Producer","state":"State","district":"District","total_count":"Total count"},"#
            + #""output":[{"type":"csv","metrics":["total_count"],"dims":[],"locationMapping":true}]}"#
        let druid =
            #"[{"version":"v1","timestamp":"2020-09-12T00:00:00.000Z","event":{"dimensions_pdata_id":"dev.portal","district":"Visakhapatnam","state":"apekx","total_count":11}},"#
            + #"{"version":"v1","timestamp":"2020-09-12T00:00:00.000Z","event":{"dimensions_pdata_id":"dev.portal","district":"Koltata","state":"apekx","total_count":2}}]"#
        let locations =
            #"{"result":{"response":[{"id":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550","name":"Andhra Pradesh","type":"state"},{"id":"0393395d-ea39-4f8f-9f3d-0ec5d25d0551","name":"West Bengal","type":"state"},"#
            + #"{"id":"d1","name":"Visakhapatnam","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550"},{"id":"d2","name":"East Godavari","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550"},"#
            + #"{"id":"d3","name":"Koltata","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0551"}]}}"#
        try serve([
            #"{"method":"POST","path":"/druid/v2/","body":\#(JSONText.quote(druid))}"#,
            #"{"method":"POST","path":"/api/data/v1/location/search","body":\#(JSONText.quote(locations))}"#,
            #"{"method":"GET","path":"/druid/coordinator/v1/lookups/config/__default/stateSlugLookup","body":{"Andhra Pradesh":"apekx","Assam":"as","Bihar":"br"}}"#,
        ])
        let params =
            #","location.search.url":"\#(bench.baseURL)/api/data/v1/location/search","location.search.token":"Bearer t0k","#
            + #""druid.state.lookup.url":"\#(bench.baseURL)/druid/coordinator/v1/lookups/config/__default/stateSlugLookup""#
        try run(report: report, params: params)
        XCTAssertEqual(
            home.read("reports/druid-reports/district_usage.csv"),
            "Producer,State,District,Total count,Date\ndev.portal,apekx,Visakhapatnam,11.0,2020-09-12\n")
        let search = try bench.received().first { $0["path"]?.string == "/api/data/v1/location/search" }
        XCTAssertEqual(search?["headers"]?["authorization"], .string("Bearer t0k"))
    }

    // A4.7: each day's per-state files rolled into the published report of the state (blob store),
    // the old one backed up, the JSON form beside the CSV.
    func testDailyFilesAreMergedIntoThePublishedReports() throws {
        func day(_ d: String, _ metric: String, _ value: Int) -> String {
            JSONText.quote(#"[{"version":"v1","timestamp":"\#(d)T00:00:00.000Z","event":{"state":"ka","producer":"app","\#(metric)":\#(value)}}]"#)
        }
        try serve([
            #"{"method":"POST","path":"/druid/v2/","bodyContains":["summary-events","2020-05-05T05:30:00+00:00/"],"body":\#(day("2020-05-05", "total_plays", 10))}"#,
            #"{"method":"POST","path":"/druid/v2/","bodyContains":["summary-events","2020-05-06T05:30:00+00:00/"],"body":\#(day("2020-05-06", "total_plays", 7))}"#,
            #"{"method":"POST","path":"/druid/v2/","bodyContains":["syncts","2020-05-05T00:00:00+00:00/"],"body":\#(day("2020-05-05", "total_time_spent", 60))}"#,
            #"{"method":"POST","path":"/druid/v2/","bodyContains":["syncts","2020-05-06T00:00:00+00:00/"],"body":\#(day("2020-05-06", "total_time_spent", 30))}"#,
        ])
        let report = Self.dashboard
            .replacingOccurrences(of: #""fileParameters":["id","dims"]"#, with: #""fileParameters":["id","dims","date"]"#)
            .replacingOccurrences(of: #","{"type":"json","label":"all","metrics":["total_plays"],"dims":[]}"#, with: "")
            .replacingOccurrences(
                of: #""output":["#,
                with:
                    #""mergeConfig":{"frequency":"DAY","basePath":"/mount/data","rollup":1,"rollupAge":"DAY","rollupRange":30,"reportPath":"daily_plays.csv"},"output":["#
            )
        let blob = home.path + "/blob"
        for now in ["2020-05-06", "2020-05-07"] {
            try home.write(
                "config/jobs/druid_reports.json", #"{"search":{"type":"none"},"modelParams":{"reportConfig":\#(report)}}"#)
            let r = try home.run(["run", "druid_reports", "--store", bench.store, "--druid", bench.baseURL, "--blob", "local:" + blob, "--now", now])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(
            home.read("reports/druid-reports/daily_plays/ka/2020-05-06.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-06,ka,app,7.0,30.0\n")
        XCTAssertEqual(
            home.read("blob/ka/daily_plays.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-05,ka,app,10.0,60.0\n2020-05-06,ka,app,7.0,30.0\n")
        XCTAssertEqual(
            home.read("blob/report-backups/ka/daily_plays-2020-05-07.csv"),
            "Date,State,Producer,Total plays,Total time spent (s)\n2020-05-05,ka,app,10.0,60.0\n")
        let json = try JSONParser.parse(home.read("blob/ka/daily_plays.json") ?? "")
        XCTAssertEqual(json["keys"]?.render(), #"["Date","State","Producer","Total plays","Total time spent (s)"]"#)
        XCTAssertEqual(json["tableData"]?.render(), #"[["2020-05-05","ka","app",10.0,60.0],["2020-05-06","ka","app",7.0,30.0]]"#)
        XCTAssertEqual(json["data"]?.array?.count, 2)
    }

    func testZippedOutputsArePublishedAsZips() throws {
        try serve([
            Self.answer("summary-events", rollup: false, #""body":\#(JSONText.quote(Self.plays))"#),
            Self.answer("summary-rollup-syncts", rollup: true, #""body":\#(JSONText.quote(Self.times))"#),
        ])
        try run(
            report: Self.dashboard.replacingOccurrences(of: #""fileParameters":["id","dims"]}"#, with: #""fileParameters":["id","dims"],"zip":true}"#)
        )
        XCTAssertNil(home.read("reports/druid-reports/daily_plays/ka.csv"))
        let zip = home.path + "/reports/druid-reports/daily_plays/ka.zip"
        let (_, listing) = try Harness.capture(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = z.namelist(); print(n[0]); sys.stdout.write(z.read(n[0]).decode())", zip,
            ],
            keepStderr: true)
        XCTAssertEqual(
            String(decoding: listing, as: UTF8.self), "ka.csv\nDate,State,Producer,Total plays,Total time spent (s)\n2020-05-05,ka,app,10.0,1234.6\n")
        XCTAssertNotNil(home.read("reports/druid-reports/daily_plays/all.json"), "the other output is not zipped")
    }

    static let sqlReport =
        #"{"id":"plays_exhaust","dateRange":{"staticInterval":"LastDay"},"metrics":[{"metric":"plays","label":"Plays","druidQuery":"#
        + #"{"queryType":"groupBy","dataSource":"summary-events","intervals":"LastDay","sqlDimensions":["state","producer","date","total_plays"]}}],"#
        + #""labels":{"state":"State","producer":"Producer","total_plays":"Total plays"},"#
        + #""output":[{"type":"csv","metrics":["total_plays"],"dims":["state"],"fileParameters":["id","dims"]}]}"#

    /// The recorded SQL answer: objectLines with a header line first and Druid's closing blank line.
    static let sqlAnswer =
        #"{"state":null,"producer":null,"date":null,"total_plays":null}"# + "\n"
        + #"{"state":"ka","producer":"app","date":"2020-05-05","total_plays":10}"# + "\n"
        + #"{"state":"ka","producer":"","date":"2020-05-05","total_plays":4}"# + "\n"
        + #"{"state":null,"producer":"portal","date":"2020-05-05","total_plays":3}"# + "\n\n"

    static func sqlRecorded(_ reply: String) -> String {
        let select =
            #"SELECT state,producer,date,total_plays from \\\"druid\\\".\\\"summary-events\\\" where __time >= '2020-05-05 05:30:00' AND __time < '2020-05-06 05:30:00'"#
        return
            #"{"method":"POST","path":"/druid/v2/sql","bodyContains":["\#(select)","\"resultFormat\":\"objectLines\"","\"header\":true"],\#(reply)}"#
    }

    // A4.5 step 5: exhaustQuery sends the first metric as Druid SQL to the roll-up broker; every SQL
    // row is a record (no key merge), null and "" become "unknown", numbers stay as Druid wrote them.
    func testAnExhaustQueryRunsAsDruidSQL() throws {
        try serve([Self.sqlRecorded(#""body":\#(JSONText.quote(Self.sqlAnswer))"#)])
        try run(report: Self.sqlReport, params: #","exhaustQuery":true"#)
        XCTAssertEqual(
            home.read("reports/druid-reports/plays_exhaust/ka.csv"),
            "Date,State,Producer,Total plays\n2020-05-05,ka,app,10\n2020-05-05,ka,unknown,4\n")
        XCTAssertEqual(home.read("reports/druid-reports/plays_exhaust/unknown.csv"), "Date,State,Producer,Total plays\n2020-05-05,unknown,portal,3\n")
        XCTAssertEqual(try bench.received().count, 1)
    }

    func testACutOffSQLAnswerOrAMissingColumnPublishesNothing() throws {
        let cut = String(Self.sqlAnswer.dropLast())  // complete lines, but not Druid's closing blank line
        try serve([Self.sqlRecorded(#""body":\#(JSONText.quote(cut))"#)])
        let r = try run(report: Self.sqlReport, params: #","exhaustQuery":true"#, expect: 67)
        XCTAssertTrue(r.stderr.contains("the Druid SQL answer was cut off after 4 lines"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/druid-reports"))

        let noDate = Self.sqlAnswer.replacingOccurrences(of: #","date":"2020-05-05""#, with: "").replacingOccurrences(of: #","date":null"#, with: "")
        try serve([Self.sqlRecorded(#""body":\#(JSONText.quote(noDate))"#)])
        let m = try run(report: Self.sqlReport, params: #","exhaustQuery":true"#, expect: 67)
        XCTAssertTrue(m.stderr.contains("column date of the output is not in the Druid data"), m.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/reports/druid-reports"))
    }

    func testAMissingReportConfigFailsClearly() throws {
        try home.write("config/jobs/druid_reports.json", #"{"search":{"type":"none"},"modelParams":{}}"#)
        XCTAssertTrue(try home.run(["run", "druid_reports", "--store", bench.store]).stderr.contains("modelParams.reportConfig is missing"))
    }
}
