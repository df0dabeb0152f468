import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// Upstream `TestProgressExhaustJob` (lern-exhaust-spec §8.1), every case on the embedded default
/// and on PostgreSQL + Redis + a real HTTP server, with the same fixture rows and asserted values.
class ProgressExhaustTests: XCTestCase {
    var backend: Backend { .local }
    static var benches: [Backend: ExhaustBench] = [:]
    var bench: ExhaustBench!

    static let requestId = "37564CF8F134EE7532F125651B51D17F"
    static let csvColumns =
        #"["courseid", "collectionName", "batchid", "batchName", "userid",  "state", "district", "orgname", "schooludisecode", "schoolname", "board", "block", "cluster", "usertype", "usersubtype", "enrolleddate", "completedon", "certificatestatus", "completionPercentage"]"#
    /// Config C-P, plus what upstream takes from AppConf (test values): URLs of the mocks and the limits.
    static let config = """
        {"search":{"type":"none"},"model":"org.sunbird.lms.exhaust.collection.ProgressExhaustJob","modelParams":{"store":"local","mode":"OnDemand","batchFilters":["TPD"],"searchFilter":{},"sparkElasticsearchConnectionHost":"{{ sunbird_es_host | default('localhost') }}","sparkRedisConnectionHost":"localhost","sparkUserDbRedisPort":6341,"sparkUserDbRedisIndex":"0","sparkCassandraConnectionHost":"localhost","fromDate":"","toDate":"","storageContainer":"","csvColumns":\(csvColumns),
        "contentSearchUrl":"{{base}}/api/content/v1/search","tenantPreferenceUrl":"{{base}}/private/v2/org/preferences/read",
        "batchesLimitPerChannel":3,"fileSizeLimitPerChannel":100,"batchLimitPerRequest":4},"parallelization":8,"appName":"Progress Exhaust"}
        """
    var date: String { Harness.reportDate() }

    override func setUpWithError() throws {
        if Self.benches[backend] == nil {
            let b = try ExhaustBench(
                backend, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl",
                httpDir: "http-progress")
            try b.config("progress-exhaust", Self.config)
            Self.benches[backend] = b
        }
        bench = Self.benches[backend]
        try bench.reset()
    }

    override class func tearDown() { benches = [:] }

    /// Row R-P with `request_data` and the given id / tag.
    func insertRP(
        _ data: String, id: String = requestId, tag: String = "do_1130928636168192001667_batch-001:channel-01",
        extra: [String: String?] = [:]
    ) throws {
        try bench.insert(
            [
                "tag": tag, "request_id": id, "job_id": "progress-exhaust", "request_data": data, "requested_by": "user-002",
                "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
            ].merging(extra) { $1 })
    }

    var p1Key: String { "progress-exhaust/\(Self.requestId)/batch-001_progress_\(date).zip" }

    /// P1's CSV and Postgres assertions (also P10's).
    func assertP1() throws {
        let rows = try bench.csv(p1Key, textKey: "test12")  // level TEXT_KEY_ENCRYPTED_DATASET
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows.contains { $0["Collection Id"] == "do_1130928636168192001667" })
        XCTAssertTrue(rows.contains { $0["Collection Name"] == "24 aug course" })
        XCTAssertTrue(rows.contains { $0["Batch Id"] == "BatchId_batch-001" })
        XCTAssertTrue(rows.contains { $0["Batch Name"] == "Basic Java" })
        XCTAssertEqual(Set(rows.map { $0["User UUID"] ?? "" }), ["user-001", "user-002", "user-003", "user-004"])
        XCTAssertEqual(rows.map { $0["State"] ?? "" }.sorted(), ["Andhra Pradesh", "Delhi", "Karnataka", "Karnataka"])
        XCTAssertEqual(rows.map { $0["District"] ?? "" }.sorted(), ["babarpur", "bengaluru", "bengaluru", "bengaluru"])
        XCTAssertTrue(rows.contains { $0["Enrolment Date"] == "15/11/2019" })
        XCTAssertTrue(rows.contains { $0["Completion Date"] == "" })
        XCTAssertTrue(rows.contains { $0["Progress"] == "100" })
        XCTAssertTrue(rows.contains { $0["Cluster Name"] == "CLUSTER1" })
        XCTAssertTrue(rows.contains { $0["User Type"] == "administrator" })
        XCTAssertTrue(rows.contains { $0["User Sub Type"] == "deo" })
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUCCESS")
        XCTAssertEqual(r.errMessage, "")
        XCTAssertEqual(r.dtJobSubmitted, "2020-10-19 05:58:18.666")
        XCTAssertEqual(r.downloadUrls, ["progress-exhaust/\(Self.requestId)/batch-001_progress_\(date).zip"])
        XCTAssertNil(r.dtFileCreated)
        XCTAssertEqual(r.iteration, 0)
    }

    func testP1GenerateTheReportWithAllTheCorrectData() throws {
        try insertRP(#"{"batchId": "batch-001"}"#)
        let out = try bench.run("progress-exhaust")
        XCTAssertTrue(out.stdout.contains("1 request(s): 1 success, 0 failed, 0 duplicate"), out.stdout)  // the metrics
        try assertP1()
        // The spec's full derived content, exactly (header, order by User UUID, every cell).
        let rows = try bench.csv(p1Key, textKey: "test12")
        XCTAssertEqual(
            try bench.header(p1Key, textKey: "test12"),
            "Collection Id,Collection Name,Batch Id,Batch Name,User UUID,State,District,Org Name,School Id,School Name,Block Name,Cluster Name,User Type,User Sub Type,Declared Board,Enrolment Date,Completion Date,Certificate Status,Progress,Total Score"
                .split(separator: ",").map(String.init))
        let cells = [
            "User UUID", "State", "District", "Org Name", "School Id", "School Name", "Block Name", "Cluster Name",
            "User Type", "User Sub Type", "Declared Board", "Enrolment Date", "Progress", "Completion Date",
            "Certificate Status", "Total Score",
        ]
        XCTAssertEqual(
            rows.map { r in cells.map { r[$0] ?? "<missing>" } },
            [
                [
                    "user-001", "Karnataka", "bengaluru", "Root Org2", "3183211", "DPS, MATHURA", "BLOCK1", "CLUSTER1", "administrator", "deo",
                    "IGOT-Health", "16/11/2019", "100", "", "", "",
                ],
                ["user-002", "Andhra Pradesh", "bengaluru", "", "", "", "", "", "", "", "", "15/11/2019", "100", "", "", ""],
                ["user-003", "Karnataka", "bengaluru", "", "", "", "", "anagha", "administrator", "deo", "", "15/11/2019", "100", "", "", ""],
                ["user-004", "Delhi", "babarpur", "", "", "", "", "", "", "", "", "15/11/2019", "100", "", "", ""],
            ])
    }

    func testP2FileSizeLimitStopsTheRequestInBetween() throws {
        try insertRP(#"{"batchFilter": ["batch-001","batch-004"]}"#)
        try bench.run("progress-exhaust")
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUBMITTED")
        XCTAssertEqual(r.downloadUrls, [])
        XCTAssertNotNil(r.processedBatches)
        XCTAssertTrue(r.processedBatches?.contains("batch-001") ?? false, r.processedBatches ?? "nil")
        XCTAssertFalse(r.processedBatches?.contains("batch-004") ?? true, r.processedBatches ?? "nil")
    }

    func testP3LimitsWithPreviouslyCompletedRequest() throws {
        let done =
            #"[{"batchId":"batch-001","filePath":"progress-exhaust/37564CF8F134EE7532F125651B51D17F/batch-001_progress_20210509.zip","fileSize":0}]"#
        try insertRP(#"{"batchFilter": ["batch-001","batch-004"]}"#, extra: ["processed_batches": done])
        try bench.run("progress-exhaust")
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUCCESS")
        XCTAssertEqual(
            r.downloadUrls,
            [
                "progress-exhaust/37564CF8F134EE7532F125651B51D17F/batch-001_progress_20210509.zip",
                "progress-exhaust/37564CF8F134EE7532F125651B51D17F/batch-004_progress_\(date).zip",
            ])
        XCTAssertNotNil(r.processedBatches)
        // Only batch-004 ran: user-014 is not in the user cache, so its file has just the header.
        let batch004 = "progress-exhaust/\(Self.requestId)/batch-004_progress_\(date).zip"
        XCTAssertEqual(try bench.csv(batch004, textKey: "test12").count, 0)
        XCTAssertEqual(try bench.header(batch004, textKey: "test12").count, 20)  // the header-only file
        XCTAssertFalse(FileManager.default.fileExists(atPath: bench.blob + "/" + p1Key))
    }

    func testP4BatchesLimitByChannelStopsTheRequestInBetween() throws {
        let id = Self.requestId
        try insertRP(#"{"batchFilter": ["batch-004", "batch-005"]}"#, id: id + "-3")
        try insertRP(#"{"batchFilter": ["batch-002", "batch-003"]}"#, id: id + "-4")
        try insertRP(#"{"batchFilter": ["batch-004", "batch-002"]}"#, id: id + "-1")
        try insertRP(#"{"batchFilter": ["batch-003", "batch-004"]}"#, id: id + "-2")
        let out = try bench.run("progress-exhaust")
        XCTAssertTrue(out.stdout.contains("4 request(s): 1 success, 0 failed, 0 duplicate, 3 deferred"), out.stdout)
        let r4 = try bench.requestRow(id + "-4")
        XCTAssertEqual(r4.status, "SUBMITTED")
        XCTAssertEqual(r4.downloadUrls, [])
        XCTAssertNotNil(r4.processedBatches)
        let r3 = try bench.requestRow(id + "-3")
        XCTAssertEqual(r3.status, "SUCCESS")
        XCTAssertEqual(r3.downloadUrls, ["progress-exhaust/\(id)-3/batch-004_progress_\(date).zip"])
        XCTAssertNotNil(r3.processedBatches)
        for n in ["-1", "-2"] { XCTAssertEqual(try bench.requestRow(id + n).status, "SUBMITTED") }
    }

    func testP5FileSizeLimitByChannelStopsTheRequestInBetween() throws {
        let id = Self.requestId
        try insertRP(#"{"batchFilter": ["batch-001"]}"#, id: id + "-2")
        try insertRP(#"{"batchFilter": ["batch-002"]}"#, id: id + "-3")
        try insertRP(#"{"batchFilter": ["batch-004"]}"#, id: id + "-1")
        try bench.run("progress-exhaust")
        let r3 = try bench.requestRow(id + "-3")
        XCTAssertEqual(r3.status, "SUBMITTED")
        XCTAssertEqual(r3.downloadUrls, [])
        XCTAssertNotNil(r3.processedBatches)
        let r2 = try bench.requestRow(id + "-2")
        XCTAssertEqual(r2.status, "SUCCESS")
        XCTAssertEqual(r2.downloadUrls, ["progress-exhaust/\(id)-2/batch-001_progress_\(date).zip"])
        XCTAssertNotNil(r2.processedBatches)
    }

    func testP6DuplicateRequests() throws {
        let id = Self.requestId
        try insertRP(#"{"batchFilter": ["batch-004", "batch-003"]}"#, id: id + "-1", tag: "do_1130928636168192001667_batch-001:channel-01")
        try insertRP(#"{"batchFilter": ["batch-004", "batch-003"]}"#, id: id + "-2", tag: "do_1130928636168192001667_batch-001:channel-02")
        let out = try bench.run("progress-exhaust")
        XCTAssertTrue(out.stdout.contains("1 request(s): 0 success, 1 failed, 1 duplicate"), out.stdout)
        for n in ["-1", "-2"] {
            let r = try bench.requestRow(id + n)
            XCTAssertEqual(r.status, "FAILED", n)
            XCTAssertEqual(r.downloadUrls, [], n)
            XCTAssertNotNil(r.processedBatches, n)
            // batch-003's course has no hierarchy: that batch failed, batch-004 succeeded.
            XCTAssertEqual(r.errMessage, "no content_hierarchy row for collection do_1131975645014835201326", n)
            XCTAssertEqual(r.iteration, 1, n)
        }
    }

    func testP9LatestValueFromDateColumns() throws {
        try insertRP(#"{"batchId": "batch-001"}"#)
        try bench.run("progress-exhaust")
        let rows = try bench.csv(p1Key, textKey: "test12")
        XCTAssertEqual(rows.count, 4)
        let date = Dictionary(uniqueKeysWithValues: rows.map { ($0["User UUID"] ?? "", $0["Enrolment Date"] ?? "") })
        XCTAssertEqual(date["user-001"], "16/11/2019")
        XCTAssertEqual(date["user-002"], "15/11/2019")
        XCTAssertEqual(date["user-003"], "15/11/2019")
    }

    func testP10FilterInvalidAndDuplicateBatches() throws {
        try insertRP(#"{"batchFilter": ["batch-01", "batch-001", "batch-001"]}"#)
        try bench.run("progress-exhaust")
        try assertP1()
    }

    func testP11AllBatchesInvalidFailsTheRequest() throws {
        try insertRP(#"{"batchFilter": ["batch-01", "batch-02"]}"#)
        try bench.run("progress-exhaust")
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "FAILED")
        XCTAssertEqual(r.requestData, #"{"batchFilter": ["batch-01", "batch-02"]}"#)
        XCTAssertEqual(r.errMessage, "No data found")
        XCTAssertEqual(r.dtJobSubmitted, "2020-10-19 05:58:18.666")
        XCTAssertEqual(r.downloadUrls, [])
        XCTAssertNil(r.dtFileCreated)
        XCTAssertEqual(r.iteration, 1)
    }
}

/// The same cases on PostgreSQL + Redis + live HTTP (XCTest on Linux discovers only declared methods).
final class ProgressExhaustPostgresTests: ProgressExhaustTests {
    override var backend: Backend { .postgres }
    override func testP1GenerateTheReportWithAllTheCorrectData() throws { try super.testP1GenerateTheReportWithAllTheCorrectData() }
    override func testP2FileSizeLimitStopsTheRequestInBetween() throws { try super.testP2FileSizeLimitStopsTheRequestInBetween() }
    override func testP3LimitsWithPreviouslyCompletedRequest() throws { try super.testP3LimitsWithPreviouslyCompletedRequest() }
    override func testP4BatchesLimitByChannelStopsTheRequestInBetween() throws { try super.testP4BatchesLimitByChannelStopsTheRequestInBetween() }
    override func testP5FileSizeLimitByChannelStopsTheRequestInBetween() throws { try super.testP5FileSizeLimitByChannelStopsTheRequestInBetween() }
    override func testP6DuplicateRequests() throws { try super.testP6DuplicateRequests() }
    override func testP9LatestValueFromDateColumns() throws { try super.testP9LatestValueFromDateColumns() }
    override func testP10FilterInvalidAndDuplicateBatches() throws { try super.testP10FilterInvalidAndDuplicateBatches() }
    override func testP11AllBatchesInvalidFailsTheRequest() throws { try super.testP11AllBatchesInvalidFailsTheRequest() }
}

/// The PUBLIC_KEY level end to end (no upstream test reaches it): the host finds the organisation's
/// key through org search, downloads the PEM it names, and the report decrypts with the private key.
final class PublicKeyExhaustTests: XCTestCase {
    func testPublicKeyLevelEncryptsWithTheOrganisationsKey() throws {
        let keys = NSTemporaryDirectory() + "dp-keys-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: keys + "/http", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let oracle = Harness.repoRoot + "/Tests/Servers/exhaust_crypto_oracle.py"
        XCTAssertEqual(Harness.spawnAndWait("/usr/bin/env", ["python3", oracle, "keypair", keys]), 0)
        let pem = try String(contentsOfFile: keys + "/public.pem", encoding: .utf8)
        let search = Harness.repoRoot + "/Tests/Fixtures/exhaust/http-progress/content-search.json"
        try FileManager.default.copyItem(atPath: search, toPath: keys + "/http/content-search.json")
        let answers = JSONValue.object([
            (
                "answers",
                .array([
                    .object([("method", .string("POST")), ("path", .string("/api/content/v1/search")), ("bodyFile", .string("content-search.json"))]),
                    .object([
                        ("method", .string("POST")), ("path", .string("/private/v2/org/preferences/read")),
                        ("bodyContains", .string(#""key":"dataSecurityPolicy""#)),
                        ("body", try JSONParser.parse(#"{"result":{"response":{"data":{"level":"PUBLIC_KEY_ENCRYPTED_DATASET"}}}}"#)),
                    ]),
                    .object([
                        ("method", .string("POST")), ("path", .string("/private/v2/org/preferences/read")),
                        ("bodyContains", .string(#""key":"userPrivateFields""#)),
                        ("body", try JSONParser.parse(#"{"result":{"response":{"data":{"piiFields":[]}}}}"#)),
                    ]),
                    .object([
                        ("method", .string("POST")), ("path", .string("/private/v2/org/search")),
                        ("bodyContains", .string("b00bc992ef25f1a9a8d63291e20efc8d")),
                        (
                            "body",
                            try JSONParser.parse(
                                #"{"result":{"response":{"content":[{"keys":{"exhaustEncryptionKey":["https://keys.example/organisation/b00bc/Public%20Key.pem"]}}]}}}"#
                            )
                        ),
                    ]),
                    .object([("method", .string("GET")), ("path", .string("/organisation/b00bc/Public Key.pem")), ("body", .string(pem))]),
                ])
            )
        ])
        try answers.render().write(toFile: keys + "/http/answers.json", atomically: true, encoding: .utf8)
        let b = try ExhaustBench(.local, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        try b.config(
            "progress-exhaust",
            ProgressExhaustTests.config.replacingOccurrences(
                of: #""tenantPreferenceUrl""#, with: #""orgSearchUrl":"http://orgs.example/private/v2/org/search","tenantPreferenceUrl""#))
        try b.insert([
            "tag": "t:channel-01", "request_id": "PK1", "job_id": "progress-exhaust", "request_data": #"{"batchId": "batch-001"}"#,
            "requested_by": "user-002", "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d",
        ])
        let r = try Harness.run(
            b.runArguments("progress-exhaust").map { $0.hasPrefix("canned:") ? "canned:" + keys + "/http" : $0 }, cwd: b.home.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = try b.requestRow("PK1")
        XCTAssertEqual(row.status, "SUCCESS", row.errMessage ?? "")
        let zip = b.blob + "/progress-exhaust/PK1/batch-001_progress_\(Harness.reportDate()).zip"
        try Harness.unzip(zip, password: nil).write(to: URL(fileURLWithPath: keys + "/report.enc"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", oracle, "decrypt-rsa", keys + "/report.enc", keys + "/private.pem"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let csv = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(CSVText.records(csv).count, 4)
        XCTAssertTrue(csv.hasPrefix("Collection Id,Collection Name,Batch Id"), csv)
    }
}

/// Optional contents (the course cache's `<course>:<course>:optionalnodes` set) do not count towards
/// progress — no upstream fixture has any, so the rows are changed here: batch-001's course gets 4
/// leaves, user-001 completed 3 of them plus the optional one, user-002 one.
class OptionalNodesTests: XCTestCase {
    var backend: Backend { .local }

    func testOptionalNodesDoNotCountTowardsProgress() throws {
        let b = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl",
            httpDir: "http-progress", writable: true)
        try b.config("progress-exhaust", ProgressExhaustTests.config)
        let course = "do_1130928636168192001667"
        let status: [String: String] = ["user-001": #"{"c1":2,"c2":2,"c3":2,"opt1":2}"#, "user-002": #"{"c1":2,"c2":1}"#]
        let hierarchy = #"{"identifier":"do_1130928636168192001667","leafNodesCount":4,"children":[]}"#
        try b.setHierarchy(of: course, to: hierarchy)
        var extra: [String] = []
        switch backend {
        case .local:
            try b.rewriteLocalTable("sunbird_courses.user_enrolments.jsonl") { pairs in
                let row = JSONValue.object(pairs)
                guard row["batchid"]?.string == "batch-001", let s = row["userid"]?.string.flatMap({ status[$0] }) else { return pairs }
                return pairs + [("contentstatus", try JSONParser.parse(s))]
            }
            let sets = b.home.path + "/course-cache.jsonl"
            try #"{"key":"\#(course):\#(course):optionalnodes","members":["opt1"]}"#.write(toFile: sets, atomically: true, encoding: .utf8)
            extra = ["--course-redis", "local:" + sets]
        case .postgres:
            let conn = b.db!.conninfo
            for (u, s) in status {
                try Harness.psql(
                    conn, "UPDATE sunbird_courses.user_enrolments SET contentstatus = '\(s)' WHERE batchid = 'batch-001' AND userid = '\(u)'")
            }
            try b.redis!.cli(["SADD", "\(course):\(course):optionalnodes", "opt1"], db: 5)
            extra = ["--course-redis", b.redis!.url + "/5"]
        }
        func progress(_ extra: [String]) throws -> [String: String] {
            try b.reset()
            try b.insert([
                "tag": "t:channel-01", "request_id": "OPT", "job_id": "progress-exhaust", "request_data": #"{"batchId": "batch-001"}"#,
                "requested_by": "user-002", "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
            ])
            try b.run("progress-exhaust", extra)
            let rows = try b.csv("progress-exhaust/OPT/batch-001_progress_\(Harness.reportDate()).zip", textKey: "test12")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["User UUID"] ?? "", $0["Progress"] ?? "") })
        }
        XCTAssertEqual(try progress(extra), ["user-001": "75", "user-002": "25", "user-003": "0", "user-004": "0"])
        // Without a course cache the optional content counts (and the job log says so).
        XCTAssertEqual(try progress([])["user-001"], "100")
        XCTAssertTrue(try String(contentsOfFile: b.home.path + "/joblog.log", encoding: .utf8).contains("no course cache configured"))
    }
}

final class OptionalNodesPostgresTests: OptionalNodesTests {
    override var backend: Backend { .postgres }
    override func testOptionalNodesDoNotCountTowardsProgress() throws { try super.testOptionalNodesDoNotCountTowardsProgress() }
}

/// V1 scores on real attempts: no upstream V1 fixture has a supported assessment in its hierarchy, so
/// batch-001's course gets one (the SelfAssess content user-001 and user-002 attempted): best attempt,
/// `ceil(Σscore × 100 / Σmax)%`, and the per-content column empty for a grand total without '/' (Q20).
class ProgressScoresTests: XCTestCase {
    var backend: Backend { .local }

    func testTotalScoreFromTheBestAttemptsOfSupportedContents() throws {
        let b = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl",
            httpDir: "http-progress", writable: true)
        try b.config("progress-exhaust", ProgressExhaustTests.config)
        let course = "do_1130928636168192001667"
        let hierarchy =
            #"{"identifier":"do_1130928636168192001667","children":[{"identifier":"do_1128870328040161281204","contentType":"SelfAssess"}]}"#
        try b.setHierarchy(of: course, to: hierarchy)
        try b.insert([
            "tag": "t:channel-01", "request_id": "SC", "job_id": "progress-exhaust", "request_data": #"{"batchId": "batch-001"}"#,
            "requested_by": "user-002", "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
        ])
        try b.run("progress-exhaust")
        let key = "progress-exhaust/SC/batch-001_progress_\(Harness.reportDate()).zip"
        XCTAssertEqual(try b.header(key, textKey: "test12").last, "do_1128870328040161281204 - Score")
        let rows = try b.csv(key, textKey: "test12")
        let total = Dictionary(uniqueKeysWithValues: rows.map { ($0["User UUID"] ?? "", $0["Total Score"] ?? "?") })
        XCTAssertEqual(total, ["user-001": "100%", "user-002": "100%", "user-003": "", "user-004": ""])
        XCTAssertTrue(rows.allSatisfy { $0["do_1128870328040161281204 - Score"] == "" })  // grand_total "20"/"10": no '/'
    }
}

final class ProgressScoresPostgresTests: ProgressScoresTests {
    override var backend: Backend { .postgres }
    override func testTotalScoreFromTheBestAttemptsOfSupportedContents() throws { try super.testTotalScoreFromTheBestAttemptsOfSupportedContents() }
}
