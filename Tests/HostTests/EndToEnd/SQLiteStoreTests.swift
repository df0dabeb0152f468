import Foundation
import PluginAPI
import XCTest
@testable import Host
import RowBatch

/// The embedded SQLite store, its loader and the user cache in it: what `load --into sqlite:` and
/// `--store sqlite:` / `--redis sqlite:` give, against the JSON-lines semantics every store shares.
final class SQLiteStoreTests: XCTestCase {
    var dir: String!
    var file: String { dir + "/store.sqlite" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dp-sqlite-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/tables", withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ table: String, _ lines: [String]) throws {
        try lines.joined(separator: "\n").write(toFile: "\(dir!)/tables/\(table).jsonl", atomically: true, encoding: .utf8)
    }

    func load(_ extra: [String] = []) throws -> Harness.Result {
        try Harness.run(
            ["load", dir + "/tables", "--into", "sqlite:" + file, "--schema", Harness.repoRoot + "/config/schema/postgres.sql"] + extra)
    }

    func scan(
        _ store: TableStore, _ table: String, _ columns: [Field], _ filters: [ScanRequest.Filter] = [], order: [String] = []
    ) throws -> [[Value]] {
        let parts = table.split(separator: ".").map(String.init)
        var rows: [[Value]] = []
        try store.scan(ScanRequest(keyspace: parts[0], table: parts[1], columns: columns, filters: filters, batchRows: 2, orderBy: order)) {
            rows += try $0.exportedRows()
        }
        return rows
    }

    func testLoadTwiceIsIdempotentLastRowWinsAndKeyIsAnIndex() throws {
        try write(
            "sunbird.organisation",
            [#"{"id":"1","orgname":"first","status":1}"#, #"{"id":"2","orgname":"two"}"#, #"{"id":"1","orgname":"again","status":2}"#])
        for _ in 0..<2 {
            let r = try load()
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("sunbird.organisation: 3 rows"), r.stdout)
        }
        let rows = try scan(SQLiteStore(path: file), "sunbird.organisation", [Field("id", .utf8), Field("orgname", .utf8), Field("status", .int64)])
        XCTAssertEqual(rows, [[.string("1"), .string("again"), .int(2)], [.string("2"), .string("two"), .null]])
        let plan = try SQLiteConnection(file).prepare(#"EXPLAIN QUERY PLAN SELECT * FROM "sunbird.organisation" WHERE id = '1'"#)
        var steps: [String] = []
        while try plan.step() { steps.append(plan.text(3) ?? "") }
        XCTAssertTrue(steps.contains { $0.contains("sunbird.organisation.pk") }, "the primary key is an index: \(steps)")
    }

    func testScansMatchTheLocalStore() throws {
        try write(
            "sunbird.organisation",
            [
                #"{"id":"b","orgname":"Z","status":10,"tags":["x"]}"#, #"{"id":"a","orgname":"é","status":2,"isdel":true}"#,
                #"{"id":"d","status":2,"score":2.5}"#, #"{"id":"c","orgname":"Z","status":1}"#, #"{"id":"e","orgname":"a","status":2}"#,
            ])
        XCTAssertEqual(try load().status, 0)
        let sqlite = SQLiteStore(path: file), local = LocalStore(directory: dir + "/tables")
        let columns = [Field("id", .utf8), Field("orgname", .utf8), Field("status", .int64), Field("tags", .json), Field("isdel", .bool)]
        let cases: [([ScanRequest.Filter], [String])] = [
            ([], []), ([], ["orgname", "id"]), ([], ["status", "id"]),
            ([.init(column: "status", op: .in, values: [.int(2), .int(10)])], ["id"]),
            ([.init(column: "orgname", op: .ge, values: [.string("Z")]), .init(column: "status", op: .lt, values: [.double(5)])], []),
            ([.init(column: "isdel", op: .eq, values: [.bool(true)])], []), ([.init(column: "nothere", op: .eq, values: [.int(1)])], []),
        ]
        for (filters, order) in cases {
            let a = try scan(sqlite, "sunbird.organisation", columns, filters, order: order)
            XCTAssertEqual(a, try scan(local, "sunbird.organisation", columns, filters, order: order), "\(filters) \(order)")
            XCTAssertFalse(order.isEmpty && filters.isEmpty && a.count != 5)
        }
        XCTAssertEqual(
            try scan(sqlite, "sunbird.organisation", [Field("id", .utf8)], order: ["orgname"]).map { $0[0] },
            ["b", "c", "e", "a", "d"].map { Value.string($0) }, "bytes order, nulls last")
        XCTAssertThrowsError(
            try scan(sqlite, "sunbird.organisation", [Field("id", .utf8)], [.init(column: "status", op: .eq, values: [.string("2")])])
        ) {
            XCTAssertTrue("\($0)".contains("filter on status compares 10 with \"2\""), "\($0)")
        }
        XCTAssertThrowsError(try scan(sqlite, "sunbird.nothing", [Field("id", .utf8)])) {
            XCTAssertEqual(($0 as? HostCallError)?.status, DP_ERROR_NOT_FOUND)
        }
    }

    /// Lines read in place must give what parsing and rendering them gives, for every kind of cell.
    func testImportedCellsReadBackAsTheParserRendersThem() throws {
        let lines = [
            #"{"k":"1","doc":{"a":1,"b":[true,null,"x"]},"n":-0,"d":1.50,"e":1e3,"big":12345678901234567890}"#,
            #"{ "k" : "2" , "doc" : { "a" : "q\"uote\\d\n" } , "s":"tab\tand\u00e9\/", "d":0.1}"#,
            #"{"k":"3","doc":["é",{"z":-12.5e-1}],"s":"plain é","n":0,"d":100.0}"#,
            #"{"k":"4","doc":{"esc":"\u0001\b\f"},"s":"\"q\"","n":-42}"#,
        ]
        try write("ks.cells", lines)
        XCTAssertEqual(try load().status, 0)
        let columns = ["k", "doc", "s", "n", "d", "e", "big"].map { Field($0, .json) }
        let got = try scan(SQLiteStore(path: file), "ks.cells", columns)
        for (line, row) in zip(lines, got) {
            let parsed = try JSONParser.parse(line)
            for (c, field) in columns.enumerated() {
                let expected: Value = parsed[field.name].map { $0.isNull ? .null : .json($0.render()) } ?? .null
                XCTAssertEqual(row[c], expected, "\(field.name) of \(line)")
            }
        }
        XCTAssertEqual(got.count, 4)
    }

    func testBadLinesAreRefusedWithTheirLineAndTheTableStaysAsItWas() throws {
        try write("sunbird.location", [#"{"id":"1","name":"one"}"#])
        XCTAssertEqual(try load().status, 0)
        for bad in [#"{"id":"2","name":"two"} trailing"#, #"{"id":"2","doc":{"a" 1}}"#, #"{"id":"2","name":"open"#, "[1,2]"] {
            try write("sunbird.location", [#"{"id":"1","name":"changed"}"#, bad])
            let r = try load()
            XCTAssertNotEqual(r.status, 0, bad)
            XCTAssertTrue(r.stderr.contains("sunbird.location.jsonl line 2"), r.stderr)
            XCTAssertEqual(
                try scan(SQLiteStore(path: file), "sunbird.location", [Field("name", .utf8)]), [[.string("one")]], "one transaction per file")
        }
    }

    func testUpsertAndDeleteInTransactions() throws {
        try write("ks.t", [#"{"id":"1","v":"a"}"#, #"{"id":"2","v":"b"}"#])
        XCTAssertEqual(try load().status, 0)
        let store = SQLiteStore(path: file)
        let fields = [Field("id", .utf8), Field("v", .utf8), Field("extra", .int64)]
        try withBatch(fields, [[.string("2"), .string("B"), .int(7)], [.string("3"), .null, .null]]) {
            try store.upsert(keyspace: "ks", table: "t", key: ["id"], batch: $0)
        }
        XCTAssertEqual(
            try scan(store, "ks.t", fields),
            [[.string("1"), .string("a"), .null], [.string("2"), .string("B"), .int(7)], [.string("3"), .null, .null]])
        let deleted = try withBatch(
            [Field("id", .utf8), Field("v", .utf8)], [[.string("1"), .string("a")], [.string("3"), .null], [.string("9"), .null]]
        ) {
            try store.delete(keyspace: "ks", table: "t", batch: $0)
        }
        XCTAssertEqual(deleted, 2, "null matches null; a row that is not there deletes nothing")
        XCTAssertEqual(try scan(store, "ks.t", [Field("id", .utf8)]), [[.string("2")]])
        try withBatch([Field("k", .utf8)], [[.string("new")]]) { try store.upsert(keyspace: "ks", table: "fresh", key: ["k"], batch: $0) }
        XCTAssertEqual(try scan(store, "ks.fresh", [Field("k", .utf8)]), [[.string("new")]], "a table the store lacks is created")
    }

    func testUserCacheInTheSameFile() throws {
        try write("ks.t", [#"{"id":"1"}"#])
        try """
        {"key":"user:a","fields":{"state":"Delhi","board":"[\\"CBSE\\"]","n":3}}
        {"key":"user:b","fields":{"state":"Goa"}}
        {"key":"user:a","fields":{"state":"Karnataka","board":"[\\"CBSE\\"]","n":3}}
        """.write(toFile: dir + "/cache.jsonl", atomically: true, encoding: .utf8)
        let r = try load(["--user-cache", dir + "/cache.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("dp_user_cache: 3 rows"), r.stdout)
        for cache in [try SQLiteUserCache(path: file), try SQLiteUserCache.importing(jsonLines: dir + "/cache.jsonl")] {
            var rows: [[Value]] = []
            try cache.read(keys: ["user:a", "user:zz", "user:b"], fields: ["state", "board", "n"]) { rows += try $0.exportedRows() }
            XCTAssertEqual(
                rows,
                [
                    [.string("user:a"), .string("Karnataka"), .string(#"["CBSE"]"#), .string("3")],
                    [.string("user:zz"), .null, .null, .null], [.string("user:b"), .string("Goa"), .null, .null],
                ])
            rows = []
            try cache.read(keys: ["user:a"], fields: []) { rows += try $0.exportedRows() }
            XCTAssertEqual(rows, [[.string("user:a"), .json(#"{"board":"[\"CBSE\"]","n":"3","state":"Karnataka"}"#)]])
        }
        let bad = try Harness.run(["load", dir + "/tables", "--into", "sqlite:" + file, "--user-cache", dir + "/tables/ks.t.jsonl"])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("line 1: expected {\"key\": ..., \"fields\": {...}}"), bad.stderr)
    }

    func testAMissingStoreIsAConfigError() throws {
        XCTAssertThrowsError(try StoreFactory.make("sqlite:" + dir + "/none.sqlite")) {
            XCTAssertTrue("\($0)".contains("load DIR --into sqlite:"), "\($0)")
        }
        XCTAssertThrowsError(try StoreFactory.make("sqlite:")) { XCTAssertTrue("\($0)".contains("sqlite:FILE"), "\($0)") }
    }
}
