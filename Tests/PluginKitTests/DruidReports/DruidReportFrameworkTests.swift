import RowBatch
import XCTest
@testable import PluginKit

/// The report framework's rules (framework-spec A4.5, A4.8 TestDruidQueryProcessingModel), with the
/// upstream test values.
final class DruidReportFrameworkTests: XCTestCase {
    func config(_ json: String) throws -> ReportConfig { try ReportConfig(try JSONParser.parse(json)) }

    func query(_ ds: String, dims: [String]) -> String {
        let d = dims.map { #"{"fieldName":"\#($0)","aliasName":"\#($0)"}"# }.joined(separator: ",")
        return
            #"{"queryType":"groupBy","dataSource":"\#(ds)","intervals":"LastDay","aggregations":[{"name":"total_count","type":"count"}],"dimensions":[\#(d)]}"#
    }

    // A4.8 "test for dateRange".
    func testDateRange() throws {
        let range = try JSONParser.parse(#"{"interval":{"startDate":"2020-05-02","endDate":"2020-05-06"},"intervalSlider":0}"#)
        XCTAssertEqual(try ReportInterval.resolve(range, dataSource: "telemetry-events"), "2020-05-02T05:30:00/2020-05-06T05:30:00")
        let slid = try JSONParser.parse(#"{"interval":{"startDate":"2020-05-02","endDate":"2020-05-06"},"intervalSlider":2}"#)
        XCTAssertEqual(try ReportInterval.resolve(slid, dataSource: "telemetry-events"), "2020-04-30T05:30:00/2020-05-04T05:30:00")
        XCTAssertEqual(try ReportInterval.resolve(slid, dataSource: "summary-rollup-events"), "2020-04-30T00:00:00/2020-05-04T00:00:00")
        XCTAssertEqual(try ReportInterval.resolve(try JSONParser.parse(#"{"staticInterval":"LastMonth"}"#), dataSource: "x"), "LastMonth")
    }

    // A4.8 "throw exception if query has different dimensions".
    func testMetricsWithDifferentDimensionsAreRefused() throws {
        let c = try config(
            #"{"id":"r","dateRange":{"staticInterval":"LastDay"},"metrics":[{"metric":"a","label":"a","druidQuery":\#(query("telemetry-events", dims: ["device_loc_city", "context_pdata_id"]))},"#
                + #"{"metric":"b","label":"b","druidQuery":\#(query("telemetry-events", dims: []))}],"labels":{},"output":[]}"#)
        XCTAssertThrowsError(try ReportRecords(c) { _, _ in XCTFail("no query runs") }) {
            XCTAssertTrue("\($0)".contains("Query dimensions are not matching"), "\($0)")
        }
    }

    // A4.8 "throw exception if query does not have intervals".
    func testADateRangeWithoutIntervalsIsRefused() throws {
        let c = try config(
            #"{"id":"r","dateRange":{"intervalSlider":0},"metrics":[{"metric":"a","label":"a","druidQuery":\#(query("telemetry-events", dims: ["state"]))}],"labels":{},"output":[]}"#
        )
        XCTAssertThrowsError(try ReportRecords(c) { _, _ in }) {
            XCTAssertEqual("\($0)", "Both staticInterval and interval cannot be missing. Either of them should be specified")
        }
    }

    // A4.8 "verify DruidOutput operations", as our records do it: a 4-key record, a metric adding
    // count makes 5 keys, total_ts keeps its value; rows merge by dimension values and date.
    func testRecordsMergeByDimensionsAndDate() throws {
        let c = try config(
            #"{"id":"r","dateRange":{"interval":{"startDate":"2020-05-02","endDate":"2020-05-06"}},"metrics":["#
                + #"{"metric":"a","label":"a","druidQuery":\#(query("telemetry-events", dims: ["state", "producer"]))},"#
                + #"{"metric":"b","label":"b","druidQuery":\#(query("summary-rollup", dims: ["state", "producer"]))}],"labels":{},"output":[]}"#)
        var sent: [String] = []
        let r = try ReportRecords(c) { q, add in
            sent.append(q["intervals"]!.string!)
            if q["dataSource"]!.string == "telemetry-events" {
                try add(try JSONParser.parse(#"{"state":"ka","producer":"app","total_ts":5.0,"date":"2020-05-02"}"#))
                try add(try JSONParser.parse(#"{"state":"tn","producer":"app","total_ts":1.0,"date":"2020-05-02"}"#))
            } else {
                try add(try JSONParser.parse(#"{"state":"ka","producer":"app","count":7.0,"date":"2020-05-02"}"#))
            }
        }
        XCTAssertEqual(sent, ["2020-05-02T05:30:00/2020-05-06T05:30:00", "2020-05-02T00:00:00/2020-05-06T00:00:00"])
        XCTAssertEqual(r.records.count, 2)
        XCTAssertEqual(r.records[0].map(\.0), ["state", "producer", "total_ts", "date", "count"])
        XCTAssertEqual(JSONValue.object(r.records[0])["total_ts"], .double(5))
        XCTAssertEqual(r.records[1].count, 4)
    }

    func testTableColumnsAreAlphabeticalAndMissingNumbersAreZero() throws {
        let t = ReportTable([[("b", .double(1)), ("a", .string("x"))], [("a", .null)]])
        XCTAssertEqual(t.columns, ["a", "b"])
        XCTAssertEqual(t.cell(t.rows[1], "b"), .double(0))
        XCTAssertEqual(t.cell(t.rows[1], "a"), .string("unknown"))
    }

    // A4.8 "test report output config": the location API's states and districts with the state lookup.
    func testValidLocationPairs() throws {
        let locations = try JSONParser.parse(
            #"{"result":{"response":[{"id":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550","name":"Andhra Pradesh","type":"state"},"#
                + #"{"id":"0393395d-ea39-4f8f-9f3d-0ec5d25d0551","name":"West Bengal","type":"state"},"#
                + #"{"id":"d1","name":"Visakhapatnam","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550"},"#
                + #"{"id":"d2","name":"East Godavari","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0550"},"#
                + #"{"id":"d3","name":"Koltata","type":"district","parentId":"0393395d-ea39-4f8f-9f3d-0ec5d25d0551"}]}}"#)
        let lookup = try JSONParser.parse(#"{"Andhra Pradesh":"apekx","Assam":"as","Bihar":"br"}"#)
        XCTAssertEqual(
            LocationMapping.validPairs(locations: locations, stateLookup: lookup),
            [
                LocationPair(state: "apekx", district: "Visakhapatnam"), LocationPair(state: "apekx", district: "East Godavari"),
                LocationPair(state: "West Bengal", district: "Koltata"),
            ])
    }

    func testOutputConfigErrorsNameTheField() {
        XCTAssertThrowsError(try config(#"{"id":"r","output":[{"type":"xlsx"}]}"#)) {
            XCTAssertTrue("\($0)".contains("output[0].type must be csv or json"))
        }
        XCTAssertThrowsError(try config(#"{"id":"r","output":[{"type":"csv","dims":"state"}]}"#)) {
            XCTAssertTrue("\($0)".contains("output[0].dims must be a list"))
        }
        XCTAssertThrowsError(try config(#"{"labels":{}}"#)) { XCTAssertTrue("\($0)".contains("reportConfig.id is missing")) }
    }
}
