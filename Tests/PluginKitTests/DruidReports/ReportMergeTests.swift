import Foundation
import RowBatch
import XCTest
@testable import PluginKit

/// The report merge's rules (framework-spec A4.7).
final class ReportMergeTests: XCTestCase {
    func config(_ json: String) throws -> MergeConfig { try MergeConfig(try JSONParser.parse(json)) }
    let columns = ["Date", "State", "Plays"]

    func testRollupZeroReplacesTheReportWithTheDelta() throws {
        let old = ReportText(columns: columns, rows: [["2020-05-01", "ka", "1.0"]])
        let delta = ReportText(columns: columns, rows: [["2020-05-05", "ka", "4.0"], ["2020-05-05", "ka", "4.0"]])
        XCTAssertEqual(
            ReportMerge.merged(report: old, delta: delta, config: try config(#"{"reportPath":"r.csv","rollup":0}"#)).rows,
            [["2020-05-05", "ka", "4.0"]],
            "duplicate delta rows dropped")
    }

    func testDayRollupReplacesTheDeltasDaysAndKeepsTheRange() throws {
        let old = ReportText(columns: columns, rows: (1...4).map { ["2020-05-0\($0)", "ka", "\($0).0"] })
        let delta = ReportText(
            columns: ["State", "Date", "Plays", "Extra"], rows: [["ka", "2020-05-05", "50.0", "x"], ["ka", "2020-05-04", "40.0", "x"]])
        let merged = ReportMerge.merged(
            report: old, delta: delta, config: try config(#"{"reportPath":"r.csv","rollup":1,"rollupAge":"DAY","rollupRange":3}"#))
        XCTAssertEqual(merged.columns, columns, "the delta is restricted and ordered to the report's columns")
        XCTAssertEqual(merged.rows, [["2020-05-03", "ka", "3.0"], ["2020-05-04", "ka", "40.0"], ["2020-05-05", "ka", "50.0"]])
    }

    func testRollupAgesStartWhereUpstreamsDo() throws {
        let f = UTCDates.formatter("yyyy-MM-dd")
        func start(_ age: String, _ range: Int, _ newest: String) throws -> String {
            f.string(
                from: ReportMerge.startDate(
                    newest: f.date(from: newest)!, try config(#"{"reportPath":"r","rollupAge":"\#(age)","rollupRange":\#(range)}"#)))
        }
        XCTAssertEqual(try start("ACADEMIC_YEAR", 1, "2020-05-05"), "2019-06-01")
        XCTAssertEqual(try start("ACADEMIC_YEAR", 2, "2020-07-05"), "2019-06-01")
        XCTAssertEqual(try start("GEN_YEAR", 2, "2020-05-05"), "2019-01-01")
        XCTAssertEqual(try start("MONTH", 3, "2020-05-20"), "2020-03-01")
        XCTAssertEqual(try start("WEEK", 2, "2020-05-06"), "2020-04-27")
        XCTAssertEqual(try start("DAY", 7, "2020-05-06"), "2020-04-30")
        XCTAssertEqual(try start("FOREVER", 1, "2020-05-06"), "1970-01-01")
    }

    func testARollupColumnWithItsOwnFormat() throws {
        let c = try config(#"{"reportPath":"r.csv","rollup":1,"rollupCol":"Day||%d-%m-%Y","rollupAge":"DAY","rollupRange":10}"#)
        XCTAssertEqual(c.rollupFormat, "dd-MM-yyyy")
        let merged = ReportMerge.merged(report: nil, delta: ReportText(columns: columns, rows: [["2020-05-05", "ka", "1.0"]]), config: c)
        XCTAssertEqual(merged.columns, columns + ["Day"])
        XCTAssertEqual(merged.rows, [["2020-05-05", "ka", "1.0", "05-05-2020"]])
    }

    func testTheDashboardJSONAndCSVForms() throws {
        let t = ReportText(columns: columns, rows: [["2020-05-05", "ka, north", "1.23456789E7"], ["2020-05-06", "tn", ""]])
        XCTAssertEqual(
            String(decoding: ReportMergeStore.json(t, metrics: ["Plays"]), as: UTF8.self),
            #"{"keys":["Date","State","Plays"],"tableData":[["2020-05-05","ka, north",12345678.9],["2020-05-06","tn",0]],"data":[{"Date":"2020-05-05","State":"ka, north","Plays":12345678.9},{"Date":"2020-05-06","State":"tn","Plays":0}]}"#
        )
        let csv = ReportMergeStore.csv(t, order: ["State", "Date", "Plays"])
        XCTAssertEqual(String(decoding: csv, as: UTF8.self), "State,Date,Plays\n\"ka, north\",2020-05-05,1.23456789E7\ntn,2020-05-06,\"\"\n")
        XCTAssertEqual(
            try csv.withUnsafeBytes { try CSVReader(.spark).records($0) },
            [["State", "Date", "Plays"], ["ka, north", "2020-05-05", "1.23456789E7"], ["tn", "2020-05-06", ""]])
        XCTAssertEqual(ReportMergeStore.place("druid-reports/daily/plays.csv").0, "daily")
        XCTAssertEqual(ReportMergeStore.place("plays.csv").1, "plays")
    }

    func testCSVReaderDialects() throws {
        let spark = Array(#"a,"x \"q\" \\ y",""\#n"multi\#nline",b"#.utf8)
        XCTAssertEqual(try spark.withUnsafeBytes { try CSVReader(.spark).records($0) }, [["a", #"x "q" \ y"#, ""], ["multi\nline", "b"]])
        let rfc = Array("a,\"say \"\"hi\"\"\"\r\nb,c\r\n".utf8)
        XCTAssertEqual(try rfc.withUnsafeBytes { try CSVReader(.rfc4180).records($0) }, [["a", #"say "hi""#], ["b", "c"]])
        XCTAssertThrowsError(try Array("a,\"open".utf8).withUnsafeBytes { try CSVReader(.spark).records($0) })
    }
}
