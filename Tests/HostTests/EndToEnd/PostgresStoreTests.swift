import Foundation
import PluginAPI
import XCTest
@testable import Host
import RowBatch

/// The PostgreSQL store and loader against a real server: same answers as the `local` store,
/// parameterised pushdown, streaming in bounded batches, idempotent loads.
final class PostgresStoreTests: XCTestCase {
    var db: Harness.PostgresDatabase!

    override func setUpWithError() throws { db = try Harness.PostgresDatabase() }
    override func tearDown() { db?.drop() }

    func load(_ dir: String) throws -> Harness.Result {
        try Harness.run(["load", dir, "--into", "postgres:" + db.conninfo, "--schema", Harness.repoRoot + "/config/schema/postgres.sql"])
    }

    func testGeoReportByteIdenticalOnLocalAndPostgres() throws {
        try Harness.requireBuilt()
        let fixtures = try Harness.fixture("lern/reports/reports_test_data")
        let l = try load(fixtures)
        XCTAssertEqual(l.status, 0, l.stderr)
        XCTAssertTrue(l.stdout.contains("loaded 82 rows into 7 tables"), l.stdout)
        var outputs: [[String: String]] = []
        for store in ["local:" + fixtures, "postgres:" + db.conninfo] {
            let home = try Harness.Home()
            try home.install("liblern-userorg.so", from: Harness.pluginDir)
            try home.registry([("lern-userorg", Harness.abi, ["admin-geo-reports"], nil, nil)])
            try home.write("config/jobs/admin-geo-reports.json", "{}")
            let r = try home.run(["run", "admin-geo-reports", "--store", store])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(Dictionary(uniqueKeysWithValues: home.reportFiles().map { ($0, home.read("reports/" + $0)!) }))
        }
        XCTAssertEqual(outputs[0].count, 21)
        XCTAssertEqual(outputs[0], outputs[1])
    }

    /// The DDL covers every table and column of every upstream fixture folder.
    func testEveryUpstreamFixtureFolderLoads() throws {
        let root = try Harness.fixture("lern")
        let dirs = Set(
            (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".jsonl") }.map { (root + "/" + $0 as NSString).deletingLastPathComponent })
        XCTAssertGreaterThanOrEqual(dirs.count, 10)
        for dir in dirs.sorted() {
            let r = try load(dir)
            XCTAssertEqual(r.status, 0, "\(dir): \(r.stderr)")
        }
        XCTAssertEqual(
            try Harness.psql(db.conninfo, "SELECT count(*) > 0 FROM sunbird_courses.assessment_aggregator WHERE jsonb_typeof(question) = 'array'"),
            "t")
    }

    func testLoadTwiceIsIdempotentAndLastRowWins() throws {
        let dir = NSTemporaryDirectory() + "dp-load-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        {"id":"1","name":"first","type":"state"}
        {"id":"2","name":"tab\\tand\\\\slash\\nline","type":"district"}
        {"id":"1","name":"second"}
        """.write(toFile: dir + "/sunbird.location.jsonl", atomically: true, encoding: .utf8)
        try
            #"{"courseid":"c","batchid":"b","cert_templates":{"t":{"k":"v"}},"createdfor":["o1"],"start_date":"now()","end_date":1626351011290,"status":1}"#
            .write(toFile: dir + "/sunbird_courses.course_batch.jsonl", atomically: true, encoding: .utf8)
        for _ in 0..<2 { XCTAssertEqual(try load(dir).status, 0) }
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT count(*) FROM sunbird.location"), "2")
        // Within a file the last row for a key wins whole (documented simplification of Cassandra's
        // per-row column merge): its missing `type` is null.
        XCTAssertEqual(
            try Harness.psql(db.conninfo, "SELECT name || '/' || coalesce(type, 'null') FROM sunbird.location WHERE id = '1'"), "second/null")
        // Columns absent from a whole file are left as they are in existing rows.
        try #"{"id":"2","code":"C2"}"#.write(toFile: dir + "/sunbird.location.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try load(dir).status, 0)
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT code || '/' || type FROM sunbird.location WHERE id = '2'"), "C2/district")
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT name FROM sunbird.location WHERE id = '2'"), "tab\tand\\slash\nline")
        XCTAssertEqual(
            try Harness.psql(db.conninfo, "SELECT (cert_templates->'t'->>'k') || (createdfor->>0) FROM sunbird_courses.course_batch"), "vo1")
        XCTAssertEqual(
            try Harness.psql(
                db.conninfo, "SELECT to_char(end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM sunbird_courses.course_batch"),
            "2021-07-15 12:10:11.290")
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT start_date > now() - interval '1 hour' FROM sunbird_courses.course_batch"), "t")
    }

    func testLoaderRefusesUnknownColumnsAndTables() throws {
        let dir = NSTemporaryDirectory() + "dp-load-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"id":"1","nope":1}"#.write(toFile: dir + "/sunbird.location.jsonl", atomically: true, encoding: .utf8)
        let r = try load(dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("line 1: column nope is not in sunbird.location"), r.stderr)
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT count(*) FROM sunbird.location"), "0", "a failed file changes nothing")
        try FileManager.default.removeItem(atPath: dir + "/sunbird.location.jsonl")
        try "{}".write(toFile: dir + "/ks.missing.jsonl", atomically: true, encoding: .utf8)
        XCTAssertTrue(try load(dir).stderr.contains("no table ks.missing in the schema"))
    }

    /// Straight through the store: types, nulls, filters (bytewise text order), batches.
    func testScanMatchesLocalSemantics() throws {
        let dir = NSTemporaryDirectory() + "dp-scan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = [
            #"{"id":"a","orgname":"B","status":1,"istenant":true}"#, #"{"id":"b","orgname":"a","status":0}"#,
            #"{"id":"c","orgname":"Z","status":1}"#, #"{"id":"d","status":2,"istenant":false}"#,
            #"{"id":"e","orgname":"é","status":1}"#,
        ]
        try rows.joined(separator: "\n").write(toFile: dir + "/sunbird.organisation.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try load(dir).status, 0)
        let columns = [
            Field("id", .utf8), Field("status", .int64), Field("istenant", .bool), Field("orgname", .json),
            Field("nosuchcolumn", .utf8),
        ]
        func scan(_ store: TableStore, _ filters: [ScanRequest.Filter], batch: Int = 2) throws -> ([[Value]], [Int]) {
            var out: [[Value]] = [], sizes: [Int] = []
            try store.scan(ScanRequest(keyspace: "sunbird", table: "organisation", columns: columns, filters: filters, batchRows: batch)) { b in
                let batch = try b.exportedRows()
                sizes.append(batch.count)
                out += batch
            }
            return (out.sorted { $0[0].description < $1[0].description }, sizes)
        }
        let pg = PostgresStore(conninfo: db.conninfo), local = LocalStore(directory: dir)
        let cases: [[ScanRequest.Filter]] = [
            [],
            [.init(column: "status", op: .eq, values: [.int(1)])],
            [.init(column: "status", op: .in, values: [.int(0), .int(2)])],
            [.init(column: "orgname", op: .gt, values: [.string("Z")])],  // bytes: "a" and "é" > "Z", "B" < "Z"
            [.init(column: "status", op: .ge, values: [.int(1)]), .init(column: "id", op: .lt, values: [.string("e")])],
        ]
        for filters in cases {
            XCTAssertEqual(try scan(pg, filters).0, try scan(local, filters).0, "\(filters)")
        }
        let (all, sizes) = try scan(pg, [])
        XCTAssertEqual(sizes, [2, 2, 1], "a cursor FETCH per batch, never more than batch_rows")
        XCTAssertEqual(all[0], [.string("a"), .int(1), .bool(true), .json(#""B""#), .null])
        XCTAssertThrowsError(
            try scan(pg, [], batch: 2).0.count == 0
                ? ()
                : {
                    _ = try PostgresStore(conninfo: db.conninfo).scan(
                        ScanRequest(keyspace: "sunbird", table: "organisation", columns: [Field("status", .utf8)], filters: [], batchRows: 0)
                    ) { _ in }
                }()
        ) { e in
            XCTAssertEqual((e as? HostCallError)?.status, DP_ERROR_DATA)
            XCTAssertTrue("\(e)".contains("sunbird.organisation column status"), "\(e)")
        }
        XCTAssertThrowsError(
            try PostgresStore(conninfo: db.conninfo).scan(
                ScanRequest(keyspace: "sunbird", table: "nope", columns: [], filters: [], batchRows: 0)
            ) { _ in }
        ) {
            XCTAssertEqual(($0 as? HostCallError)?.status, DP_ERROR_NOT_FOUND)
        }
    }

    /// ABI 1.5 ordered scans: both stores deliver the same sequence (bytes order, numbers numerically,
    /// nulls last, later keys breaking ties) across batch boundaries; the host refuses bad keys.
    func testOrderedScansAgreeOnBothStores() throws {
        let dir = NSTemporaryDirectory() + "dp-order-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = [
            #"{"id":"b","orgname":"Z","status":10}"#, #"{"id":"a","orgname":"é","status":2}"#,
            #"{"id":"d","status":2}"#, #"{"id":"c","orgname":"Z","status":1}"#, #"{"id":"e","orgname":"a","status":2}"#,
        ]
        try rows.joined(separator: "\n").write(toFile: dir + "/sunbird.organisation.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try load(dir).status, 0)
        let columns = [Field("id", .utf8), Field("orgname", .utf8), Field("status", .int64)]
        func ids(_ store: TableStore, _ order: [String]) throws -> [String] {
            var out: [String] = []
            try store.scan(
                ScanRequest(
                    keyspace: "sunbird", table: "organisation", columns: columns, filters: [], batchRows: 2,
                    orderBy: order)
            ) { b in out += try b.exportedRows().map { $0[0].description } }
            return out
        }
        let pg = PostgresStore(conninfo: db.conninfo), local = LocalStore(directory: dir)
        for (order, expected) in [
            (["orgname", "id"], [#""b""#, #""c""#, #""e""#, #""a""#, #""d""#]),
            (["status", "id"], [#""c""#, #""a""#, #""d""#, #""e""#, #""b""#]),
        ] {
            XCTAssertEqual(try ids(pg, order), expected, "\(order)")
            XCTAssertEqual(try ids(local, order), expected, "\(order)")
        }
        // What the host accepts from a plugin: only requested, non-JSON columns.
        func request(_ order: [String], _ cols: [dp_column]) throws -> ScanRequest {
            var cols = cols
            let names = order.map { strdup($0)! }
            defer { names.forEach { free($0) } }
            var keys = names.map { dp_str(data: $0, len: strlen($0)) }
            return try cols.withUnsafeMutableBufferPointer { c in
                try keys.withUnsafeMutableBufferPointer { k in
                    try HostAPI.scanRequest(
                        dp_scan(
                            size: UInt32(MemoryLayout<dp_scan>.size), keyspace: dp_str(data: nil, len: 0),
                            table: dp_str(data: nil, len: 0), columns: c.baseAddress, n_columns: c.count,
                            filters: nil, n_filters: 0, batch_rows: 0, order_by: k.baseAddress, n_order_by: k.count))
                }
            }
        }
        let idName = strdup("id")!, tagsName = strdup("tags")!
        defer { free(idName); free(tagsName) }
        let id = dp_column(name: dp_str(data: idName, len: 2), type: ColumnType.utf8.rawValue)
        let tags = dp_column(name: dp_str(data: tagsName, len: 4), type: ColumnType.json.rawValue)
        XCTAssertEqual(try request(["id"], [id, tags]).orderBy, ["id"])
        XCTAssertThrowsError(try request(["status"], [id])) { XCTAssertTrue("\($0)".contains("not one of the scan's columns"), "\($0)") }
        XCTAssertThrowsError(try request(["tags"], [id, tags])) { XCTAssertTrue("\($0)".contains("JSON column"), "\($0)") }
    }

    /// jsonb's printed whitespace goes; whitespace, quotes and backslashes inside strings stay.
    /// Upserts go many rows per statement: across statement boundaries and with a key given twice
    /// in one batch, the result is row-by-row's (the last row of a key wins); JSON text goes in as it is.
    func testBatchedUpsertsKeepRowByRowSemantics() throws {
        try Harness.psql(db.conninfo, "CREATE SCHEMA ks; CREATE TABLE ks.t (id text PRIMARY KEY, n bigint, doc jsonb, note text)")
        let store = try StoreFactory.make("postgres:" + db.conninfo)
        let fields = [Field("id", .utf8), Field("n", .int64), Field("doc", .json), Field("note", .utf8)]
        var rows: [[Value]] = (0..<1234).map { [.string("k\($0 % 1000)"), .int(Int64($0)), .json(#"{"a": [1, "x\"y"]}"#), .string("it's")] }
        rows.append([.string("k7"), .null, .null, .null])
        try withBatch(fields, rows) { try store.upsert(keyspace: "ks", table: "t", key: ["id"], batch: $0) }
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT count(*) FROM ks.t").trimmingCharacters(in: .whitespacesAndNewlines), "1000")
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT n FROM ks.t WHERE id = 'k5'").trimmingCharacters(in: .whitespacesAndNewlines), "1005")
        XCTAssertEqual(try Harness.psql(db.conninfo, "SELECT n FROM ks.t WHERE id = 'k999'").trimmingCharacters(in: .whitespacesAndNewlines), "999")
        XCTAssertEqual(
            try Harness.psql(
                db.conninfo, "SELECT coalesce(n::text, 'null') || coalesce(doc::text, 'null') FROM ks.t WHERE id = 'k7' OR id = 'k8' ORDER BY id"
            )
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n"),
            ["nullnull", #"1008{"a": [1, "x\"y"]}"#])
    }

    func testJSONCompaction() {
        func compact(_ s: String) -> String {
            var out: [UInt8] = []
            var s = s
            s.withUTF8 { PostgresStore.compactJSON(UnsafeRawBufferPointer($0), into: &out) }
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(compact(#"{"a": 1, "b": [1, 2], "c": {"d": null}}"#), #"{"a":1,"b":[1,2],"c":{"d":null}}"#)
        XCTAssertEqual(compact(#"{"a b": "x, y: \"z\" \\", "e": "\\"}"#), #"{"a b":"x, y: \"z\" \\","e":"\\"}"#)
        XCTAssertEqual(compact("[\n\t1 ,\r 2 ]"), "[1,2]")
        XCTAssertEqual(compact(#"["open"#), #"["open"#, "an unterminated string is copied as it is")
    }

    /// PostgreSQL's ISO timestamp text → the ISO-8601 the local store hands out (milliseconds, Z).
    func testTimestampTextBecomesISO8601() {
        XCTAssertEqual(PostgresStore.isoTimestamp("2021-07-15 12:00:00.5+00"), "2021-07-15T12:00:00.500Z")
        XCTAssertEqual(PostgresStore.isoTimestamp("2021-07-15 12:00:00+00"), "2021-07-15T12:00:00.000Z")
        XCTAssertEqual(PostgresStore.isoTimestamp("2021-07-15 12:00:00.123456+00"), "2021-07-15T12:00:00.123Z")
        XCTAssertEqual(PostgresStore.isoTimestamp("2021-07-15 12:00:00.25"), "2021-07-15T12:00:00.250Z", "timestamp without time zone")
        XCTAssertEqual(PostgresStore.isoTimestamp("infinity"), "infinity", "not a date-time: unchanged")
    }

    /// The server restarts while a job streams a table: the job fails with a clear error and
    /// publishes nothing; the next run works.
    func testServerRestartMidScanFailsCleanly() throws {
        try Harness.requireBuilt()
        guard let dir = ProcessInfo.processInfo.environment["DATAPRODUCTS_TEST_PG_DIR"] else {
            return XCTFail("DATAPRODUCTS_TEST_PG_DIR is not set (scripts/test.sh sets it)")
        }
        try Harness.psql(
            db.conninfo,
            "CREATE SCHEMA sunbird; CREATE TABLE sunbird.location (id text PRIMARY KEY, name text);"
                + "INSERT INTO sunbird.location SELECT 'id' || g, 'n' || g FROM generate_series(1, 2000) g")
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-echo"], nil, nil)])
        try home.write(
            "config/jobs/test-echo.json",
            #"{"modelParams":{"table":"sunbird.location","columns":"id:utf8,name:utf8","sleepMsPerRow":5,"batchRows":50}}"#)
        let job = Process()
        job.executableURL = URL(fileURLWithPath: Harness.binary)
        job.arguments = ["run", "test-echo", "--home", home.path, "--store", "postgres:" + db.conninfo]
        // A file, not a pipe: the restarted server would inherit a pipe and hold it open forever.
        let errPath = home.path + "/job.err"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        job.standardError = FileHandle(forWritingAtPath: errPath)
        try job.run()
        usleep(1_000_000)  // ~200 of 2,000 rows streamed
        XCTAssertTrue(job.isRunning, "the scan should still be running")
        XCTAssertEqual(Harness.spawnAndWait(Harness.repoRoot + "/scripts/test-postgres.sh", ["restart", dir]), 0)
        job.waitUntilExit()
        let stderr = home.read("job.err") ?? ""
        XCTAssertEqual(job.terminationStatus, 67, stderr)
        XCTAssertTrue(stderr.contains("job test-echo failed") && stderr.contains("PostgreSQL"), stderr)
        XCTAssertEqual(home.reportFiles(), [], "no partial report")
        // The server is back: a run without the pause now completes.
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"sunbird.location","columns":"id:utf8","batchRows":500}}"#)
        let again = try home.run(["run", "test-echo", "--store", "postgres:" + db.conninfo])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(home.read("reports/echo/rows.csv")?.split(separator: "\n").count, 2001)
    }

    func testConnectionErrorsNeverShowThePassword() throws {
        XCTAssertThrowsError(try PGConnection("host=127.0.0.1 port=1 user=x password=s3cret connect_timeout=2")) { e in
            XCTAssertFalse("\(e)".contains("s3cret"), "\(e)")
            XCTAssertTrue("\(e)".contains("password=***"), "\(e)")
        }
        XCTAssertThrowsError(try PGConnection("postgresql://x:s3cret@127.0.0.1:1/db?connect_timeout=2")) { e in
            XCTAssertFalse("\(e)".contains("s3cret"), "\(e)")
        }
    }
}
