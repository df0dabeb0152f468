import Foundation
import RowBatch
import XCTest
@testable import Host

/// Druid SQL (exhaustQuery): the query text from sqlQueryStr or sqlDimensions, the row conversion,
/// and the objectLines splitter that needs Druid's closing blank line.
final class DruidSQLTests: XCTestCase {
    let now = ISO8601DateFormatter().date(from: "2020-05-06T10:00:00Z")!

    func sql(_ model: String) throws -> DruidSQL { try DruidSQL(try JSONParser.parse(model), now: now) }

    func testSqlQueryStrGetsTheIntervalEnds() throws {
        let q = try sql(
            #"{"dataSource":"content-rollup","intervals":"LastDay","sqlQueryStr":"SELECT a FROM t WHERE __time >= '%s' AND __time < '%s'"}"#)
        XCTAssertEqual(q.text, "SELECT a FROM t WHERE __time >= '2020-05-05 00:00:00' AND __time < '2020-05-06 00:00:00'", "no IST offset on rollup")
        XCTAssertEqual(q.body.render(), #"{"query":"\#(q.text)","resultFormat":"objectLines","header":true}"#)
        let literal = try sql(#"{"intervals":"2020-01-01T00:00:00/2020-01-08T00:00:00","sqlQueryStr":"SELECT 1"}"#)
        XCTAssertEqual(literal.text, "SELECT 1", "a query without placeholders is sent as written")
    }

    func testSqlDimensionsMakeTheDefaultSelect() throws {
        let q = try sql(#"{"dataSource":"summary-events","intervals":"LastDay","intervalSlider":1,"sqlDimensions":["state",{"fieldName":"date"}]}"#)
        XCTAssertEqual(
            q.text, #"SELECT state,date from "druid"."summary-events" where __time >= '2020-05-04 05:30:00' AND __time < '2020-05-05 05:30:00'"#)
    }

    func testConfigsThatCannotBeSentFailNamingTheField() {
        let cases = [
            (#"{"dataSource":"d","intervals":"LastDay"}"#, "needs the query's sqlQueryStr or sqlDimensions"),
            (#"{"intervals":"LastDay","sqlQueryStr":"%s %s %s"}"#, "3 '%s' placeholders"),
            (#"{"dataSource":"d","sqlQueryStr":"SELECT 1"}"#, "needs intervals"),
            (#"{"dataSource":"d","intervals":"LastDay","sqlDimensions":[1]}"#, "column names or {fieldName}"),
        ]
        for (model, message) in cases {
            XCTAssertThrowsError(try sql(model), model) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testNullAndEmptyValuesBecomeUnknown() throws {
        let row = try JSONParser.parse(#"{"a":null,"b":"","c":"x","d":2.25,"e":10}"#)
        XCTAssertEqual(String(decoding: try DruidSQL.record(row), as: UTF8.self), #"{"a":"unknown","b":"unknown","c":"x","d":2.25,"e":10}"#)
    }

    func lines(_ chunks: [ArraySlice<UInt8>]) throws -> [String] {
        var s = JSONLinesStream()
        var out: [String] = []
        for c in chunks { try Array(c).withUnsafeBytes { try s.feed($0) { out.append(String(decoding: $0, as: UTF8.self)) } } }
        try s.finish()
        return out
    }

    func testEverySplitGivesTheLinesAndEveryCutFails() throws {
        let answer = Array("{\"h\":null}\n{\"a\":1}\r\n{\"a\":2}\n\n".utf8)
        let expected = [#"{"h":null}"#, #"{"a":1}"# + "\r", #"{"a":2}"#]
        for cut in 0...answer.count {
            XCTAssertEqual(try lines([answer[..<cut], answer[cut...]]), expected, "split at \(cut)")
        }
        for cut in 0..<answer.count {
            XCTAssertThrowsError(try lines([answer[..<cut]]), "cut at \(cut)")
        }
    }
}
