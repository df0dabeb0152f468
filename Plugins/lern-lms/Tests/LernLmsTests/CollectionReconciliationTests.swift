import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// `collection-reconciliation-job` (lern-jobs-spec §2; upstream has no test of it) on the embedded
/// SQLite store and on PostgreSQL, over our fixture (Tests/Fixtures/lern-jobs/collection-reconciliation)
/// where each enrolment exercises one rule: u1 pruned, completed at the batch's end, enrolled at its
/// start, and owed a certificate; u2 untouched; u3 certified already; u4 owed a certificate; u5
/// completed in a batch without an end date (no SVG template); u6 enrolled at its first activity.
class CollectionReconciliationTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    static let job = "collection-reconciliation-job"

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        try bench.load(Harness.repoRoot + "/Tests/Fixtures/lern-jobs/collection-reconciliation")
    }

    override func tearDown() { bench = nil }

    func run(_ modelParams: String, extra: [String] = []) throws -> Harness.Result {
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":{\#(modelParams)}}"#)
        return try home.run(
            ["run", Self.job, "--store", bench.store, "--log-file", home.path + "/joblog.log", "--now", "2021-03-01T00:00:00Z"] + extra)
    }

    static let read = [
        Field("userid", .utf8), Field("contentstatus", .json), Field("status", .int64), Field("completedon", .utf8), Field("enrolleddate", .utf8),
        Field("active", .bool),
    ]

    /// userid → (contentstatus, status, completedon, enrolleddate, active) of a table.
    func enrolments(_ table: String) throws -> [String: [Value]] {
        var out: [String: [Value]] = [:]
        for r in try bench.rows("sunbird_courses", table, Self.read) {
            if case .string(let u) = r[0] { out[u] = Array(r.dropFirst()) }
        }
        return out
    }

    func json(_ v: Value) -> JSONValue? {
        if case .json(let t) = v { return try? JSONParser.parse(t) }
        return nil
    }

    func instant(_ v: Value) -> String? {
        if case .string(let t) = v {
            return ISO8601DateFormatter().date(from: t.replacingOccurrences(of: ".000", with: "")).map { ISO8601DateFormatter().string(from: $0) }
        }
        return nil
    }

    /// The rows the rules change, as either table holds them after the run.
    func assertRepaired(_ rows: [String: [Value]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(json(rows["u1"]?[0] ?? .null), .object([("l1", .int(2)), ("l2", .int(2))]), "pruned to the leaves", file: file, line: line)
        XCTAssertEqual(rows["u1"]?[1], .int(2), file: file, line: line)
        XCTAssertEqual(
            instant(rows["u1"]?[2] ?? .null), "2021-01-20T00:00:00Z", "the batch's end day, before the last completion", file: file, line: line)
        XCTAssertEqual(rows["u1"]?[3], .string("2021-01-10 00:00:00:000+0000"), "the batch's start, after the first activity", file: file, line: line)
        XCTAssertEqual(rows["u1"]?[4], .bool(true), file: file, line: line)
        XCTAssertEqual(instant(rows["u5"]?[2] ?? .null), "2021-02-01T12:00:00Z", "no end date: the last completion", file: file, line: line)
        XCTAssertEqual(rows["u5"]?[3], .string("2021-02-01 12:00:00:000+0000"), file: file, line: line)
        XCTAssertEqual(rows["u6"]?[3], .string("2021-01-12 00:00:00:000+0000"), "the first activity, after the start", file: file, line: line)
        XCTAssertNil(instant(rows["u6"]?[2] ?? .null), "no completed content: no completion date", file: file, line: line)
    }

    func assertCounters(file: StaticString = #filePath, line: UInt = #line) {
        let end = bench.jobEnd
        XCTAssertEqual(end?["contentStatusMapUpdCount"]?.int, 1, file: file, line: line)
        XCTAssertEqual(end?["missingCompletionDateCount"]?.int, 2, file: file, line: line)
        XCTAssertEqual(end?["blankEnrolmentCount"]?.int, 3, file: file, line: line)
        XCTAssertEqual(end?["certIssuedCount"]?.int, 2, file: file, line: line)
    }

    func assertCertificateRequests(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let events = try lines.map { try JSONParser.parse($0) }
        XCTAssertEqual(events.map { $0["edata"]?["userIds"]?.array?.first?.string }, ["u1", "u4"], file: file, line: line)
        let first = try XCTUnwrap(events.first)
        XCTAssertEqual(first.objectPairs?.map(\.0), ["eid", "ets", "mid", "actor", "context", "object", "edata"], file: file, line: line)
        XCTAssertEqual(first["ets"]?.int, 1_614_556_800_000)
        XCTAssertTrue(first["mid"]?.string?.hasPrefix("LP-") ?? false)
        XCTAssertEqual(first["object"]?.render(), #"{"id":"b1_c1","type":"CourseCertificateGeneration"}"#)
        XCTAssertEqual(
            first["edata"]?.render(),
            #"{"userIds":["u1"],"action":"issue-certificate","iteration":1,"batchId":"b1","reIssue":false,"courseId":"c1"}"#)
        XCTAssertEqual(first["actor"]?.render(), #"{"id":"Course Certificate Generator","type":"System"}"#)
        XCTAssertEqual(first["context"]?.render(), #"{"pdata":{"ver":"1.0","id":"org.sunbird.platform"}}"#)
    }

    func testDryRunWritesTheTempTableAndTheEventFileOnly() throws {
        let before = try enrolments("user_enrolments")
        let r = try run(#""mode":"dryrun""#)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try enrolments("user_enrolments"), before, "a dry run leaves user_enrolments alone")
        let temp = try enrolments("user_enrolments_temp")
        XCTAssertEqual(Set(temp.keys), ["u1", "u5", "u6"], "only what a rule changes (Q50)")
        assertRepaired(temp)
        assertCounters()
        try assertCertificateRequests(try XCTUnwrap(home.read("reports/cert_events.json")).split(separator: "\n").map(String.init))
        let audits = bench.logEvents.compactMap { $0["edata"]?["message"]?.string }.filter { $0.contains("audit") }
        XCTAssertEqual(audits.count, 2)
        XCTAssertTrue(audits[0].contains(#""missingEnrolmentDate":3,"missingCompletionDate":4"#), audits[0])
        XCTAssertTrue(audits[0].contains(#""missingCompletionDateCount":3"#), audits[0])
        XCTAssertEqual(audits[1].replacingOccurrences(of: "post", with: "pre"), audits[0], "a dry run changes nothing the post-audit reads")
    }

    func testLiveRepairsTheEnrolmentsAndSendsTheRequestsToKafka() throws {
        let kafka = try KafkaMockCluster()
        defer { kafka.stop() }
        try kafka.createTopic("dev.coursebatch.certificate.request")
        let r = try run(#""mode":"live","topic":"dev.coursebatch.certificate.request""#, extra: ["--kafka", kafka.bootstrap])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try enrolments("user_enrolments")
        assertRepaired(rows)
        XCTAssertEqual(rows["u2"]?[3], .null, "u2 had an enrolled_date: its enrolleddate stays unset")
        XCTAssertEqual(rows["u4"]?[4], .bool(false), "an existing active flag is kept")
        assertCounters()
        try assertCertificateRequests(try kafka.read("dev.coursebatch.certificate.request").map { String($0.dropFirst()) })
        XCTAssertNil(home.read("reports/cert_events.json"))
        let post = try XCTUnwrap(bench.logEvents.compactMap { $0["edata"]?["message"]?.string }.first { $0.hasPrefix("post-audit") })
        XCTAssertTrue(post.contains(#""missingEnrolmentDate":0,"missingCompletionDate":2"#), post)
        XCTAssertTrue(post.contains(#""missingCompletionDateCount":1"#), post)
    }

    func testBadInputsFailClearly() throws {
        let noTopic = try run(#""mode":"live""#)
        XCTAssertEqual(noTopic.status, 67)
        XCTAssertTrue(noTopic.stderr.contains("live mode needs modelParams.topic"), noTopic.stderr)
        try home.write(
            "bad/sunbird_courses.user_enrolments.jsonl", #"{"userid": "u7", "courseid": "c1", "batchid": "b1", "contentstatus": "l1=2"}"# + "\n")
        try bench.load(home.path + "/bad")
        let before = try enrolments("user_enrolments")
        let malformed = try run(#""mode":"live","topic":"t""#)
        XCTAssertEqual(malformed.status, 67)
        XCTAssertTrue(malformed.stderr.contains("enrolment u7/c1/b1: contentstatus is not a map"), malformed.stderr)
        XCTAssertEqual(try enrolments("user_enrolments"), before, "no table changed")
        let badKeyspace = try run(#""mode":"dryrun","courseKeyspace":"nope""#)
        XCTAssertEqual(badKeyspace.status, 67)
        XCTAssertTrue(badKeyspace.stderr.contains("table nope.user_enrolments not found"), badKeyspace.stderr)
    }
}

final class CollectionReconciliationPostgresTests: CollectionReconciliationTests {
    override var backend: Backend { .postgres }
    override func testDryRunWritesTheTempTableAndTheEventFileOnly() throws { try super.testDryRunWritesTheTempTableAndTheEventFileOnly() }
    override func testLiveRepairsTheEnrolmentsAndSendsTheRequestsToKafka() throws {
        try super.testLiveRepairsTheEnrolmentsAndSendsTheRequestsToKafka()
    }
    override func testBadInputsFailClearly() throws { try super.testBadInputsFailClearly() }
}
