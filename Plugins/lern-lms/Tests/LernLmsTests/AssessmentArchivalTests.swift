import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// The archival redesign's tests (`TestAsssessmentArchivalJob` of upstream PR 504, lern-exhaust-spec
/// §8.8 B) and version A's archive test (A1), on the embedded store and on PostgreSQL. Each test gets
/// fresh tables (upstream reloads the fixture before each).
class AssessmentArchivalTests: XCTestCase {
    var backend: Backend { .local }
    var home: Harness.Home!
    var store = ""
    var db: Harness.PostgresDatabase?
    var tables = ""
    var blob: String { home.path + "/blob" }
    static let output = "assessment-archived-data/batch-011_do_1130928636168192001667/"

    override func setUpWithError() throws { try prepare("lern/exhaust/assessment-archival/data") }
    override func tearDown() { db?.drop() }

    func prepare(_ fixture: String) throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.installPlugin("lern-lms")
        let source = try Harness.fixture(fixture)
        switch backend {
        case .local:
            tables = home.path + "/tables"
            try FileManager.default.copyItem(atPath: source, toPath: tables)  // the fixture itself stays read-only
            FileManager.default.createFile(atPath: tables + "/sunbird_courses.archival_metadata.jsonl", contents: nil)
            store = "local:" + tables
        case .postgres:
            db = try Harness.PostgresDatabase()
            let r = try Harness.run([
                "load", source, "--into", "postgres:" + db!.conninfo, "--schema", Harness.repoRoot + "/config/schema/postgres.sql",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            store = "postgres:" + db!.conninfo
        }
    }

    /// Upstream's archive config (blob store `azure` there; the host's blob store here).
    func config(
        mode: String = "archival",
        request: String =
            #"{"archivalTable":"assessment_aggregator","batchId":"batch-011","collectionId": "do_1130928636168192001667","date":"2021-11-01"}"#
    ) throws {
        try home.write(
            "config/jobs/assessment-archival.json",
            """
            {"search":{"type":"none"},"model":"org.sunbird.analytics.archival.AssessmentArchivalJob","modelParams":{"mode":"\(mode)","request":\(request),"blobConfig":{"store":"azure","blobExt":"csv.gz","reportPath":"assessment-archived-data/","container":"reports"},"sparkCassandraConnectionHost":"localhost","fromDate":"","toDate":"","storageContainer":""},"parallelization":8,"appName":"Assessment Archival Job"}
            """)
    }

    @discardableResult
    func archive() throws -> Harness.Result {
        let r = try home.run(["run", "assessment-archival", "--store", store, "--blob", "local:" + blob, "--log-file", home.path + "/joblog.log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// A pre-existing bookkeeping row (upstream's inserts: resource_type, job_id, archival_date, request_data fixed).
    func insertRecord(id: String, status: String, blobURL: String?, iteration: Int, week: Int = 48) throws {
        let data = #"{"batchId": "batch-011", "week": \#(week), "year": 2021}"#
        switch backend {
        case .postgres:
            try Harness.psql(
                db!.conninfo,
                """
                INSERT INTO sunbird_courses.archival_metadata (request_id, batch_id, collection_id, resource_type, job_id, archival_date,
                  completion_date, archival_status, blob_url, iteration, request_data, err_message) VALUES ('\(id)', 'batch-011',
                  'do_1130928636168192001667', 'assessment', 'assessment-archival', '2021-12-09 05:58:18.666', NULL, '\(status)',
                  \(blobURL.map { "'{\"\($0)\"}'" } ?? "NULL"), \(iteration), '\(data)', NULL)
                """)
        case .local:
            let row = JSONValue.object([
                ("request_id", .string(id)), ("batch_id", .string("batch-011")),
                ("collection_id", .string("do_1130928636168192001667")), ("resource_type", .string("assessment")),
                ("job_id", .string("assessment-archival")), ("archival_date", .string("2021-12-09 05:58:18.666")),
                ("archival_status", .string(status)), ("blob_url", blobURL.map { .array([.string($0)]) } ?? .null),
                ("iteration", .int(Int64(iteration))), ("request_data", try JSONParser.parse(data)),
            ])
            let path = tables + "/sunbird_courses.archival_metadata.jsonl"
            try ((try String(contentsOfFile: path, encoding: .utf8)) + row.render() + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// The bookkeeping rows of the job.
    func records() throws -> [JSONValue] {
        switch backend {
        case .postgres:
            let text = try Harness.psql(
                db!.conninfo, "SELECT row_to_json(t) FROM sunbird_courses.archival_metadata t WHERE job_id = 'assessment-archival'")
            return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        case .local:
            return try String(contentsOfFile: tables + "/sunbird_courses.archival_metadata.jsonl", encoding: .utf8)
                .split(separator: "\n").map { try JSONParser.parse(String($0)) }.filter { $0["job_id"]?.string == "assessment-archival" }
        }
    }

    /// Rows of every archive file under `folder` (upstream reads `<output>/batch-011_…/2021*.csv.gz`).
    func archived(_ folder: String = output, year: String = "2021") throws -> [[String: String]] {
        let dir = blob + "/" + folder
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(year) && $0.hasSuffix(".csv.gz") }
        return try files.flatMap { f -> [[String: String]] in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/gzip")
            p.arguments = ["-dc", dir + f]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return CSVText.records(String(decoding: data, as: UTF8.self), sparkEscapes: true)
        }
    }

    /// Rows of batch-011 left in the table.
    func liveRows() throws -> Int {
        switch backend {
        case .postgres:
            return Int(try Harness.psql(db!.conninfo, "SELECT count(*) FROM sunbird_courses.assessment_aggregator WHERE batch_id = 'batch-011'"))
                ?? -1
        case .local:
            return try String(contentsOfFile: tables + "/sunbird_courses.assessment_aggregator.jsonl", encoding: .utf8)
                .split(separator: "\n").filter { $0.contains("\"batch-011\"") }.count
        }
    }

    func testB1ArchiveABatchNotArchivedInThePast() throws {
        try config()
        try archive()
        let rows = try archived()
        XCTAssertEqual(rows.count, 5)
        let u1 = rows.filter { $0["user_id"] == "user-001" }
        XCTAssertEqual(u1.count, 2)
        let a1 = try XCTUnwrap(u1.first { $0["attempt_id"] == "attempt-001" })
        XCTAssertEqual(a1["course_id"], "do_1130928636168192001667")
        XCTAssertEqual(a1["content_id"], "do_1128870328040161281204")
        XCTAssertEqual(a1["last_attempted_on"], "1638357693200")
        XCTAssertEqual(a1["grand_total"], "10")
        XCTAssertEqual(a1["total_max_score"], "10.0")
        XCTAssertEqual(a1["total_score"], "10.0")
        XCTAssertEqual(a1["question"], "[]")
        XCTAssertEqual(a1["updated_on"], "1638357693000")
        let a2 = try XCTUnwrap(u1.first { $0["attempt_id"] == "attempt-002" })
        XCTAssertEqual(a2["course_id"], "do_1130928636168192001667")
        XCTAssertEqual(a2["content_id"], "do_1128870328040161281204")
        XCTAssertEqual(a2["last_attempted_on"], "")
        XCTAssertEqual(a2["grand_total"], "20")
        XCTAssertEqual(a2["total_max_score"], "20.0")
        XCTAssertEqual(a2["total_score"], "20.0")
        XCTAssertEqual(try JSONParser.parse(a2["question"] ?? "").array?.count, 4)
        XCTAssertEqual(a2["updated_on"], "1639052254823")
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-002" }.count, 1)
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-003" }.count, 2)
        let recs = try records()
        XCTAssertEqual(recs.count, 2)
        XCTAssertTrue(
            Set(recs.compactMap { $0["request_id"]?.string }).isSuperset(of: ["2A04B5AF40E2E249EBB63530F19656F7", "AC0F439E287263DB49D54004DAA4644B"])
        )
        for r in recs {
            XCTAssertEqual(r["batch_id"]?.string, "batch-011")
            XCTAssertEqual(r["collection_id"]?.string, "do_1130928636168192001667")
            XCTAssertEqual(r["archival_status"]?.string, "SUCCESS")
            XCTAssertTrue(r["blob_url"]?.array?.first?.string?.contains(Self.output + "2021") ?? false, r.render())
            XCTAssertEqual(r["iteration"]?.int, 0)
            XCTAssertEqual(r["err_message"]?.string, "")
        }
        XCTAssertEqual(try liveRows(), 5)  // archival alone deletes nothing
    }

    func testB2ArchiveMultipleBatches() throws {
        try config(request: #"{"archivalTable":"assessment_aggregator","batchFilters":["batch-011", "batch-021"],"date":"2021-11-01"}"#)
        try archive()
        let recs = try records()
        XCTAssertEqual(recs.count, 3)
        XCTAssertTrue(Set(recs.compactMap { $0["batch_id"]?.string }).isSuperset(of: ["batch-011", "batch-021"]))
    }

    func testB3ArchiveABatchThatFailedInThePast() throws {
        try insertRecord(id: "2A04B5AF40E2E249EBB63530F19656F7", status: "FAILED", blobURL: nil, iteration: 1, week: 49)
        try config()
        try archive()
        let rows = try archived()
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-001" }.count, 2)
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-002" }.count, 1)
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-003" }.count, 2)
        let recs = try records().filter { $0["batch_id"]?.string == "batch-011" }
        XCTAssertEqual(recs.count, 2)
        let w48 = try XCTUnwrap(recs.first { $0["request_data"]?["week"]?.int == 48 })
        XCTAssertEqual(w48["request_id"]?.string, "AC0F439E287263DB49D54004DAA4644B")
        XCTAssertEqual(w48["archival_status"]?.string, "SUCCESS")
        XCTAssertTrue(w48["blob_url"]?.array?.first?.string?.contains(Self.output + "2021") ?? false)
    }

    func testB4SkipABatchArchivedInThePast() throws {
        try insertRecord(
            id: "949887DE6364A07AE1BB5A04504368F9", status: "SUCCESS", blobURL: "reports/assessment-archival/batch-011/2021-48.csv.gz", iteration: 1)
        try config()
        try archive()
        let rows = try archived()
        XCTAssertEqual(rows.count, 3)  // week 48 was archived before
        let u1 = rows.filter { $0["user_id"] == "user-001" }
        XCTAssertEqual(u1.count, 1)
        XCTAssertEqual(u1.first?["attempt_id"], "attempt-002")
        XCTAssertEqual(u1.first?["course_id"], "do_1130928636168192001667")
        XCTAssertEqual(u1.first?["content_id"], "do_1128870328040161281204")
        XCTAssertEqual(u1.first?["last_attempted_on"], "")
        XCTAssertEqual(u1.first?["grand_total"], "20")
        XCTAssertEqual(u1.first?["total_max_score"], "20.0")
        XCTAssertEqual(u1.first?["total_score"], "20.0")
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-002" }.count, 1)
        XCTAssertEqual(rows.filter { $0["user_id"] == "user-003" }.count, 1)
        XCTAssertEqual(try records().filter { $0["batch_id"]?.string == "batch-011" }.count, 2)
    }

    func testB5DeleteTheArchivedRecordsBasedOnBlobFiles() throws {
        try config()
        try archive()
        XCTAssertEqual(try archived().count, 5)
        XCTAssertEqual(try liveRows(), 5)
        var recs = try records()
        XCTAssertEqual(recs.count, 2)
        XCTAssertTrue(recs.allSatisfy { $0["archival_status"]?.string == "SUCCESS" && ($0["deletion_status"] ?? .null).isNull })
        try config(mode: "delete")
        try archive()
        XCTAssertEqual(try liveRows(), 0)
        recs = try records()
        XCTAssertTrue(
            recs.allSatisfy { $0["archival_status"]?.string == "SUCCESS" && $0["deletion_status"]?.string == "SUCCESS" },
            "\(recs.map { $0.render() })")
    }

    func testB6KeepTheRecordsWhenTheBlobFileIsMissing() throws {
        try insertRecord(
            id: "AC0F439E287263DB49D54004DAA4644B", status: "SUCCESS", blobURL: "reports/assessment-archival/batch-011/2021-48.csv.gz", iteration: 1)
        try config()
        try archive()
        XCTAssertEqual(try archived().count, 3)
        try config(mode: "delete")
        try archive()
        XCTAssertEqual(try liveRows(), 2)
        let recs = try records()
        let w48 = try XCTUnwrap(recs.first { $0["request_id"]?.string == "AC0F439E287263DB49D54004DAA4644B" })
        XCTAssertEqual(w48["archival_status"]?.string, "SUCCESS")
        XCTAssertEqual(w48["deletion_status"]?.string, "FAILED")
        XCTAssertTrue(w48["err_message"]?.string?.contains("Path does not exist") ?? false)
        let w49 = try XCTUnwrap(recs.first { $0["request_id"]?.string == "2A04B5AF40E2E249EBB63530F19656F7" })
        XCTAssertEqual(w49["archival_status"]?.string, "SUCCESS")
        XCTAssertEqual(w49["deletion_status"]?.string, "SUCCESS")
    }

    /// QUIRK Q53: a run in which every archive failed (the blob store cannot be written: its root is a
    /// file) fails with 67 naming the first failure; each failure is still recorded for the next run.
    func testEveryArchiveFailingFailsTheRun() throws {
        try config()
        try "not a folder".write(toFile: home.path + "/blob-file", atomically: true, encoding: .utf8)
        let r = try home.run([
            "run", "assessment-archival", "--store", store, "--blob", "local:" + home.path + "/blob-file", "--log-file", home.path + "/joblog.log",
        ])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("every archive failed"), r.stderr)
        let recs = try records()
        XCTAssertFalse(recs.isEmpty)
        XCTAssertTrue(recs.allSatisfy { $0["archival_status"]?.string == "FAILED" }, "\(recs.map { $0.render() })")
    }

    func testB7ArchiveAllBatchesWithoutBatchIdOrFilters() throws {
        try config(request: #"{"archivalTable":"assessment_aggregator","date":"2021-11-01"}"#)
        try archive()
        let recs = try records()
        XCTAssertEqual(recs.count, 4)
        XCTAssertTrue(recs.allSatisfy { $0["archival_status"]?.string == "SUCCESS" })
        XCTAssertTrue(Set(recs.compactMap { $0["batch_id"]?.string }).isSuperset(of: ["batch-011", "batch-021", "batch-031"]))
    }

    /// Version A's A1 "archive the batch data for a specific date" on the A fixture (every row updated
    /// "now"): batch-001 gets its 5 distinct rows, batch-004 its 1, both in this week's period.
    func testA1ArchivesEachBatchOfThisWeek() throws {
        tearDown()
        try prepare("lern/exhaust/assessment-archival/assessment_agg")
        try config(mode: "archival-and-delete", request: #"{"archivalTable":"assessment_aggregator"}"#)
        let started = Date()
        try archive()
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = TimeZone(identifier: "UTC")!
        let (year, week) = (
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: started).year!,
            iso.component(.weekOfYear, from: started)
        )
        let recs = try records()
        // One file per (batch, collection, period): batch-001 holds attempts of two collections.
        for (batch, n) in [("batch-001", 5), ("batch-004", 1)] {
            let mine = recs.filter { $0["batch_id"]?.string == batch }
            XCTAssertFalse(mine.isEmpty, batch)
            var rows = 0
            for r in mine {
                XCTAssertEqual(r["request_data"]?["year"]?.int, Int64(year))
                XCTAssertEqual(r["request_data"]?["week"]?.int, Int64(week))
                let folder = (r["blob_url"]?.array?.first?.string ?? "").split(separator: "/").dropLast().joined(separator: "/") + "/"
                rows += try archived(folder, year: String(year)).count
                XCTAssertEqual(r["deletion_status"]?.string, "SUCCESS")  // the weekly flow: archive, verify, then delete
            }
            XCTAssertEqual(rows, n, batch)
        }
    }
}

final class AssessmentArchivalPostgresTests: AssessmentArchivalTests {
    override var backend: Backend { .postgres }
    override func testB1ArchiveABatchNotArchivedInThePast() throws { try super.testB1ArchiveABatchNotArchivedInThePast() }
    override func testB2ArchiveMultipleBatches() throws { try super.testB2ArchiveMultipleBatches() }
    override func testB3ArchiveABatchThatFailedInThePast() throws { try super.testB3ArchiveABatchThatFailedInThePast() }
    override func testB4SkipABatchArchivedInThePast() throws { try super.testB4SkipABatchArchivedInThePast() }
    override func testB5DeleteTheArchivedRecordsBasedOnBlobFiles() throws { try super.testB5DeleteTheArchivedRecordsBasedOnBlobFiles() }
    override func testB6KeepTheRecordsWhenTheBlobFileIsMissing() throws { try super.testB6KeepTheRecordsWhenTheBlobFileIsMissing() }
    override func testB7ArchiveAllBatchesWithoutBatchIdOrFilters() throws { try super.testB7ArchiveAllBatchesWithoutBatchIdOrFilters() }
    override func testEveryArchiveFailingFailsTheRun() throws { try super.testEveryArchiveFailingFailsTheRun() }
    override func testA1ArchivesEachBatchOfThisWeek() throws { try super.testA1ArchivesEachBatchOfThisWeek() }
}
