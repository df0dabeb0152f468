import XCTest
import PluginAPI
@testable import Host
@testable import RowBatch

final class LocalStoreTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dp-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        {"id":"1","status":1,"score":2.5,"name":"b","tags":["x"],"at":"now()"}
        {"id":"2","status":0,"score":3,"name":"a"}

        {"id":"3","status":1,"name":null,"score":1}
        {"id":"4","status":2,"name":"c","score":10}
        """.write(toFile: dir + "/ks.t.jsonl", atomically: true, encoding: .utf8)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func scan(_ columns: [Field], _ filters: [ScanRequest.Filter] = [], batchRows: Int = 0) throws -> ([[Value]], [Int]) {
        var rows: [[Value]] = [], sizes: [Int] = []
        let req = ScanRequest(keyspace: "ks", table: "t", columns: columns, filters: filters, batchRows: batchRows)
        try LocalStore(directory: dir).scan(req) { b in
            let batch = try b.exportedRows()
            sizes.append(batch.count)
            rows += batch
        }
        return (rows, sizes)
    }

    func testProjectionBatchingAndConversions() throws {
        let (rows, sizes) = try scan([Field("id", .utf8), Field("score", .float64), Field("tags", .json), Field("missing", .int64)], batchRows: 3)
        XCTAssertEqual(sizes, [3, 1], "blank lines skipped; batches never exceed batch_rows")
        XCTAssertEqual(rows[0], [.string("1"), .double(2.5), .json(#"["x"]"#), .null])
        XCTAssertEqual(rows[1], [.string("2"), .double(3), .null, .null], "a JSON integer reads as float64")
    }

    func testFilters() throws {
        let id = [Field("id", .utf8)]
        func ids(_ f: [ScanRequest.Filter]) throws -> [String] { try scan(id, f).0.map { $0[0].description } }
        XCTAssertEqual(try ids([.init(column: "status", op: .eq, values: [.int(1)])]), [#""1""#, #""3""#])
        XCTAssertEqual(try ids([.init(column: "status", op: .in, values: [.int(0), .int(2)])]), [#""2""#, #""4""#])
        XCTAssertEqual(
            try ids([.init(column: "score", op: .ge, values: [.double(3)]), .init(column: "score", op: .lt, values: [.int(10)])]), [#""2""#])
        XCTAssertEqual(try ids([.init(column: "name", op: .gt, values: [.string("a")])]), [#""1""#, #""4""#], "null never matches")
        XCTAssertThrowsError(try ids([.init(column: "status", op: .eq, values: [.string("1")])])) {
            XCTAssertTrue("\($0)".contains("compares 1 with \"1\""), "\($0)")
        }
    }

    func testNowPlaceholderAndTypeErrors() throws {
        let (rows, _) = try scan([Field("at", .utf8)])
        guard case .string(let at) = rows[0][0] else { return XCTFail() }
        XCTAssertNotNil(ISO8601DateFormatter.withMilliseconds.date(from: at), at)
        XCTAssertThrowsError(try scan([Field("status", .utf8)])) { e in
            XCTAssertEqual((e as? HostCallError)?.status, DP_ERROR_DATA)
            XCTAssertTrue("\(e)".contains("ks.t line 1 column status: cannot read 1 as utf8"), "\(e)")
        }
        XCTAssertThrowsError(try scan([Field("score", .int64)])) { XCTAssertTrue("\($0)".contains("cannot read 2.5 as int64")) }
    }

    func testMissingTable() {
        let req = ScanRequest(keyspace: "ks", table: "nope", columns: [], filters: [], batchRows: 0)
        XCTAssertThrowsError(try LocalStore(directory: dir).scan(req) { _ in }) {
            XCTAssertEqual(($0 as? HostCallError)?.status, DP_ERROR_NOT_FOUND)
        }
    }

    func testLongLinesAcrossReads() throws {
        let long = String(repeating: "x", count: 3_000_000)
        try "{\"id\":\"\(long)\"}\n{\"id\":\"y\"}".write(toFile: dir + "/ks.t.jsonl", atomically: true, encoding: .utf8)
        let (rows, _) = try scan([Field("id", .utf8)])
        XCTAssertEqual(rows, [[.string(long)], [.string("y")]])
    }
}
