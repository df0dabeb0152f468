import Foundation
import RowBatch
import XCTest
@testable import Host

/// The in-process work queue and how an item's rows are stored (the PostgreSQL queue is exercised by
/// several real host processes in LernJobs/CollectionSummarySpreadTests.swift).
final class WorkQueueTests: XCTestCase {
    static let columns = [Field("s", .utf8), Field("n", .int64), Field("d", .float64), Field("b", .bool), Field("j", .json)]

    func testRowsSurviveStorageWithTheirTypes() throws {
        let rows: [[Value]] = [
            [.string("a \"q\" é"), .int(-7), .double(2.5), .bool(true), .json(#"{"k":[1,"x",null]}"#)],
            [.null, .null, .null, .null, .null],
            [.string(""), .int(Int64.max), .double(0), .bool(false), .json("[]")],
        ]
        let stored = try withBatch(Self.columns, rows) { try WorkRows.encode($0) }
        // What PostgreSQL keeps is JSON text: go through it.
        let text = stored.map { JSONValue.array($0).render() }
        let back = BatchBuilder(fields: Self.columns)
        try WorkRows.decode(text.map { try JSONParser.parse($0).array! }, columns: Self.columns, into: back)
        XCTAssertEqual(try back.exportedRows(), rows)
    }

    func testLocalQueueHandsOutEachItemOnceThenCombines() throws {
        let q = LocalWorkQueue()
        XCTAssertFalse(q.shared)
        try q.declare(["b", "a"])
        try q.declare(["a", "c"])  // declared twice: once
        var seen: [String] = []
        while let item = try q.next() {
            seen.append(item)
            XCTAssertTrue(try q.done(item, columns: Self.columns, rows: [[.string(item), .int(1), .null, .null, .null]]))
        }
        XCTAssertEqual(seen, ["b", "a", "c"])
        XCTAssertEqual(try q.finish(), .combine)
        var order: [String] = []
        try q.outputs { b in order += try b.exportedRows().map { $0[0].description } }
        XCTAssertEqual(order, [#""a""#, #""b""#, #""c""#], "outputs come in item order")
    }
}
