import Foundation
import RowBatch
import XCTest
@testable import Host

/// The Druid connector against a real local HTTP server answering recorded Druid answers
/// (Tests/Servers/recorded_http_server.py): matched on the query body, a sequence per query, 5xx,
/// timeouts and answers cut off mid-stream.
final class DruidConnectorTests: XCTestCase {
    var server: Process?
    var base = ""
    var dir = ""
    let now = Date(timeIntervalSince1970: 1_588_770_000)

    func groupBy(_ ds: String, _ rows: [(String, String)]) -> String {
        "[" + rows.map { #"{"version":"v1","timestamp":"\#($0.0)T00:00:00.000Z","event":\#($0.1)}"# }.joined(separator: ",") + "]"
    }

    func start(_ answers: String) throws {
        dir = NSTemporaryDirectory() + "dp-druid-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try answers.write(toFile: dir + "/answers.json", atomically: true, encoding: .utf8)
        let (p, port) = try ExhaustBench.startHTTP(dir + "/answers.json")
        server = p
        base = "http://127.0.0.1:\(port)"
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func query(_ ds: String, _ extra: String = "") throws -> JSONValue {
        try JSONParser.parse(#"{"queryType":"groupBy","dataSource":"\#(ds)","intervals":"LastDay","dimensions":[{"fieldName":"state"}]\#(extra)}"#)
    }

    func rows(_ c: DruidConnector, _ q: JSONValue) throws -> [String] {
        var out: [String] = []
        try c.query(q, now: now) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    func testAnswersMatchTheQueryBodyAndComeInSequence() throws {
        let a = groupBy("telemetry-events", [("2020-05-05", #"{"state":"ka","count":3}"#)])
        let b = groupBy("telemetry-events", [("2020-05-05", #"{"state":"ka","count":4}"#), ("2020-05-05", #"{"state":null,"count":1}"#)])
        try start(
            #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":["\"dataSource\":\"telemetry-events\"","2020-05-05T05:30:00+00:00/2020-05-06T05:30:00+00:00"],"sequence":[{"body":\#(JSONText.quote(a))},{"body":\#(JSONText.quote(b))}]}]}"#
        )
        let c = try DruidConnector(try DruidSpec(base + ",backoffMs=10"))
        XCTAssertEqual(try rows(c, try query("telemetry-events")), [#"{"state":"ka","count":3.0,"date":"2020-05-05"}"#])
        XCTAssertEqual(
            try rows(c, try query("telemetry-events")),
            [#"{"state":"ka","count":4.0,"date":"2020-05-05"}"#, #"{"state":"unknown","count":1.0,"date":"2020-05-05"}"#])
        XCTAssertThrowsError(try rows(c, try query("telemetry-events"))) { XCTAssertTrue("\($0)".contains("sequence used up"), "\($0)") }
        XCTAssertThrowsError(try rows(c, try query("other-events"))) { XCTAssertTrue("\($0)".contains("answered 404"), "\($0)") }
    }

    func testRollupDataSourcesGoToTheRollupBroker() throws {
        let a = groupBy("x", [("2020-05-05", #"{"n":1}"#)])
        try start(#"{"answers":[{"method":"POST","path":"/rollup/druid/v2/","body":\#(JSONText.quote(a))}]}"#)
        let c = try DruidConnector(try DruidSpec(base + ",rollup=\(base)/rollup/druid/v2/"))
        XCTAssertEqual(try rows(c, try query("summary-rollup-syncts")), [#"{"n":1.0,"date":"2020-05-05"}"#])
        XCTAssertThrowsError(try rows(c, try query("telemetry-events")), "the main broker has no answer")
    }

    func testServerErrorsAreRetriedThenReportedWithDruidsMessage() throws {
        let ok = groupBy("x", [("2020-05-05", #"{"n":1}"#)])
        let failure = #"{"error":"Query timeout","errorMessage":"Query [abc] timed out!","errorClass":"QueryTimeoutException"}"#
        try start(
            #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":"flaky","sequence":[{"status":500,"body":\#(JSONText.quote(failure))},{"body":\#(JSONText.quote(ok))}]},"#
                + #"{"method":"POST","path":"/druid/v2/","bodyContains":"broken","status":500,"body":\#(JSONText.quote(failure))}]}"#)
        let c = try DruidConnector(try DruidSpec(base + ",attempts=3,backoffMs=10"))
        XCTAssertEqual(try rows(c, try query("flaky")).count, 1, "one 500, then the answer")
        XCTAssertThrowsError(try rows(c, try query("broken"))) { e in
            XCTAssertEqual("\(e)", "Druid broker \(self.base)/druid/v2/ answered 500: Query timeout: Query [abc] timed out! (attempt 3 of 3)")
        }
    }

    func testATimeoutFailsWithAClearMessage() throws {
        try start(#"{"answers":[{"method":"POST","path":"/druid/v2/","delayMs":3000,"body":"[]"}]}"#)
        let c = try DruidConnector(try DruidSpec(base + ",timeoutMs=300,attempts=2,backoffMs=10"))
        let started = Date()
        XCTAssertThrowsError(try rows(c, try query("slow"))) { e in
            XCTAssertTrue("\(e)".contains("Druid broker unreachable") && "\(e)".contains("timed out") && "\(e)".contains("attempt 2 of 2"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5, "bounded by the timeout, not the server")
    }

    func testAStreamCutOffMidAnswerFailsAfterTheRowsItGaveAndIsNotRetried() throws {
        let body = groupBy("x", (0..<2000).map { ("2020-05-05", #"{"state":"s\#($0)","count":\#($0)}"#) })
        try start(
            #"{"answers":[{"method":"POST","path":"/druid/v2/","sequence":[{"truncateAfter":\#(body.utf8.count / 2),"body":\#(JSONText.quote(body))},{"body":\#(JSONText.quote(body))}]}]}"#
        )
        let c = try DruidConnector(try DruidSpec(base + ",attempts=3,backoffMs=10"))
        var got = 0
        XCTAssertThrowsError(try c.query(try query("x"), now: now) { _ in got += 1 }) { e in
            XCTAssertTrue("\(e)".contains("Druid broker failed") && "\(e)".contains("after \(got) rows"), "\(e)")
        }
        XCTAssertGreaterThan(got, 0)
        XCTAssertLessThan(got, 2000)
    }

    func testAnAnswerThatIsNotAnArrayOrEndsEarlyIsRefused() throws {
        try start(
            #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":"object","body":"{\"error\":\"Unknown exception\"}"},"#
                + #"{"method":"POST","path":"/druid/v2/","bodyContains":"short","body":"[{\"version\":\"v1\",\"timestamp\":\"2020-05-05T00:00:00Z\",\"event\":{}}"}]}"#
        )
        let c = try DruidConnector(try DruidSpec(base))
        XCTAssertThrowsError(try rows(c, try query("object"))) { XCTAssertTrue("\($0)".contains("Unknown exception"), "\($0)") }
        XCTAssertThrowsError(try rows(c, try query("short"))) { XCTAssertTrue("\($0)".contains("cut off"), "\($0)") }
    }

    func testCannedAnswersServeTheSameFileOffline() throws {
        dir = NSTemporaryDirectory() + "dp-druid-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let a = groupBy("x", [("2020-05-05", #"{"n":2}"#)])
        try #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":"telemetry","sequence":[{"body":\#(JSONText.quote(a))}]}]}"#
            .write(toFile: dir + "/answers.json", atomically: true, encoding: .utf8)
        let c = try DruidConnector(try DruidSpec("canned:" + dir))
        XCTAssertEqual(try rows(c, try query("telemetry-events")), [#"{"n":2.0,"date":"2020-05-05"}"#])
        XCTAssertThrowsError(try rows(c, try query("telemetry-events"))) { XCTAssertTrue("\($0)".contains("used up"), "\($0)") }
    }

    // A4.2 LATEST_INDEX: the newest used segment of the data source in Druid's metadata database
    // (a real PostgreSQL); none → the interval rule; no database configured → a clear error.
    func testLatestIndexReadsTheNewestUsedSegment() throws {
        let db = try Harness.PostgresDatabase()
        defer { db.drop() }
        try Harness.psql(
            db.conninfo,
            #"CREATE TABLE druid_segments (id text PRIMARY KEY, datasource text, start text, "end" text, used boolean); "#
                + "INSERT INTO druid_segments VALUES ('a', 'content-model-snapshot', '2020-05-01T00:00:00.000Z', '2020-05-02T00:00:00.000Z', true), "
                + "('b', 'content-model-snapshot', '2020-05-03T00:00:00.000Z', '2020-05-04T00:00:00.000Z', true), "
                + "('c', 'content-model-snapshot', '2020-05-05T00:00:00.000Z', '2020-05-06T00:00:00.000Z', false)")
        let a = groupBy("x", [("2020-05-03", #"{"n":1}"#)])
        try start(
            #"{"answers":[{"method":"POST","path":"/druid/v2/","bodyContains":["2020-05-03T00:00:00.000Z/2020-05-04T00:00:00.000Z","\"granularity\":\"all\""],"body":\#(JSONText.quote(a))},"#
                + #"{"method":"POST","path":"/druid/v2/","bodyContains":"2020-05-05T05:30:00+00:00/2020-05-06T05:30:00+00:00","body":\#(JSONText.quote(a))}]}"#
        )
        let c = try DruidConnector(try DruidSpec(base + ",segments=" + db.conninfo))
        let latest = try JSONParser.parse(
            #"{"queryType":"groupBy","dataSource":"content-model-snapshot","intervals":"LastDay","granularity":"LATEST_INDEX"}"#)
        XCTAssertEqual(try rows(c, latest).count, 1, "the newest used segment's interval")
        let none = try JSONParser.parse(#"{"queryType":"groupBy","dataSource":"no-segments","intervals":"LastDay","granularity":"latest_index"}"#)
        XCTAssertEqual(try rows(c, none).count, 1, "no segment: the interval rule")
        XCTAssertThrowsError(try rows(try DruidConnector(try DruidSpec(base)), latest)) {
            XCTAssertTrue("\($0)".contains("segments=CONNINFO"), "\($0)")
        }
    }

    func testSpecErrors() {
        XCTAssertThrowsError(try DruidSpec("broker:8082")) { XCTAssertTrue("\($0)".contains("unknown Druid connector")) }
        XCTAssertThrowsError(try DruidSpec("http://b:8082,retries=3")) { XCTAssertTrue("\($0)".contains("unknown HTTP option")) }
    }
}
