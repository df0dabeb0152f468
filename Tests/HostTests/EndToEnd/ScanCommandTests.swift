import Foundation
import RowBatch
import XCTest

/// `dataproducts scan`: a table as a job's scan reads it, one JSON array a line, on every store kind;
/// a malformed request is a config error naming what is wrong.
final class ScanCommandTests: XCTestCase {
    func testATableReadsBackAsLoadedOnEveryStore() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        let tables = try Harness.fixture("lern/reports/reports_test_data")
        let sqlite = "sqlite:" + home.path + "/store.sqlite"
        let load = try home.run(["load", tables, "--into", sqlite, "--schema", Harness.repoRoot + "/config/schema/postgres.sql"])
        XCTAssertEqual(load.status, 0, load.stderr)
        var seen: [String: [String]] = [:]
        for store in ["local:" + tables, sqlite] {
            let r = try Harness.run(["scan", "sunbird.location", "--store", store, "--columns", "id:utf8,type:utf8"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n").map(String.init).sorted()
            XCTAssertFalse(lines.isEmpty)
            XCTAssertTrue(lines.allSatisfy { (try? JSONParser.parse($0).array?.count) == 2 }, lines.joined(separator: "\n"))
            seen[store] = lines
        }
        XCTAssertEqual(Set(seen.values.map { $0 }).count, 1, "the local folder and the SQLite store read alike")
    }

    func testMalformedRequestsAreConfigErrors() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        for (args, message) in [
            (["nodot", "--columns", "a:utf8"], "is not KEYSPACE.TABLE"),
            (["a.b", "--columns", "a"], "is not name:type"),
            (["a.b", "--columns", "a:decimal"], "is not name:type"),
        ] {
            let r = try Harness.run(["scan"] + args + ["--store", "local:" + home.data])
            XCTAssertEqual(r.status, 65, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }
}
