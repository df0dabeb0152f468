import Foundation
import XCTest
@testable import Host

/// Issue 31 class 9: what `requests submit` and the queue accept — a job this deployment runs, fields
/// within upstream's column sizes — and the upstream class name `druid_reports` runs under.
final class RequestSubmitTests: XCTestCase {
    var home: Harness.Home!

    override func setUpWithError() throws { home = try Harness.Home.withTestkit(["test-echo"]) }

    func submit(job: String, tag: String = "t", data: String = "{}") throws -> Harness.Result {
        try home.run([
            "requests", "submit", "--requests", "sqlite:" + home.path + "/q.sqlite", "--job", job, "--tag", tag, "--channel", "c",
            "--requested-by", "u", "--data", data,
        ])
    }

    func testAnEmptyOrUnknownJobIsRefused() throws {
        for job in ["", "no-such-job", "test-echo\u{1b}[2J"] {
            let r = try submit(job: job)
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stderr.contains("unknown job") && r.stderr.contains("known jobs: test-echo"), r.stderr)
            XCTAssertFalse(r.stderr.contains("\u{1b}"), "printed escaped")
        }
        XCTAssertEqual(try submit(job: "test-echo").status, 0)
    }

    func testFieldsLongerThanUpstreamsColumnsAreRefused() throws {
        let tag = try submit(job: "test-echo", tag: String(repeating: "t", count: 200))
        XCTAssertEqual(tag.status, 65)
        XCTAssertTrue(tag.stderr.contains("tag is longer than 100 bytes"), tag.stderr)
        let data = try submit(job: "test-echo", data: #"{"batchId": ""# + String(repeating: "b", count: 100_000) + #""}"#)
        XCTAssertEqual(data.status, 65)
        XCTAssertTrue(data.stderr.contains("request_data is longer than 65536 bytes"), data.stderr)
    }

    /// A row written by another producer (the API, a hand insert) is checked when it is claimed.
    func testAnOversizedRowFailsAloneWhenClaimed() throws {
        let b = try ExhaustBench.progressQueue(.local)
        b.useSQLiteQueue()
        try b.insertRequest(1, data: #"{"batchId": ""# + String(repeating: "b", count: 10 << 20) + #""}"#)
        try b.insertRequest(2)
        let started = Date()
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("2 request(s): 1 success, 1 failed"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertEqual(try b.row("REQ-1").errMessage, "Internal Server Error: request_data is longer than 65536 bytes (10485775)")
    }

    func testDruidReportsRunsUnderItsUpstreamClassName() throws {
        try home.installPlugin("obsrv")
        try home.write("upstream.json", #"{"model":"org.ekstep.analytics.job.summarizer.DruidQueryProcessor","modelParams":{}}"#)
        let r = try home.run(["render", "--params", "--config", home.path + "/upstream.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("druid_reports ("), r.stdout)
    }
}
