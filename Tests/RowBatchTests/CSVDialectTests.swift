import Foundation
import RowBatch
import XCTest

/// The CSV field rule of each dialect. The Spark one is compared byte for byte with what Spark 4.3
/// wrote for the same values (Tests/Fixtures/csv/record-spark.py made spark-edge-values.csv).
final class CSVDialectTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/csv")

    func testSparkBytesForEveryRecordedValue() throws {
        let values = try JSONParser.parse(String(contentsOf: Self.fixtures.appendingPathComponent("edge-values.json"), encoding: .utf8))
        let spark = try String(contentsOf: Self.fixtures.appendingPathComponent("spark-edge-values.csv"), encoding: .utf8)
        var ours = [" Name ", "v", "d"].map(CSVDialect.spark.field).joined(separator: ",") + "\n"
        for (i, v) in (values.array ?? []).enumerated() {
            ours += "\(i)," + (v.string.map(CSVDialect.spark.field) ?? "") + ",1.5\n"
        }
        XCTAssertEqual(ours, spark)
    }

    func testSparkRule() {
        let d = CSVDialect.spark
        XCTAssertEqual(d.field("  lead"), "lead")
        XCTAssertEqual(d.field("\u{1}ctrl\t"), "ctrl")
        XCTAssertEqual(d.field("\u{A0}nbsp"), "\u{A0}nbsp")  // beyond U+0020: kept, as Java's trim does
        XCTAssertEqual(d.field("   "), "\"\"")
        XCTAssertEqual(d.field("say \"hi\""), "\"say \\\"hi\\\"\"")
        XCTAssertEqual(d.field("a\\b,c"), "\"a\\\\b,c\"")
        XCTAssertEqual(d.field("back\\slash"), "back\\slash")
    }

    func testRFC4180Rule() {
        let d = CSVDialect.rfc4180
        XCTAssertEqual(d.field("  lead "), "  lead ")
        XCTAssertEqual(d.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(d.field("a\\b,c"), "\"a\\b,c\"")
        XCTAssertEqual(d.field(""), "\"\"")
        XCTAssertEqual(d.field("line\nbreak"), "\"line\nbreak\"")
    }
}
