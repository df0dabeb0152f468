import Foundation
import RowBatch
import XCTest
@testable import Host

/// Druid rows turned into upstream's records (spec A4.3, QUIRK C1.2 kept).
final class DruidRowsTests: XCTestCase {
    func records(_ element: String, _ kind: DruidQuery.Kind) throws -> [String] {
        try DruidRows.records(of: try JSONParser.parse(element), kind: kind).map { String(decoding: $0, as: UTF8.self) }
    }

    func testGroupByRowGetsDateAndConvertedValues() throws {
        XCTAssertEqual(
            try records(
                #"{"version":"v1","timestamp":"2020-09-12T00:00:00.000Z","event":{"state":"apekx","district":null,"total_count":11,"avg":2.25,"tiny":0.04,"neg":-0.05,"flag":true,"list":[1,2]}}"#,
                .groupBy),
            [
                #"{"state":"apekx","district":"unknown","total_count":11.0,"avg":2.3,"tiny":0.0,"neg":-0.1,"flag":true,"list":[1,2],"date":"2020-09-12"}"#
            ])
    }

    func testLargeNumbersBecomeStrings() throws {
        XCTAssertEqual(
            try records(#"{"timestamp":"2020-01-01T00:00:00Z","result":{"a":99999999.94,"b":100000000,"c":-9999999.9,"d":-10000000}}"#, .timeseries),
            [#"{"a":99999999.9,"b":"100000000.0","c":-9999999.9,"d":"-10000000.0","date":"2020-01-01"}"#])
    }

    func testTopNAndScanGiveOneRecordPerElement() throws {
        XCTAssertEqual(
            try records(#"{"timestamp":"2020-02-03T00:00:00.000Z","result":[{"c":"x","count":3},{"c":"y","count":1}]}"#, .topN),
            [#"{"c":"x","count":3.0,"date":"2020-02-03"}"#, #"{"c":"y","count":1.0,"date":"2020-02-03"}"#])
        XCTAssertEqual(
            try records(#"{"segmentId":"s","columns":["__time","a"],"events":[{"__time":1580688000000,"a":"v"},{"a":"w"}]}"#, .scan),
            [#"{"__time":"1580688000000.0","a":"v","date":"2020-02-03"}"#, #"{"a":"w"}"#])
    }

    func testHalfUpRounding() {
        XCTAssertEqual(DruidRows.rounded(.double(0.05)), "0.1")
        XCTAssertEqual(DruidRows.rounded(.double(0.15)), "0.2")
        XCTAssertEqual(DruidRows.rounded(.double(-2.25)), "-2.3")
        XCTAssertEqual(DruidRows.rounded(.double(1e-7)), "0.0")
        XCTAssertEqual(DruidRows.rounded(.int(2)), "2.0")
        XCTAssertEqual(DruidRows.rounded(.double(0.04)), "0.0")
        XCTAssertEqual(DruidRows.rounded(.double(-0.04)), "0.0")
        XCTAssertEqual(DruidRows.rounded(.double(9.96)), "10.0")
        XCTAssertEqual(DruidRows.rounded(.double(99.95)), "100.0")
        XCTAssertEqual(DruidRows.rounded(.double(1234.56)), "1234.6")
        XCTAssertEqual(DruidRows.rounded(.double(1.5e16)), "15000000000000000.0")
        XCTAssertEqual(DruidRows.rounded(.double(123456789.25)), "123456789.3")
        XCTAssertEqual(DruidRows.rounded(.double(0.5)), "0.5")
        XCTAssertEqual(DruidRows.rounded(.double(0.95)), "1.0")
    }
}
