import Foundation
import XCTest
@testable import Host

/// `dataproducts load` of keyspace.table.csv files: RFC 4180 records, cells typed by the schema.
final class CSVTablesTests: XCTestCase {
    let types = ["status": "integer", "active": "boolean", "score": "double precision", "tags": "jsonb", "at": "timestamptz"]

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "dp-csv-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testCellsTakeTheirColumnsTypes() throws {
        let csv =
            "id,status,active,score,tags,at,note\r\n"
            + "a,1,True,2.5,\"[\"\"x\"\"]\",2030-06-30 18:29:59.000000+0000,\"two\nlines, one \"\"quote\"\"\"\r\n"
            + "b,,,,,,\n\n"
        let lines = try CSVTables.convert(file: try write(csv), types: types)
        XCTAssertEqual(
            lines,
            #"{"id":"a","status":1,"active":true,"score":2.5,"tags":["x"],"at":"2030-06-30 18:29:59.000000+0000","note":"two\nlines, one \"quote\""}"#
                + "\n" + #"{"id":"b"}"# + "\n")
    }

    func testABadCellIsRefusedWithItsLineAndColumn() throws {
        let path = try write("id,status\na,1\n\"b\nc\",x\n")
        XCTAssertThrowsError(try CSVTables.convert(file: path, types: types)) { e in
            XCTAssertEqual("\(e)", #"\#(path) line 3: column status (integer): cannot read "x""#)
        }
        XCTAssertThrowsError(try CSVTables.convert(file: try write("id,status\na\n"), types: types)) { e in
            XCTAssertTrue("\(e)".hasSuffix("line 2: 1 fields, the header has 2"), "\(e)")
        }
        XCTAssertThrowsError(try CSVTables.convert(file: try write("id\n\"open\n"), types: types)) { e in
            XCTAssertTrue("\(e)".hasSuffix("line 2: a quoted field is not closed"), "\(e)")
        }
    }

    func testColumnTypesComeFromTheSchema() throws {
        let ddl = try String(contentsOfFile: Harness.repoRoot + "/config/schema/postgres.sql", encoding: .utf8)
        let batch = try XCTUnwrap(SchemaKeys.columnTypes(ddl: ddl)["sunbird_courses.course_batch"])
        XCTAssertEqual(batch["status"], "integer")
        XCTAssertEqual(batch["createdfor"], "jsonb")
        XCTAssertEqual(batch["start_date"], "timestamptz")
        XCTAssertEqual(batch["courseid"], "text")
    }
}
