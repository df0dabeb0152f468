import XCTest
import PluginAPI
@testable import Host
@testable import RowBatch

final class ReportTests: XCTestCase {
    var out: String!

    override func setUpWithError() throws {
        out = NSTemporaryDirectory() + "dp-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: out) }

    func write(_ sink: ReportSink, _ fields: [Field], _ rows: [[Value]]) throws {
        let b = BatchBuilder(fields: fields)
        for r in rows { try b.append(r) }
        var s = ArrowSchema(), a = ArrowArray()
        b.export(schema: &s, array: &a)
        defer { s.release?(&s); a.release?(&a) }
        try sink.write(try BatchView(schema: &s, array: &a))
    }

    func read(_ rel: String) -> String? {
        FileManager.default.contents(atPath: out + "/" + rel).map { String(decoding: $0, as: UTF8.self) }
    }

    func testPartitionedCSVAndJSONArrayPublishedAtomically() throws {
        let staging = try Staging.create(output: out)
        let fields = [Field("k", .utf8), Field("v", .utf8), Field("n", .float64)]
        let csv = try ReportSink(reportId: "r", format: DP_FORMAT_CSV, partitionBy: ["k"], stagingFiles: staging.files)
        try write(
            csv, fields,
            [
                [.string("a"), .string("x\ny"), .double(1)], [.string("b"), .string(" s "), .null],
                [.string("a"), .null, .double(0.25)], [.null, .string(""), .double(3)],
            ])
        try csv.close()
        let arr = try ReportSink(reportId: "deep/j", format: DP_FORMAT_JSON_ARRAY, partitionBy: [], stagingFiles: staging.files)
        try write(arr, fields, [[.string("a"), .null, .double(1)], [.string("b"), .string("q"), .null]])
        try arr.close()
        XCTAssertNil(read("r/a.csv"), "nothing visible before commit")
        let published = try staging.commit()
        XCTAssertEqual(published.count, 4)
        XCTAssertEqual(read("r/a.csv"), "v,n\n\"x\ny\",1.0\n,0.25\n")
        XCTAssertEqual(read("r/b.csv"), "v,n\ns,\n", "Spark's dialect trims values")
        XCTAssertEqual(read("r/__HIVE_DEFAULT_PARTITION__.csv"), "v,n\n\"\",3.0\n")
        XCTAssertEqual(read("deep/j.json"), #"[{"k":"a","n":1.0},{"k":"b","v":"q"}]"#)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.directory), "staging removed after commit")
    }

    func testRFC4180DialectKeepsValuesAndDoublesQuotes() throws {
        let staging = try Staging.create(output: out)
        let fields = [Field(" v ", .utf8)]
        for dialect in CSVDialect.allCases {
            let csv = try ReportSink(
                reportId: dialect.rawValue, format: DP_FORMAT_CSV, partitionBy: [], stagingFiles: staging.files, dialect: dialect)
            try write(csv, fields, [[.string(" s ")], [.string("say \"hi\", ok")], [.string("")], [.null]])
            try csv.close()
        }
        _ = try staging.commit()
        XCTAssertEqual(read("rfc4180.csv"), " v \n s \n\"say \"\"hi\"\", ok\"\n\"\"\n\n")
        XCTAssertEqual(read("spark.csv"), "v\ns\n\"say \\\"hi\\\", ok\"\n\"\"\n\n")
    }

    func testManyPartitionsWithBoundedOpenFiles() throws {
        let staging = try Staging.create(output: out)
        let sink = try ReportSink(reportId: "m", format: DP_FORMAT_JSON_ARRAY, partitionBy: ["k"], stagingFiles: staging.files)
        let fields = [Field("k", .utf8), Field("v", .int64)]
        // 300 partitions (> maxOpenFiles), each written twice, in two interleaved batches.
        for pass in 0..<2 {
            try write(sink, fields, (0..<300).map { [.string("p\($0)"), .int(Int64(pass))] })
        }
        try sink.close()
        _ = try staging.commit()
        for i in [0, 150, 299] { XCTAssertEqual(read("m/p\(i).json"), #"[{"v":0},{"v":1}]"#) }
    }

    func testEmptyUnpartitionedReportStillWritten() throws {
        let staging = try Staging.create(output: out)
        let sink = try ReportSink(reportId: "e", format: DP_FORMAT_JSON_ARRAY, partitionBy: [], stagingFiles: staging.files)
        try sink.close()
        _ = try staging.commit()
        XCTAssertEqual(read("e.json"), "[]")
    }

    func testRejectsUnsafeIdsAndChangingColumns() throws {
        let staging = try Staging.create(output: out)
        defer { staging.discard() }
        XCTAssertThrowsError(try ReportSink(reportId: "../x", format: DP_FORMAT_CSV, partitionBy: [], stagingFiles: staging.files))
        XCTAssertThrowsError(try ReportSink(reportId: "/x", format: DP_FORMAT_CSV, partitionBy: [], stagingFiles: staging.files))
        let sink = try ReportSink(reportId: "x", format: DP_FORMAT_CSV, partitionBy: [], stagingFiles: staging.files)
        try write(sink, [Field("a", .utf8)], [[.string("1")]])
        XCTAssertThrowsError(try write(sink, [Field("b", .utf8)], [[.string("1")]]))
        let p = try ReportSink(reportId: "p", format: DP_FORMAT_CSV, partitionBy: ["k"], stagingFiles: staging.files)
        XCTAssertThrowsError(try write(p, [Field("k", .utf8)], [[.string("../etc")]]))
    }
}
