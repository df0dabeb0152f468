import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// Upstream `TestCollectionSummaryJobV2` (lern-jobs-spec §3) on the embedded SQLite store and on
/// PostgreSQL with a real redis-server: the fixture's batches, enrolments and user cache, the
/// content search and the Druid overlord answered by the recorded-answer server, which reports what
/// it received.
class CollectionSummaryTests: XCTestCase {
    var backend: Backend { .local }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var redis = ""
    /// Upstream's Joda clock (BaseReportSpec): the "ongoing" branch compares end dates with 2018-07-07.
    static let now = "2018-07-08T11:00:00Z"
    static let searchFilter =
        #"{"request":{"filters":{"status":["Live"],"contentType":"Course"},"fields":["identifier","name","organisation","channel","status","keywords","createdFor","medium","subject"],"limit":10000}}"#

    override func setUpWithError() throws {
        bench = try LernJobBench(backend)
        let tables = try Self.fixtureTables(in: home.path + "/tables")
        redis = try bench.userCache(try Self.fixtureUsers(), tables: tables)
        try bench.serveHTTP(Harness.repoRoot + "/Tests/Fixtures/lern-jobs/collection-summary/answers.json")
    }

    override func tearDown() { bench = nil }

    /// The spec file upstream's test posts (the older collection-summary variant).
    static var specFile: String { get throws { try Harness.fixture("lern/ingestion-spec") + "/summary-ingestion-spec.json" } }

    /// Runs the job with these modelParams (besides the URLs); returns the run's result. Named apart
    /// from XCTestCase.run(), which a bare `run()` would call.
    @discardableResult
    func runJob(
        _ params: String = "", specPath: String? = nil, expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    )
        throws -> Harness.Result
    {
        let spec = try specPath ?? Self.specFile
        let base = bench.baseURL
        try home.write(
            "config/jobs/collection-summary-report-v2.json",
            #"{"search":{"type":"none"},"model":"org.sunbird.lms.audit.CollectionSummaryJobV2","modelParams":{"contentSearchUrl":"\#(base)/api/content/v1/search","druidIngestionUrl":"\#(base)/druid/indexer/v1/task","specPath":"\#(spec)"\#(params.isEmpty ? "" : "," + params)}}"#
        )
        let r = try home.run([
            "run", "collection-summary-report-v2", "--store", bench.store, "--redis", redis, "--http", "live:attempts=1", "--now", Self.now,
            "--log-file", home.path + "/joblog.log", "--publish", "local:" + home.path + "/blob",
        ])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r
    }

    /// The published latest file's rows, by batch id.
    func rows(_ name: String = "collection-summary-report-latest") throws -> [String: JSONValue] {
        let text = try XCTUnwrap(home.read("blob/collection-summary-reports-v2/\(name).json"), "\(name).json was not published")
        var out: [String: JSONValue] = [:]
        for line in text.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            out[row["batchid"]!.string!] = row
        }
        return out
    }

    func requests(_ path: String) throws -> [JSONValue] { try bench.received().filter { $0["path"]?.string == path } }

    func testReportForAllBatches() throws {
        try runJob(#""searchFilter":\#(Self.searchFilter)"#)
        let rows = try rows()
        XCTAssertEqual(Set(rows.keys), ["batch-0130293763489873929", "batch-0130271096968396800", "batch-01303150537737011211"])
        let a = try XCTUnwrap(rows["batch-0130293763489873929"])
        XCTAssertEqual(a["courseid"]?.string, "do_1130293726460805121168")
        XCTAssertEqual([a["state"], a["district"]], [.string("KA"), .string("BG")])
        XCTAssertEqual([a["enrolleduserscount"], a["completionuserscount"], a["certificateissuedcount"]], [.int(2), .int(0), .int(0)])
        XCTAssertEqual(a["hascertified"]?.string, "N")
        XCTAssertEqual(a["collectionname"]?.string, "Test")
        XCTAssertEqual(a["channel"]?.string, "013016492159606784174")
        XCTAssertEqual([a["startdate"], a["enddate"]], [.string("2020-05-26"), .string("2030-06-30")])
        XCTAssertEqual(a["createdfor"]?.array?.first?.string, "013016492159606784174")
        XCTAssertNil(a["medium"])  // absent from the search: null, omitted from the JSON line
        XCTAssertNil(a["subject"])
        XCTAssertEqual([a["usertype"], a["usersubtype"]], [.string("teacher"), .string("other")])
        let b = try XCTUnwrap(rows["batch-0130271096968396800"])
        XCTAssertEqual(b["courseid"]?.string, "do_1130264512015646721166")
        XCTAssertEqual([b["state"], b["district"]], [.string("KA"), .string("BG")])
        XCTAssertEqual([b["enrolleduserscount"], b["completionuserscount"], b["certificateissuedcount"]], [.int(1), .int(0), .int(0)])
        XCTAssertEqual(b["hascertified"]?.string, "N")
        XCTAssertEqual(b["collectionname"]?.string, "Test_CurriculumCourse")
        XCTAssertEqual(b["channel"]?.string, "013016492159606784174")
        XCTAssertEqual([b["startdate"], b["enddate"]], [.string("2020-05-25"), .string("2030-05-30")])
        XCTAssertEqual(b["createdfor"]?.array?.first?.string, "ORG_001")
        XCTAssertEqual([b["usertype"], b["usersubtype"]], [.string("OTHER"), .string("other")])
        let c = try XCTUnwrap(rows["batch-01303150537737011211"])
        XCTAssertEqual(c["courseid"]?.string, "do_1130314965721088001129")
        XCTAssertEqual([c["state"], c["district"]], [.string("KA"), .string("BG")])
        XCTAssertEqual([c["enrolleduserscount"], c["completionuserscount"], c["certificateissuedcount"]], [.int(2), .int(0), .int(0)])
        XCTAssertEqual(c["hascertified"]?.string, "N")
        XCTAssertEqual(c["channel"]?.string, "b00bc992ef25f1a9a8d63291e20efc8d")
        XCTAssertEqual([c["startdate"], c["enddate"]], [.string("2020-05-29"), .string("2030-06-30")])
        XCTAssertEqual(c["createdfor"]?.array?.first?.string, "ORG_001")
        XCTAssertEqual(c["medium"]?.array?.first?.string, "Kannada")
        XCTAssertEqual(c["subject"]?.array?.first?.string, "Physics")
        XCTAssertEqual([c["usertype"], c["usersubtype"]], [.string("OTHER"), .string("")])
        // One search call, the filter as given; the batch whose course it did not return is left out.
        let searches = try requests("/api/content/v1/search")
        XCTAssertEqual(searches.count, 1)
        XCTAssertEqual(try JSONParser.parse(searches[0]["body"]!.string!), try JSONParser.parse(Self.searchFilter))
    }

    /// Rule 7's column order, the dated file beside the latest one, the run clock's timestamp.
    func testFilesColumnsAndTimestamp() throws {
        try runJob(#""searchFilter":\#(Self.searchFilter)"#)
        let latest = try XCTUnwrap(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
        XCTAssertEqual(home.read("blob/collection-summary-reports-v2/collection-summary-report-20180708.json"), latest)
        let first = try JSONParser.parse(String(latest.split(separator: "\n")[0]))
        guard case .object(let pairs) = first else { return XCTFail("not an object: \(first)") }
        XCTAssertEqual(
            pairs.map(\.0),
            [
                "contentorg", "batchid", "courseid", "collectionname", "batchname", "startdate", "enddate", "hascertified", "state",
                "district", "enrolleduserscount", "completionuserscount", "certificateissuedcount", "contentstatus", "keywords", "channel",
                "timestamp", "orgname", "createdfor", "medium", "subject", "usertype", "usersubtype",
            ].filter { k in pairs.contains { $0.0 == k } })
        XCTAssertEqual(first["timestamp"], .int(1_531_047_600_000))
        XCTAssertEqual(first["keywords"], .array([.string("All_Contents")]))
        XCTAssertEqual(first["contentstatus"]?.string, "Live")
        XCTAssertEqual(
            latest.split(separator: "\n").map { try? JSONParser.parse(String($0))["batchid"]?.string ?? "" },
            [
                "batch-0130271096968396800", "batch-0130293763489873929", "batch-01303150537737011211",
            ])
        XCTAssertEqual(bench.jobEnd?["totalRecords"], .int(3))
    }

    /// Upstream's ignored "latest value from date columns": start and end dates from whichever of the
    /// typed and text columns holds one (batches …929 and …211 only have the typed ones).
    func testLatestValueFromDateColumns() throws {
        try runJob(#""generateForAllBatches":true"#)
        let dates = try rows().mapValues { [$0["startdate"]?.string, $0["enddate"]?.string] }
        XCTAssertEqual(
            dates,
            [
                "batch-0130293763489873929": ["2020-05-26", "2030-06-30"], "batch-0130271096968396800": ["2020-05-25", "2030-05-30"],
                "batch-01303150537737011211": ["2020-05-29", "2030-06-30"],
            ])
    }

    /// Upstream's "no searchFilter" and "none of the three" (the same config): the ongoing batches (ending on or after 2018-07-07); the courses with learners
    /// searched in one chunk with the default status and fields.
    func testNoSearchFilter() throws {
        try runJob()
        XCTAssertEqual(try rows().count, 3)
        let searches = try requests("/api/content/v1/search")
        XCTAssertEqual(searches.count, 1)
        XCTAssertEqual(
            try JSONParser.parse(searches[0]["body"]!.string!),
            try JSONParser.parse(
                #"{"request":{"filters":{"identifier":["do_112636984058314752121","do_1130264512015646721166","do_1130293726460805121168","do_1130314965721088001129"],"status":["Live","Unlisted","Retired"]},"fields":["identifier","name","organisation","channel","status","keywords","createdFor","medium","subject"]}}"#
            ))
    }

    func testOnlyBatchStartDate() throws {
        try runJob(#""batchStartDate":"2020-05-29""#)
        XCTAssertEqual(Array(try rows().keys), ["batch-01303150537737011211"])
    }

    func testOnlyGenerateForAllBatches() throws {
        try runJob(#""generateForAllBatches":true"#)
        XCTAssertEqual(try rows().count, 3)
    }

    /// `batchSize` chunks the course ids: four courses, two a call.
    func testBatchSizeChunksTheSearch() throws {
        try runJob(#""generateForAllBatches":true,"batchSize":2"#)
        XCTAssertEqual(try rows().count, 3)
        let ids = try requests("/api/content/v1/search").map {
            try JSONParser.parse($0["body"]!.string!)["request"]?["filters"]?["identifier"]?.array?.count
        }
        XCTAssertEqual(ids, [2, 2])
    }

    /// The ongoing branch follows the run clock: in 2030-06-01 (UTC) only the batches ending 2030-06-30 remain.
    func testOngoingFollowsTheRunClock() throws {
        try runJob()
        let r = try home.run([
            "run", "collection-summary-report-v2", "--store", bench.store, "--redis", redis, "--http", "live:attempts=1",
            "--now", "2030-06-01T00:00:00Z", "--publish", "local:" + home.path + "/blob2",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try XCTUnwrap(home.read("blob2/collection-summary-reports-v2/collection-summary-report-latest.json"))
        XCTAssertEqual(
            Set(text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["batchid"]?.string }),
            ["batch-0130293763489873929", "batch-01303150537737011211"])
    }

    /// "submit ingestion": after the files are published, the spec file's text POSTed to the overlord
    /// as it is, with the JSON content type.
    func testSubmitsTheIngestionSpecAfterPublishing() throws {
        let r = try runJob(#""generateForAllBatches":true"#)
        let posts = try requests("/druid/indexer/v1/task")
        XCTAssertEqual(posts.count, 1)
        XCTAssertEqual(posts[0]["method"]?.string, "POST")
        XCTAssertEqual(posts[0]["body"]?.string, try String(contentsOfFile: Self.specFile, encoding: .utf8))
        XCTAssertEqual(posts[0]["headers"]?["content-type"]?.string, "application/json")
        // The spec's firehose reads the latest file, which was published before the task was sent.
        let spec = try JSONParser.parse(posts[0]["body"]!.string!)
        XCTAssertEqual(
            spec["spec"]?["ioConfig"]?["firehose"]?["blobs"]?.array?.first?["path"]?.string,
            "/collection-summary-reports-v2/collection-summary-report-latest.json")
        XCTAssertNotNil(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
        // The overlord's answer (the task id) is logged, as upstream does.
        let logged = bench.logEvents.first { $0["edata"]?["message"]?.string?.hasPrefix("after publishing: POST") ?? false }
        XCTAssertEqual(logged?["edata"]?["data"]?["answer"]?.string, #"{"task": "index_collection-summary-snapshot_2020-06-30"}"#, r.stderr)
    }

    /// The deployed spec (config/druid) is what the template points at, and it names the columns we write.
    func testTheDeployedSpecReadsOurColumns() throws {
        let spec = try JSONParser.parse(
            String(contentsOfFile: Harness.repoRoot + "/config/druid/collection-summary-ingestion-spec.json", encoding: .utf8))
        XCTAssertEqual(spec["spec"]?["dataSchema"]?["dataSource"]?.string, "collection-summary-snapshot")
        let exprs = spec["spec"]?["dataSchema"]?["parser"]?["parseSpec"]?["flattenSpec"]?["fields"]?.array?.compactMap { $0["expr"]?.string }
        let written = [
            "contentorg", "orgname", "startdate", "enddate", "hascertified", "courseid", "batchid", "collectionname",
            "batchname", "enrolleduserscount", "completionuserscount", "certificateissuedcount", "contentstatus", "state", "district",
            "channel", "keywords", "timestamp", "medium", "subject", "createdfor", "usertype", "usersubtype",
        ]
        XCTAssertEqual(Set(exprs ?? []), Set(written))
        try runJob(#""generateForAllBatches":true"#, specPath: Harness.repoRoot + "/config/druid/collection-summary-ingestion-spec.json")
        XCTAssertEqual(try requests("/druid/indexer/v1/task").count, 1)
    }

    /// No specPath: nothing is sent to Druid; an unreadable one fails the job (67) before any call or file.
    func testSpecPathMissingOrUnreadable() throws {
        try runJob(#""generateForAllBatches":true"#, specPath: "")
        XCTAssertEqual(try requests("/druid/indexer/v1/task").count, 0)
        try FileManager.default.removeItem(atPath: home.path + "/blob")
        let r = try runJob(#""generateForAllBatches":true"#, specPath: home.path + "/nope.json", expect: 67)
        XCTAssertTrue(r.stderr.contains("specPath \(home.path)/nope.json: the Druid ingestion spec cannot be read"), r.stderr)
        XCTAssertEqual(try requests("/api/content/v1/search").count, 1)  // the first run's only
        XCTAssertNil(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
    }

    /// QUIRK decided: a content search that does not answer OK fails the run; nothing is published
    /// and Druid is not asked to ingest (upstream published an empty summary).
    func testAFailedContentSearchPublishesNothing() throws {
        let r = try runJob(#""searchFilter":\#(Self.searchFilter),"contentSearchUrl":"\#(bench.baseURL)/flaky/search?fail=9""#, expect: 67)
        XCTAssertTrue(r.stderr.contains("content search POST \(bench.baseURL)/flaky/search?fail=9 answered HTTP 500"), r.stderr)
        XCTAssertNil(home.read("blob/collection-summary-reports-v2/collection-summary-report-latest.json"))
        XCTAssertEqual(try requests("/druid/indexer/v1/task").count, 0)
    }

    /// The Druid overlord refusing the task fails the run after publishing: the files stay (they are
    /// complete), the operator is told the ingestion did not happen.
    func testARefusedIngestionFailsTheRunAfterPublishing() throws {
        let r = try runJob(#""generateForAllBatches":true,"druidIngestionUrl":"\#(bench.baseURL)/flaky/druid?fail=9""#, expect: 67)
        XCTAssertTrue(r.stderr.contains("reports published, but"), r.stderr)
        XCTAssertTrue(r.stderr.contains("/flaky/druid?fail=9"), r.stderr)
        XCTAssertEqual(try rows().count, 3)
    }
}

extension CollectionSummaryTests {
    /// The fixture CSVs as JSON-lines tables with the columns the job reads (the shared files stay
    /// as they are). The enrolments' typed `enrolled_date` is written with a dot before the
    /// milliseconds (`13:18:36.051`, a timestamp PostgreSQL reads); the text columns keep upstream's colon.
    static func fixtureTables(in dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let src = try Harness.fixture("lern/collection-summary")
        let batchColumns = ["courseid", "batchid", "enddate", "end_date", "startdate", "start_date", "name", "status"]
        try convert(src + "/course_batch_data.csv", to: dir + "/sunbird_courses.course_batch.jsonl", columns: batchColumns) { _, v in v }
        let enrolmentColumns = ["batchid", "userid", "courseid", "active", "completedon", "enrolleddate", "enrolled_date"]
        try convert(src + "/user_courses_data.csv", to: dir + "/sunbird_courses.user_enrolments.jsonl", columns: enrolmentColumns) { name, v in
            switch name {
            case "active": return v.lowercased() == "true" ? "true" : "false"
            case "enrolled_date": return Self.dotted(v)
            default: return v
            }
        }
        return dir
    }

    static func dotted(_ v: String) -> String {
        var b = Array(v.utf8)
        if b.count >= 23, b[19] == UInt8(ascii: ":") { b[19] = UInt8(ascii: ".") }
        return String(decoding: b, as: UTF8.self)
    }

    /// A header CSV without quoted cells (these fixtures have none) to JSON lines; empty cells are null.
    /// Fails on a file that yields no rows, so a misread fixture cannot pass for an empty table.
    static func convert(_ csv: String, to out: String, columns: [String], _ change: (String, String) -> String) throws {
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)  // CRLF files
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var text = ""
        for line in lines.dropFirst() where !line.isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(cells.count, header.count, "\(csv): \(line)")
            var pairs: [(String, JSONValue)] = []
            for c in columns {
                let i = try XCTUnwrap(header.firstIndex(of: c), "\(csv) has no column \(c)")
                guard !cells[i].isEmpty else { continue }
                let v = change(c, cells[i])
                pairs.append((c, c == "active" ? .bool(v == "true") : c == "status" ? .int(Int64(v)!) : .string(v)))
            }
            text += JSONValue.object(pairs).render() + "\n"
        }
        XCTAssertFalse(text.isEmpty, "\(csv) gave no rows")
        try text.write(toFile: out, atomically: true, encoding: .utf8)
    }

    /// user_data.json's six learners as `user:<userid>` hashes (string fields, as Redis holds them).
    static func fixtureUsers() throws -> [(key: String, fields: [(String, String)])] {
        let text = try String(contentsOfFile: try Harness.fixture("lern/collection-summary") + "/user_data.json", encoding: .utf8)
        return try (JSONParser.parse(text).array ?? []).map { user in
            guard case .object(let pairs) = user, let id = user["userid"]?.string else { throw XCTSkip("bad user_data.json") }
            return ("user:" + id, pairs.map { ($0.0, $0.1.string ?? $0.1.render()) })
        }
    }
}

final class CollectionSummaryPostgresTests: CollectionSummaryTests {
    override var backend: Backend { .postgres }
    override func testReportForAllBatches() throws { try super.testReportForAllBatches() }
    override func testFilesColumnsAndTimestamp() throws { try super.testFilesColumnsAndTimestamp() }
    override func testLatestValueFromDateColumns() throws { try super.testLatestValueFromDateColumns() }
    override func testNoSearchFilter() throws { try super.testNoSearchFilter() }
    override func testOnlyBatchStartDate() throws { try super.testOnlyBatchStartDate() }
    override func testOnlyGenerateForAllBatches() throws { try super.testOnlyGenerateForAllBatches() }
    override func testBatchSizeChunksTheSearch() throws { try super.testBatchSizeChunksTheSearch() }
    override func testOngoingFollowsTheRunClock() throws { try super.testOngoingFollowsTheRunClock() }
    override func testSubmitsTheIngestionSpecAfterPublishing() throws { try super.testSubmitsTheIngestionSpecAfterPublishing() }
    override func testTheDeployedSpecReadsOurColumns() throws { try super.testTheDeployedSpecReadsOurColumns() }
    override func testSpecPathMissingOrUnreadable() throws { try super.testSpecPathMissingOrUnreadable() }
    override func testAFailedContentSearchPublishesNothing() throws { try super.testAFailedContentSearchPublishesNothing() }
    override func testARefusedIngestionFailsTheRunAfterPublishing() throws { try super.testARefusedIngestionFailsTheRunAfterPublishing() }
}

/// The deployed template of the job (jobs/collection-summary-report-v2.json), run on the embedded store.
final class CollectionSummaryTemplateTests: XCTestCase {
    /// The job from its block's template (jobs/collection-summary-report-v2.json) with the dev
    /// environment's variables, as a deployment runs it: the content search and Druid's overlord
    /// answered by the recorded-answer server, the user cache in the same SQLite file.
    func testRunsFromItsTemplateOnTheEmbeddedStore() throws {
        let home = try LernJobBench(.local).home
        let block = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: block + "/jobs/collection-summary-report-v2.json", toPath: home.path + "/template.json")
        let summary = "sqlite:\(home.path)/summary.sqlite"
        let tables = try CollectionSummaryTests.fixtureTables(in: home.path + "/summary-tables")
        try LernJobBench.writeUserCache(try CollectionSummaryTests.fixtureUsers(), to: home.path + "/summary-users.jsonl")
        let load = try home.run([
            "load", tables, "--into", summary, "--user-cache", home.path + "/summary-users.jsonl",
            "--schema", Harness.repoRoot + "/config/schema/postgres.sql",
        ])
        XCTAssertEqual(load.status, 0, load.stderr)
        let (server, port) = try ExhaustBench.startHTTP(Harness.repoRoot + "/Tests/Fixtures/lern-jobs/collection-summary/answers.json")
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        let r = try home.run([
            "run", "collection-summary-report-v2", "--config", home.path + "/template.json", "--vars", Harness.repoRoot + "/config/env/dev.json",
            "--store", summary,
            "--redis", summary, "--http", "live", "--now", CollectionSummaryTests.now,
            "--set", "content_search_url=\(base)/api/content/v1/search", "--set", "druid_rollup_cluster_ingestion_task_url=\(base)",
            "--set", "collection_summary_spec_path=" + Harness.repoRoot + "/config/druid/collection-summary-ingestion-spec.json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/collection-summary-reports-v2/collection-summary-report-latest.json")?.split(separator: "\n").count, 3)
    }
}
