import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestCassandraMigratorJob` (lern-jobs-spec §10) on the embedded SQLite store and on
/// PostgreSQL: `test_keyspace.user_enrolment_test` copied over `report_user_enrolments` in a second
/// store (another SQLite file, another database) or the same one, and a failed copy that leaves
/// the target as it was.
class CassandraMigratorTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var target = ""
    var targetDB: Harness.PostgresDatabase?
    static let job = "cassandra-migration"
    static let columns =
        "userid text, courseid text, batchid text, active boolean, completedon timestamptz, contentstatus jsonb, progress integer"
    static let read = [
        Field("userid", .utf8), Field("courseid", .utf8), Field("batchid", .utf8), Field("active", .bool), Field("completedon", .utf8),
        Field("contentstatus", .json), Field("progress", .int64),
    ]

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        if backend == .postgres {
            try Harness.psql(Self.conninfo(bench.store), Self.ddl(targetCheck: ""))
            let db = try Harness.PostgresDatabase()
            targetDB = db
            try Harness.psql(db.conninfo, Self.ddl(targetCheck: ""))
            target = "postgres:" + db.conninfo
        } else {
            target = "sqlite:" + home.path + "/report.sqlite"
        }
        try load(#"{"batchid": "b1", "userid": "u1", "courseid": "c1"}"#, table: "user_enrolment_test", into: bench.store)
    }

    override func tearDown() {
        targetDB?.drop()
        bench = nil
    }

    static func conninfo(_ store: String) -> String { String(store.dropFirst("postgres:".count)) }

    static func ddl(targetCheck: String) -> String {
        """
        CREATE SCHEMA IF NOT EXISTS test_keyspace;
        CREATE TABLE test_keyspace.user_enrolment_test (\(columns), PRIMARY KEY (userid, courseid, batchid));
        CREATE TABLE test_keyspace.report_user_enrolments (\(columns)\(targetCheck), PRIMARY KEY (batchid, courseid, userid));
        """
    }

    /// JSON lines into a test_keyspace table of `store`, with `dataproducts load`.
    func load(_ lines: String, table: String, into store: String) throws {
        let dir = home.path + "/load-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try (lines + "\n").write(toFile: dir + "/test_keyspace.\(table).jsonl", atomically: true, encoding: .utf8)
        let r = try Harness.run(["load", dir, "--into", store])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func run(_ params: String, targetStore: String? = nil) throws -> Harness.Result {
        try home.write("config/jobs/\(Self.job).json", #"{"search":{"type":"none"},"modelParams":{\#(params)}}"#)
        var args = ["run", Self.job, "--store", bench.store, "--log-file", home.path + "/joblog.log"]
        if let t = targetStore { args += ["--target-store", t] }
        return try home.run(args)
    }

    func rows(_ store: String, _ table: String = "report_user_enrolments") throws -> [[Value]] {
        // In (userid, courseid) order, the first two columns read.
        try LernJobBench.rows(store: store, "test_keyspace", table, Self.read).sorted {
            ($0[0].description, $0[1].description) < ($1[0].description, $1[1].description)
        }
    }

    static let upstream =
        #""cassandraDataHost":"127.0.0.1","cassandraDataPort":"9142","cassandraMigrateHost":"127.0.0.1","cassandraMigratePort":"9142","keyspace":"test_keyspace","cassandraDataTable":"user_enrolment_test","cassandraMigrateTable":"report_user_enrolments""#
    static let b1u1c1: [Value] = [.string("u1"), .string("c1"), .string("b1"), .null, .null, .null, .null]

    func testMain() throws {
        let r = try run(Self.upstream, targetStore: target)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try rows(target), [Self.b1u1c1])
    }

    func testWithRepartitionReturnsOne() throws {
        let r = try run(Self.upstream + #","dataRepartitionColumns":"userid","repartitionColumns":"batchid""#, targetStore: target)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(bench.jobEnd?["total-records-migrated"]?.int, 1)
    }

    func testMigrateRepartition() throws {
        XCTAssertEqual(try run(Self.upstream + #","repartitionColumns":"batchid""#, targetStore: target).status, 0)
        XCTAssertEqual(try rows(target).count, 1)
    }

    func testSameCluster() throws {
        let r = try run(Self.upstream)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try rows(bench.store), [Self.b1u1c1])
    }

    /// Upstream: "Cassandra down" returns normally with the failure logged. Q48: here it fails.
    func testTargetDownFailsTheRun() throws {
        let down = backend == .postgres ? "postgres:host=127.0.0.2 port=1 connect_timeout=2" : "sqlite:/nonexistent/dir/report.sqlite"
        let r = try run(Self.upstream, targetStore: down)
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains(backend == .postgres ? "PostgreSQL connection failed" : "report.sqlite"), r.stderr)
        XCTAssertEqual(bench.jobEnd?["statusMsg"] != nil, true)
    }

    /// Every value survives the copy, and the target's old rows are gone.
    func testReplacesTheTargetWithEveryValue() throws {
        try load(
            #"{"batchid": "b1", "userid": "u2", "courseid": "c1", "active": true, "completedon": "2021-03-04T05:06:07.089Z", "contentstatus": {"do_1": 2, "do_2": 1}, "progress": 50}"#,
            table: "user_enrolment_test", into: bench.store)
        try load(#"{"batchid": "old", "userid": "u9", "courseid": "c9"}"#, table: "report_user_enrolments", into: target)
        let r = try run(Self.upstream, targetStore: target)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try rows(target), try rows(bench.store, "user_enrolment_test"))
        XCTAssertEqual(try rows(target).last?[5], .json(#"{"do_1":2,"do_2":1}"#))
        XCTAssertEqual(bench.jobEnd?["total-records-migrated"]?.int, 2)
    }

    /// A row the target refuses (a CHECK constraint) mid-copy: the run fails, the target keeps its rows.
    func testAFailedCopyLeavesTheTargetAsItWas() throws {
        try restrictTargetProgress()
        try load(#"{"batchid": "old", "userid": "u9", "courseid": "c9", "progress": 1}"#, table: "report_user_enrolments", into: target)
        try load(#"{"batchid": "b1", "userid": "u3", "courseid": "c1", "progress": 150}"#, table: "user_enrolment_test", into: bench.store)
        let before = try rows(target)
        let r = try run(Self.upstream, targetStore: target)
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.lowercased().contains("check"), r.stderr)
        XCTAssertEqual(try rows(target), before)
    }

    func restrictTargetProgress() throws {
        if let targetDB {
            try Harness.psql(
                targetDB.conninfo, "ALTER TABLE test_keyspace.report_user_enrolments ADD CONSTRAINT small CHECK (progress < 100)")
        } else {
            try Harness.sqlite(
                String(target.dropFirst("sqlite:".count)),
                #"CREATE TABLE "test_keyspace.report_user_enrolments" (userid, courseid, batchid, active, completedon, contentstatus, progress CHECK (progress < 100))"#
            )
        }
    }

    func testBadInputs() throws {
        let empty = try run(#""keyspace":"test_keyspace""#, targetStore: target)
        XCTAssertEqual(empty.status, 67)
        XCTAssertTrue(empty.stderr.contains("keyspace, cassandraDataTable and cassandraMigrateTable are all required"), empty.stderr)
        let missing = try run(Self.upstream.replacingOccurrences(of: "user_enrolment_test", with: "no_such_table"), targetStore: target)
        XCTAssertEqual(missing.status, 67)
        XCTAssertTrue(missing.stderr.contains("test_keyspace.no_such_table"), missing.stderr)
        let onto = try run(Self.upstream.replacingOccurrences(of: "report_user_enrolments", with: "user_enrolment_test"))
        XCTAssertEqual(onto.status, 67)
        XCTAssertTrue(onto.stderr.contains("cannot replace test_keyspace.user_enrolment_test while reading it"), onto.stderr)
        XCTAssertEqual(try rows(bench.store, "user_enrolment_test").count, 1, "the source is untouched")
    }
}

final class CassandraMigratorPostgresTests: CassandraMigratorTests {
    override var backend: Backend { .postgres }
    override func testMain() throws { try super.testMain() }
    override func testWithRepartitionReturnsOne() throws { try super.testWithRepartitionReturnsOne() }
    override func testMigrateRepartition() throws { try super.testMigrateRepartition() }
    override func testSameCluster() throws { try super.testSameCluster() }
    override func testTargetDownFailsTheRun() throws { try super.testTargetDownFailsTheRun() }
    override func testReplacesTheTargetWithEveryValue() throws { try super.testReplacesTheTargetWithEveryValue() }
    override func testAFailedCopyLeavesTheTargetAsItWas() throws { try super.testAFailedCopyLeavesTheTargetAsItWas() }
    override func testBadInputs() throws { try super.testBadInputs() }
}
