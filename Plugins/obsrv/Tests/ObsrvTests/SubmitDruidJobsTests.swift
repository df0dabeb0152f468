import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// `submit_druid_jobs` (framework-spec B8; upstream has no test): the report API answered by the
/// recorded-answer server, the messages read back from librdkafka's mock cluster with kcat.
final class SubmitDruidJobsTests: XCTestCase {
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }

    override func setUpWithError() throws {
        bench = try LernJobBench(.local, plugin: "obsrv")
        try home.write(
            "tables/public.report_config.jsonl",
            #"{"report_id":"x","report_schedule":"DAILY","config":"{}","status":"INACTIVE","batch_number":1}"# + "\n")
        try bench.load(home.path + "/tables")
    }

    override func tearDown() { bench = nil }

    static func report(_ id: String, _ schedule: String, slider: Int?) -> String {
        let range = slider.map { #"{"staticInterval":"LastDay","intervalSlider":\#($0)}"# } ?? #"{"staticInterval":"LastDay"}"#
        return
            #"{"reportId":"\#(id)","reportSchedule":"\#(schedule)","config":{"reportConfig":{"id":"\#(id)","dateRange":\#(range),"metrics":[]},"store":"__store__","container":"__container__","key":"druid-reports/"}}"#
    }

    func testTodaysReportsAreQueuedAndOnceReportsDeactivatedAfterwards() throws {
        // The run day 2020-05-06 is a Wednesday (weekday 2 with Monday = 0), the 6th of the month.
        let reports = [
            Self.report("daily", "Daily", slider: nil), Self.report("weekly-wed", "WEEKLY", slider: 2),
            Self.report("weekly-mon", "WEEKLY", slider: 0),
            Self.report("monthly-6th", "MONTHLY", slider: 5), Self.report("monthly-1st", "MONTHLY", slider: nil),
            Self.report("once", "ONCE", slider: nil),
            Self.report("hourly", "HOURLY", slider: nil),
        ]
        try home.write(
            "answers/answers.json",
            #"{"answers":[{"method":"POST","path":"/api/data/v1/report/jobs","body":{"responseCode":"OK","result":{"count":\#(reports.count),"reports":[\#(reports.joined(separator: ","))]}}},"#
                + #"{"method":"POST","path":"/api/data/v1/report/jobs/deactivate/once","body":{"responseCode":"OK"}}]}"#)
        try bench.serveHTTP(home.path + "/answers/answers.json")
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("prod.analytics.job_queue")
        try home.write(
            "config/jobs/submit_druid_jobs.json",
            #"{"modelParams":{"report_list_jobs_url":"\#(bench.baseURL)/api/data/v1/","auth_token":"t0k","env":"prod","interpolation_config":[{"key":"__store__","value":"s3"},{"key":"__container__","value":"reports"}]}}"#
        )
        let r = try home.run([
            "run", "submit_druid_jobs", "--store", bench.store, "--http", "live", "--kafka", kafka.bootstrap, "--now", "2020-05-06",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let messages = try kafka.read("prod.analytics.job_queue").map { try JSONParser.parse(String($0.drop { $0 != "\t" }.dropFirst())) }
        XCTAssertEqual(
            messages.compactMap { $0["config"]?["modelParams"]?["modelName"]?.string },
            ["daily_job", "weekly-wed_job", "monthly-6th_job", "once_job"])
        XCTAssertEqual(
            messages[0].render(),
            #"{"model":"druid_reports","config":{"search":{"type":"none"},"model":"org.ekstep.analytics.model.DruidQueryProcessingModel","output":[{"to":"console","params":{"printEvent":false}}],"parallelization":8,"appName":"Druid Query Processor","deviceMapping":false,"#
                + #""modelParams":{"reportConfig":{"id":"daily","dateRange":{"staticInterval":"LastDay"},"metrics":[]},"store":"s3","container":"reports","key":"druid-reports/","modelName":"daily_job"}}}"#
        )
        let sent = try bench.received()
        XCTAssertEqual(sent.map { $0["path"]?.string ?? "" }, ["/api/data/v1/report/jobs", "/api/data/v1/report/jobs/deactivate/once"])
        XCTAssertEqual(sent[0]["headers"]?["authorization"], .string("Bearer t0k"))
        XCTAssertEqual(sent[0]["headers"]?["content-type"], .string("application/json; charset=utf-8"))
        XCTAssertEqual(sent[0]["body"], .string(#"{"request": {"filters": {"status": ["ACTIVE"]}}}"#))
        XCTAssertTrue(r.stderr.contains("4 of 7 reports queued on prod.analytics.job_queue"), r.stderr)

        // The other end: a queued message's config is a druid_reports config as it is (standalone).
        try home.write("queued.json", messages[0]["config"]!.render())
        let queued = try home.run(["run", "druid_reports", "--config", home.path + "/queued.json", "--store", bench.store, "--druid", bench.baseURL])
        XCTAssertEqual(queued.status, 0, queued.stderr)
        XCTAssertTrue(queued.stderr.contains("daily: 0 Druid rows, 0 report outputs written"), queued.stderr)
    }

    func testABrokenReportIsSkippedAndAFailedListAborts() throws {
        let broken = #"{"reportId":"broken","reportSchedule":"DAILY","config":{"reportConfig":{"id":"broken","label":"__q__"}}}"#
        try home.write(
            "answers/answers.json",
            #"{"answers":[{"method":"POST","path":"/ok/report/jobs","body":{"result":{"reports":[\#(broken),\#(Self.report("daily", "DAILY", slider: nil))]}}},"#
                + #"{"method":"POST","path":"/down/report/jobs","status":503,"body":"maintenance"}]}"#)
        try bench.serveHTTP(home.path + "/answers/answers.json")
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("dev.analytics.job_queue")
        try home.write(
            "config/jobs/submit_druid_jobs.json",
            #"{"modelParams":{"report_list_jobs_url":"\#(bench.baseURL)/ok/","interpolation_config":[{"key":"__q__","value":"a\"b"}]}}"#)
        let r = try home.run(["run", "submit_druid_jobs", "--store", bench.store, "--http", "live", "--kafka", kafka.bootstrap])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ERROR::While submitting druid report broken"), r.stderr)
        XCTAssertEqual(try kafka.read("dev.analytics.job_queue").count, 1)
        try home.write("config/jobs/submit_druid_jobs.json", #"{"modelParams":{"report_list_jobs_url":"\#(bench.baseURL)/down/"}}"#)
        let down = try home.run(["run", "submit_druid_jobs", "--store", bench.store, "--http", "live", "--kafka", kafka.bootstrap])
        XCTAssertEqual(down.status, 67)
        XCTAssertTrue(down.stderr.contains("report/jobs answered HTTP 503: maintenance"), down.stderr)
    }
}
