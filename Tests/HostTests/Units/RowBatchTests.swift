import XCTest
import PluginAPI
@testable import RowBatch

final class RowBatchTests: XCTestCase {
    let fields = [Field("b", .bool), Field("i", .int64), Field("d", .float64), Field("s", .utf8), Field("j", .json)]

    func testRoundTripThroughArrowWithNulls() throws {
        let builder = BatchBuilder(fields: fields)
        let rows: [[Value]] = [
            [.bool(true), .int(-5), .double(2.5), .string("héllo"), .json(#"{"a":[1]}"#)],
            [.null, .null, .null, .null, .null],
            [.bool(false), .int(Int64.max), .double(-0.0), .string(""), .json("[]")],
        ]
        for r in rows { try builder.append(r) }
        var schema = ArrowSchema(), array = ArrowArray()
        builder.export(schema: &schema, array: &array)
        defer { schema.release?(&schema); array.release?(&array) }
        let view = try BatchView(schema: &schema, array: &array)
        XCTAssertEqual(view.fields, fields, "the JSON column keeps its arrow.json extension type")
        XCTAssertEqual(view.count, 3)
        for (i, r) in rows.enumerated() { XCTAssertEqual(view.row(i), r) }
        XCTAssertEqual(array.children[0]!.pointee.null_count, 1)
        XCTAssertEqual(builder.count, 0, "export empties the builder for the next batch")
    }

    func testReleaseIsIdempotentAndMoveable() throws {
        let builder = BatchBuilder(fields: [Field("s", .utf8)])
        try builder.append([.string("x")])
        var schema = ArrowSchema(), array = ArrowArray()
        builder.export(schema: &schema, array: &array)
        // A consumer "moves" the batch: copies the struct, clears the source's release.
        var moved = array
        array.release = nil
        XCTAssertEqual(try BatchView(schema: &schema, array: &moved).string(0, 0), "x")
        moved.release?(&moved)
        XCTAssertNil(moved.release)
        schema.release?(&schema)
        XCTAssertNil(schema.release)
    }

    func testTypeMismatchIsRejected() {
        let builder = BatchBuilder(fields: [Field("i", .int64)])
        XCTAssertThrowsError(try builder.append([.string("1")]))
        XCTAssertThrowsError(try builder.append([.int(1), .int(2)]))
        XCTAssertEqual(builder.count, 0)
    }

    func testJSONQuoting() {
        XCTAssertEqual(JSONText.quote("a\"b\\c\n\u{01}é/"), #""a\"b\\c\n\u0001é/""#)
    }
}
