import Foundation
import XCTest
import DataproductsTestKit
import RowBatch

/// Upstream `TestUserInfoExhaustJob` (lern-exhaust-spec §8.5), every case, on the embedded default and
/// on PostgreSQL + Redis + a real HTTP server. Upstream's cases share one output folder and run in
/// order; here each stands alone, so the assertions that relied on an earlier test's file say so.
class UserInfoExhaustTests: XCTestCase {
    var backend: Backend { .local }
    static var benches: [Backend: ExhaustBench] = [:]
    var bench: ExhaustBench!
    static let requestId = "37564CF8F134EE7532F125651B51D17F"
    static let csvColumns =
        #"["courseid", "collectionName", "batchid", "batchName", "userid", "username", "state", "district", "orgname", "email", "phone","consentflag", "consentprovideddate", "block", "cluster", "usertype", "usersubtype", "schooludisecode", "schoolname"]"#
    static let hostKeys =
        #""contentSearchUrl":"{{base}}/api/content/v1/search","tenantPreferenceUrl":"{{base}}/private/v2/org/preferences/read","batchesLimitPerChannel":3,"fileSizeLimitPerChannel":100,"batchLimitPerRequest":4"#
    /// Config C-U.
    static let config = """
        {"search":{"type":"none"},"model":"org.sunbird.lms.exhaust.collection.UserInfoExhaustJob","modelParams":{"store":"local","mode":"OnDemand","batchFilters":["TPD"],"searchFilter":{},"sparkElasticsearchConnectionHost":"localhost","sparkRedisConnectionHost":"localhost","sparkUserDbRedisIndex":"0","sparkCassandraConnectionHost":"localhost","sparkUserDbRedisPort":6381,"fromDate":"","toDate":"","storageContainer":"","csvColumns":\(csvColumns),\(hostKeys)},"parallelization":8,"appName":"UserInfo Exhaust"}
        """
    var date: String { Harness.reportDate() }
    func zip(_ batch: String) -> String { "userinfo-exhaust/\(Self.requestId)/\(batch)_userinfo_\(date).zip" }

    override func setUpWithError() throws {
        if Self.benches[backend] == nil {
            Self.benches[backend] = try ExhaustBench(
                backend, fixture: "lern/exhaust/report_data", userCache: "usercache-userinfo.jsonl",
                httpDir: "http-userinfo")
        }
        bench = Self.benches[backend]
        try bench.reset()
        try bench.config("userinfo-exhaust", Self.config)
        try? FileManager.default.removeItem(atPath: bench.home.reports)
    }

    override class func tearDown() { benches = [:] }

    /// Row R-U.
    func insertRU(
        _ data: String, channel: String, key: String?, tag: String = "do_1131350140968632321230_batch-001:channel-01",
        extra: [String: String?] = [:]
    ) throws {
        try bench.insert(
            [
                "tag": tag, "request_id": Self.requestId, "job_id": "userinfo-exhaust", "request_data": data,
                "requested_by": "user-002", "requested_channel": channel, "encryption_key": key,
            ].merging(extra) { $1 })
    }

    func assertFailed(_ message: String, iteration: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "FAILED", file: file, line: line)
        XCTAssertEqual(r.errMessage, message, file: file, line: line)
        XCTAssertEqual(r.downloadUrls, [], file: file, line: line)
        XCTAssertEqual(r.iteration, iteration, file: file, line: line)
    }

    /// The list assertions of U1 (also U10's).
    func assertU1Lists(_ rows: [[String: String]]) {
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows.contains { $0["Collection Id"] == "do_1130928636168192001667" })
        XCTAssertTrue(rows.contains { $0["Collection Name"] == "24 aug course" })
        XCTAssertTrue(rows.contains { $0["Batch Name"] == "Basic Java" })
        XCTAssertTrue(rows.contains { $0["Batch Id"] == "BatchId_batch-001" })
        XCTAssertEqual(Set(rows.map { $0["User UUID"] ?? "" }), ["user-001", "user-002", "user-003", "user-004"])
        XCTAssertEqual(rows.map { $0["State"] ?? "" }.sorted(), ["Andhra Pradesh", "Delhi", "Karnataka", "Karnataka"])
        XCTAssertEqual(rows.map { $0["District"] ?? "" }.sorted(), ["babarpur", "bengaluru", "bengaluru", "bengaluru"])
        XCTAssertTrue(rows.contains { $0["Org Name"] == "Pre-prod Custodian Organization" })
        XCTAssertTrue(rows.contains { $0["Block"] == "BLOCK1" })
        XCTAssertTrue(rows.contains { $0["Cluster"] == "CLUSTER1" })
        XCTAssertTrue(rows.contains { $0["User Type"] == "administrator" })
        XCTAssertTrue(rows.contains { $0["User Sub Type"] == "deo" })
    }

    func testU1AllTheUsersOfABatch() throws {
        try insertRU(#"{"batchId": "batch-001"}"#, channel: "b00bc992ef25f1a9a8d63291e20efc8d", key: "test12")
        try bench.run("userinfo-exhaust")
        let rows = try bench.csv(zip("batch-001"), password: "test12")  // level PASSWORD_PROTECTED_DATASET
        assertU1Lists(rows)
        let u1 = try XCTUnwrap(rows.first { $0["User UUID"] == "user-001" })
        XCTAssertEqual(u1["State"], "Karnataka")
        XCTAssertEqual(u1["District"], "bengaluru")
        XCTAssertEqual(u1["Org Name"], "Root Org2")
        XCTAssertEqual(u1["Block"], "BLOCK1")
        XCTAssertEqual(u1["Cluster"], "CLUSTER1")
        XCTAssertEqual(u1["User Type"], "administrator")
        XCTAssertEqual(u1["User Sub Type"], "deo")
        XCTAssertEqual(u1["School Id"], "3183211")
        XCTAssertEqual(u1["School Name"], "DPS, MATHURA")
        // The spec's derived U1 rows (not asserted upstream).
        let derived = rows.sorted { ($0["User UUID"] ?? "") < ($1["User UUID"] ?? "") }
            .map { [$0["User Name"], $0["Email ID"], $0["Mobile Number"], $0["Consent Provided"], $0["Consent Provided Date"]].map { $0 ?? "?" } }
        XCTAssertEqual(
            derived,
            [
                ["Manju Kapoor", "", "", "true", "19/09/2019"], ["Mahesh", "mahesh@ilimi.in", "", "true", ""],
                ["Sowmya", "sowmya@ilimi.in", "", "true", "19/09/2019"], ["Utkarsha", "utkarsha@ilimi.in", "", "true", ""],
            ])
        XCTAssertThrowsError(try Harness.unzip(bench.blob + "/" + zip("batch-001"), password: "wrong"))  // ZipCrypto-protected
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUCCESS")
        XCTAssertEqual(r.errMessage, "")
        XCTAssertEqual(r.dtJobSubmitted, "2020-10-19 05:58:18.666")
        XCTAssertEqual(r.downloadUrls, [zip("batch-001")])
        XCTAssertNil(r.dtFileCreated)
        XCTAssertEqual(r.iteration, 0)
    }

    /// U2 (no upstream assertion; derived): the custodian org's request gives a header-only file.
    func testU2RequestedChannelIsTheCustodianOrg() throws {
        try bench.config(
            "userinfo-exhaust",
            Self.config.replacingOccurrences(of: #""sparkUserDbRedisIndex":"0""#, with: #""sparkUserDbRedisIndex":"12""#)
                .replacingOccurrences(of: #","sparkUserDbRedisPort":6381"#, with: ""))
        try insertRU(
            #"{"batchId": "batch-001"}"#, channel: "0130107621805015045", key: "test12",
            extra: ["dt_file_created": "2020-10-19 05:58:18.666"])
        try bench.run("userinfo-exhaust")
        XCTAssertEqual(try bench.csv(zip("batch-001"), password: "test12").count, 0)
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUCCESS")
        XCTAssertEqual(r.dtFileCreated, "2020-10-19 05:58:18.666")  // QUIRK Q5 decided: stored times are kept
    }

    func testU3EncryptionKeyNotProvided() throws {
        try insertRU(#"{"batchId": "batch-001"}"#, channel: "b00bc992ef25f1a9a8d63291e20efc8d", key: nil)
        try bench.run("userinfo-exhaust")
        try assertFailed("Request should have either of batchId, batchFilter, searchFilter or encrption key")
    }

    func testU4RequestDataNotPresent() throws {
        try insertRU(#"{"batchId": "", "searchFilter": {}}"#, channel: "channel-01", key: "test123")
        try bench.run("userinfo-exhaust")
        try assertFailed("No data found")
    }

    func testU5BatchLimitExceeded() throws {
        try insertRU(#"{"batchFilter": ["batch-001", "batch-002",  "batch-003",  "batch-002", "batch-006"]}"#, channel: "channel-01", key: "test123")
        try bench.run("userinfo-exhaust")
        try assertFailed("Number of batches in request exceeded. It should be within 4")
    }

    func testU6RequestDataIsEmpty() throws {
        try insertRU(#"{}"#, channel: "channel-01", key: "test123")
        try bench.run("userinfo-exhaust")
        try assertFailed("Request should have either of batchId, batchFilter, searchFilter or encrption key")
    }

    func testU7BatchIdNotPresentInOnDemandMode() throws {
        try insertRU(#"{}"#, channel: "channel-01", key: "test12", tag: "do_1131350140968632321230_batch-002:channel-01")
        try bench.run("userinfo-exhaust")
        try assertFailed("Request should have either of batchId, batchFilter, searchFilter or encrption key")
    }

    func testU8UserConsentNotPresent() throws {
        try insertRU(
            #"{"batchId": "batch-002"}"#, channel: "channel-01", key: "test12", tag: "do_1130505638695649281726_batch-002:channel-01",
            extra: ["dt_job_completed": "2021-03-30 17:50:18.922"])
        try bench.run("userinfo-exhaust")
        try assertFailed("Invalid request. User info exhaust is not applicable for collections which don't request for user consent to share data")
    }

    func testU9OnlyOtherJobsRequests() throws {
        try bench.insert([
            "tag": "do_1131350140968632321230_batch-001:channel-01", "request_id": Self.requestId, "job_id": "progress-exhaust",
            "request_data": #"{"batchId": "batch-001"}"#, "requested_by": "user-002", "requested_channel": "channel-01",
            "encryption_key": "test12", "dt_file_created": "2020-10-19 05:58:18.666",
        ])
        let out = try bench.run("userinfo-exhaust")
        XCTAssertTrue(out.stdout.contains("0 request(s)"), out.stdout)
        XCTAssertEqual(try bench.requestRow(Self.requestId).status, "SUBMITTED")
    }

    /// U10: standalone mode (QUIRK Q17 decided: the CSV is the result and the run succeeds).
    func testU10StandaloneMode() throws {
        try bench.config(
            "userinfo-exhaust",
            Self.config.replacingOccurrences(
                of: #""mode":"OnDemand""#,
                with: #""mode":"standalone", "batchId": "batch-001","batchFilter":["TPD"]"#))
        let r = try bench.runStandalone("userinfo-exhaust")
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(
            contentsOfFile: bench.home.reports + "/userinfo-exhaust/batch-001_userinfo_\(ReportDatesForTests.today).csv", encoding: .utf8)
        assertU1Lists(CSVText.records(csv))
    }

    /// U11 (derived): another org's admin sees only its own users — none here: header-only, SUCCESS.
    func testU11RequestedByAnotherOrg() throws {
        try insertRU(#"{"batchId": "batch-001"}"#, channel: "channel-01", key: "test12")
        try bench.run("userinfo-exhaust")
        XCTAssertEqual(try bench.csv(zip("batch-001"), password: "test12").count, 0)
        XCTAssertEqual(try bench.requestRow(Self.requestId).status, "SUCCESS")
    }

    /// U13: no modelParams. Upstream fails with `None.get`; QUIRK Q11 decided: the failed PII/column
    /// check stops the request with its own message.
    func testU13WithoutModelParams() throws {
        try bench.config(
            "userinfo-exhaust",
            #"{"search":{"type":"none"},"model":"org.sunbird.lms.exhaust.collection.UserInfoExhaustJob","parallelization":8,"appName":"UserInfo Exhaust"}"#
        )
        try insertRU(#"{"batchId": "batch-001"}"#, channel: "b00bc992ef25f1a9a8d63291e20efc8d", key: "test12")
        try bench.run("userinfo-exhaust")
        try assertFailed("Request Security Level is not matching with PII fields or csvColumns CSV columns configured. Please check.")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bench.blob + "/" + zip("batch-001")))
    }

    func testU14ExcludesUsersWithoutConsent() throws {
        try insertRU(#"{"batchId": "batch-006"}"#, channel: "b00bc992ef25f1a9a8d63291e20efc8d", key: "test12")
        try bench.run("userinfo-exhaust")
        let rows = try bench.csv(zip("batch-006"), password: "test12")
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(Set(rows.map { $0["User UUID"] ?? "" }), ["user-015", "user-016"])  // user-017 REVOKED
        let u = try XCTUnwrap(rows.first { $0["User UUID"] == "user-015" })
        XCTAssertEqual(
            [
                u["State"], u["District"], u["Org Name"], u["Block"], u["Cluster"], u["User Type"], u["User Sub Type"], u["School Id"],
                u["School Name"],
            ],
            ["Karnataka", "bengaluru", "Root Org2", "BLOCK1", "CLUSTER1", "administrator", "deo", "3183211", "DPS, MATHURA"])
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "SUCCESS")
        XCTAssertEqual(r.errMessage, "")
        XCTAssertEqual(r.dtJobSubmitted, "2020-10-19 05:58:18.666")
        XCTAssertEqual(r.downloadUrls, [zip("batch-006")])
        XCTAssertNil(r.dtFileCreated)
        XCTAssertEqual(r.iteration, 0)
    }
}

enum ReportDatesForTests {
    static var today: String { Harness.reportDate() }
}

final class UserInfoExhaustPostgresTests: UserInfoExhaustTests {
    override var backend: Backend { .postgres }
    override func testU1AllTheUsersOfABatch() throws { try super.testU1AllTheUsersOfABatch() }
    override func testU2RequestedChannelIsTheCustodianOrg() throws { try super.testU2RequestedChannelIsTheCustodianOrg() }
    override func testU3EncryptionKeyNotProvided() throws { try super.testU3EncryptionKeyNotProvided() }
    override func testU4RequestDataNotPresent() throws { try super.testU4RequestDataNotPresent() }
    override func testU5BatchLimitExceeded() throws { try super.testU5BatchLimitExceeded() }
    override func testU6RequestDataIsEmpty() throws { try super.testU6RequestDataIsEmpty() }
    override func testU7BatchIdNotPresentInOnDemandMode() throws { try super.testU7BatchIdNotPresentInOnDemandMode() }
    override func testU8UserConsentNotPresent() throws { try super.testU8UserConsentNotPresent() }
    override func testU9OnlyOtherJobsRequests() throws { try super.testU9OnlyOtherJobsRequests() }
    override func testU10StandaloneMode() throws { try super.testU10StandaloneMode() }
    override func testU11RequestedByAnotherOrg() throws { try super.testU11RequestedByAnotherOrg() }
    override func testU13WithoutModelParams() throws { try super.testU13WithoutModelParams() }
    override func testU14ExcludesUsersWithoutConsent() throws { try super.testU14ExcludesUsersWithoutConsent() }
}
