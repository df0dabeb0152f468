import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// course-consumption-report and course-enrollment-report (lern-jobs-spec §8/9) on the embedded store
/// and on PostgreSQL: the course search answered with upstream's liveCourse.json, Druid and the
/// course-batch index by the recorded-answer server. Upstream's tests assert nothing (one is commented
/// out, the other only "no exception"); the values here are TestCourseUtils' records (29 course,
/// testCourseBatch, Ongoing, counts 3 and 4, MPSlug).
class CourseMetricsTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    let day = "2020-01-24"

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try home.write(
            "tables/sunbird.organisation.jsonl",
            #"{"id":"0124858228063600641","slug":"MPSlug","channel":"mp"}"# + "\n" + #"{"id":"b00bc992ef25f1a9a8d63291e20efc8d","channel":"sb"}"#
                + "\n")
        try home.write(
            "tables/sunbird_courses.course_batch.jsonl",
            [
                #"{"courseid":"do_112470675618004992181","batchid":"b-29","name":"testCourseBatch","status":1}"#,
                #"{"courseid":"do_112736824142061568168","batchid":"b-2","name":"Batch Two","status":2}"#,
                #"{"courseid":"do_not_live","batchid":"b-x","name":"Not live","status":1}"#,
            ].joined(separator: "\n") + "\n")
        try bench.load(home.path + "/tables")
        let druid = JSONText.quote(
            #"[{"version":"v1","timestamp":"2020-01-23T00:00:00.000Z","event":{"courseId":"do_112470675618004992181","batchId":"b-29","userId":"u1","timespent":0.09}},"#
                + #"{"version":"v1","timestamp":"2020-01-23T00:00:00.000Z","event":{"courseId":"do_gone","batchId":"b-z","userId":"u2","timespent":5}}]"#
        )
        let page1 = #"{"_scroll_id":"scroll-1","hits":{"hits":[{"_id":"b-29","_source":{"id":"b-29","participantCount":3,"completedCount":4}}]}}"#
        try home.write(
            "answers/answers.json",
            #"{"answers":[{"method":"POST","path":"/api/content/v1/search","bodyContains":"Course","bodyFile":\#(JSONText.quote(try Harness.fixture("lern/course-report/liveCourse.json")))},"#
                + #"{"method":"POST","path":"/druid/v2/","bodyContains":"ME_WORKFLOW_SUMMARY","body":\#(druid)},"#
                + #"{"method":"POST","path":"/course-batch/_search","body":\#(JSONText.quote(page1))},"#
                + #"{"method":"POST","path":"/_search/scroll","body":{"_scroll_id":"scroll-1","hits":{"hits":[]}}},"#
                + #"{"method":"DELETE","path":"/_search/scroll","body":{"succeeded":true}}]}"#)
        try bench.serveHTTP(home.path + "/answers/answers.json")
    }

    override func tearDown() { bench = nil }

    static let esConfig =
        #"{"request":{"filters":{"objectType":["Content"],"contentType":["Course"],"identifier":[],"status":["Live"]},"limit":10000}}"#

    func run(_ job: String, _ params: String, file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        let port = bench.baseURL.split(separator: ":").last!
        try home.write(
            "config/jobs/\(job).json",
            #"{"search":{"type":"none"},"modelParams":{"esConfig":\#(Self.esConfig),"contentSearchUrl":"\#(bench.baseURL)/api/content/v1/search","#
                + #""es.host":"http://127.0.0.1","es.port":"\#(port)",\#(params)}}"#)
        let r = try home.run([
            "run", job, "--store", bench.store, "--http", "live", "--druid", bench.baseURL, "--blob", "local:" + home.path + "/blob", "--now", day,
        ])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    static func consumptionConfig(statusLabel: String) -> String {
        #""reportConfig":{"id":"tpd_metrics","metrics":[{"metric":"totalCoursePlays","label":"Total Course Plays (in mins) ","druidQuery":{"queryType":"groupBy","dataSource":"summary-events","intervals":"LastDay","#
            + #""aggregations":[{"name":"sum__edata_time_spent","type":"doubleSum","fieldName":"edata_time_spent"}],"#
            + #""dimensions":[{"fieldName":"object_rollup_l1","aliasName":"courseId"},{"fieldName":"uid","aliasName":"userId"},{"fieldName":"context_cdata_id","aliasName":"batchId"}],"#
            + #""filters":[{"type":"equals","dimension":"eid","value":"ME_WORKFLOW_SUMMARY"},{"type":"in","dimension":"dimensions_pdata_id","values":["dev.sunbird.app","dev.sunbird.portal"]}],"#
            + #""postAggregation":[{"type":"arithmetic","name":"timespent","fields":{"leftField":"sum__edata_time_spent","rightField":60,"rightFieldType":"constant"},"fn":"/"}]}}],"#
            + #""labels":{"date":"Date","status":"\#(statusLabel)","timespent":"Timespent in mins","courseName":"Course Name","batchName":"Batch Name"},"output":[{"type":"csv","dims":[]}]}"#
    }

    func test01ConsumptionPerTenant() throws {
        try run("course-consumption-report", Self.consumptionConfig(statusLabel: "Batch Status"))
        XCTAssertEqual(
            home.read("reports/druid-reports/tpd_metrics/MPSlug/course_usage.csv"),
            "Date,Course Name,Batch Name,Batch Status,Timespent in mins\n2020-01-23,29 course,testCourseBatch,1,0.1\n",
            "Druid rounds 0.09 to 0.1; Batch Status keeps 0/1/2 (no Status column)")
        XCTAssertEqual(
            home.read("reports/druid-reports/tpd_metrics/unknown/course_usage.csv"),
            "Date,Course Name,Batch Name,Batch Status,Timespent in mins\n2020-01-23,\"\",\"\",\"\",5.0\n")
        let query = try bench.received().first { $0["path"]?.string == "/druid/v2/" }?["body"]?.string ?? ""
        XCTAssertTrue(query.contains(#""intervals":["2020-01-23T05:30:00+00:00/2020-01-24T05:30:00+00:00"]"#), query)
        XCTAssertTrue(query.contains(#"{"type":"constant","name":"constant","value":60}"#), query)
    }

    func test02ConsumptionWithAStatusLabel() throws {
        try run("course-consumption-report", Self.consumptionConfig(statusLabel: "Status"))
        XCTAssertEqual(
            home.read("reports/druid-reports/tpd_metrics/MPSlug/course_usage.csv"),
            "Date,Course Name,Batch Name,Status,Timespent in mins\n2020-01-23,29 course,testCourseBatch,Ongoing,0.1\n")
    }

    func test03EnrollmentCountsFromTheIndexMergedPerTenant() throws {
        let config =
            #""reportConfig":{"id":"tpd_metrics","labels":{"date":"Date","completionCount":"Completion Count","status":"Status","enrollmentCount":"Enrollment Count","courseName":"Course Name","batchName":"Batch Name"},"#
            + #""output":[{"type":"csv","dims":[]}],"mergeConfig":{"frequency":"DAY","basePath":"/mount/data/analytics/tmp/","rollup":0,"reportPath":"course_enrollment.csv"}}"#
        try run("course-enrollment-report", config)
        let header = "Date,Course Name,Batch Name,Status,Enrollment Count,Completion Count\n"
        XCTAssertEqual(
            home.read("reports/druid-reports/tpd_metrics/MPSlug/course_enrollments.csv"),
            header + "24-01-2020,29 course,testCourseBatch,Ongoing,3,4\n")
        XCTAssertEqual(
            home.read("reports/druid-reports/tpd_metrics/unknown/course_enrollments.csv"), header + "24-01-2020,2. आकलन के तरीके,Batch Two,Expired,0,0\n"
        )
        XCTAssertEqual(home.read("blob/MPSlug/course_enrollment.csv"), header + "24-01-2020,29 course,testCourseBatch,Ongoing,3,4\n")
        let json = try JSONParser.parse(home.read("blob/MPSlug/course_enrollment.json") ?? "")
        XCTAssertEqual(json["tableData"]?.render(), #"[["24-01-2020","29 course","testCourseBatch","Ongoing",3,4]]"#)
        let search = try bench.received().first { $0["path"]?.string == "/course-batch/_search" }?["body"]?.string ?? ""
        XCTAssertTrue(search.contains(#"{"terms":{"id.raw":["b-29","b-2"]}}"#), search)
        XCTAssertEqual(try bench.received().last?["method"], .string("DELETE"), "the scroll is cleared")
    }
}

final class CourseMetricsPostgresTests: CourseMetricsTests {
    override var backend: Backend { .postgres }
    override func test01ConsumptionPerTenant() throws { try super.test01ConsumptionPerTenant() }
    override func test02ConsumptionWithAStatusLabel() throws { try super.test02ConsumptionWithAStatusLabel() }
    override func test03EnrollmentCountsFromTheIndexMergedPerTenant() throws { try super.test03EnrollmentCountsFromTheIndexMergedPerTenant() }
}
