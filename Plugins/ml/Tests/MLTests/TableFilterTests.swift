import XCTest
import PluginKit
@testable import ML

/// The request filter rules of the program user exhaust; every upstream case runs through the real
/// host in the host's Tests/HostTests/Exhaust/ProgramUserExhaustTests.swift.
final class TableFilterTests: XCTestCase {
    func testParsesColumnsMapLookupsAndOperators() throws {
        let f = try TableFilter(JSONParser.parse(#"{"name":"user_locations['district_id']","operator":"=","value":"48145de3"}"#))
        XCTAssertEqual(f, TableFilter(column: "user_locations", mapKey: "district_id", op: "=", value: "48145de3"))
        XCTAssertThrowsError(try TableFilter(JSONParser.parse(#"{"name":"x","operator":"LIKE","value":"1"}"#)))
        XCTAssertThrowsError(try TableFilter(JSONParser.parse(#"{"operator":"=","value":"1"}"#)))
    }

    func testDatesCompareAsDatesAndNullNeverMatches() {
        let ge = TableFilter(column: "updated_at", op: ">=", value: "2022-12-22")
        XCTAssertTrue(ge.matches("2022-12-23"))
        XCTAssertTrue(ge.matches("2022-12-22T00:00:00.000Z"))  // a timestamp from PostgreSQL
        XCTAssertFalse(ge.matches("2022-11-07"))
        XCTAssertFalse(ge.matches(nil))
        XCTAssertTrue(TableFilter(column: "updated_at", op: "<=", value: "2023-01-01").matches("2023-01-01T00:00:00.000Z"))
    }

    func testFiltersOfATable() throws {
        let data = try JSONParser.parse(
            #"{"params":{"filters":[{"table_name":"program_enrollment","table_filters":[{"name":"program_id","operator":"=","value":"p"}]},{"table_name":"user_consent","table_filters":[]}]}}"#
        )
        XCTAssertEqual(try TableFilter.filters(in: data, table: "program_enrollment")?.count, 1)
        XCTAssertEqual(try TableFilter.filters(in: data, table: "user_consent")?.count, 0)
        XCTAssertNil(try TableFilter.filters(in: data, table: "other"))
        XCTAssertThrowsError(try TableFilter.filters(in: JSONParser.parse(#"{"params":{"filters":[{}]}}"#), table: "x"))
        XCTAssertEqual(ProgramUserExhaust.ddMMyyyy("2022-04-16 09:59:15.728Z"), "16/04/2022")
    }
}
