import DataproductsTestKit
import Foundation
import XCTest

/// Upstream `TestProgramUserInfoExhaustJoB` (lern-exhaust-spec §8.6; all 28 `ignore`d upstream, so
/// the expectations are the spec's derived ones), on the embedded default and on PostgreSQL + Redis.
/// The user-cache ciphertexts are ours (upstream's exact strings are not in the fixtures): values that
/// do not decrypt, except 1405f334's, encrypted with the platform scheme so decryption is exercised.
class ProgramUserExhaustTests: XCTestCase {
    var backend: Backend { .local }
    static var benches: [Backend: ExhaustBench] = [:]
    var bench: ExhaustBench!
    static let requestId = "37564AN8F134RR7532F125651B51S17D"
    /// The block's own fixtures (its user cache), and the platform's recorded API answers the SDK ships.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/"
    static let platformAnswers = Harness.repoRoot + "/Tests/Fixtures/exhaust/"
    /// Config C-ML (the deployed §6.1 params with store local).
    static let config = #"""
        {"search":{"type":"none"},"model":"org.sunbird.ml.exhaust.ProgramUserInfoExhaustJob","modelParams":{"store":"local","mode":"OnDemand","authorizedRoles":["PROGRAM_MANAGER"],"id":"program-user-exhaust","keyspace_name":"sunbird_programs",
        "table":[{"name":"program_enrollment","columns":["user_id","program_name","program_externalId","user_locations","user_type","user_sub_type","organisation_name","pii_consent_required"],"user_locations_columns":["state_name","district_name","block_name","cluster_name","school_code","school_name"]},{"name":"user","columns":["userid","firstname","lastname","email","phone","username"],"encrypted_columns":["email","phone"],"final_columns":["email","phone","username"]}],
        "label_mapping":{"user_id":"User UUID","username":"User Name(On user consent)","phone":"Mobile number(On user consent)","email":"Email ID(On user consent)","consentflag":"Consent Provided","consentprovideddate":"Consent Provided Date","program_name":"Program Name","program_externalId":"Program ID","state_name":"State","district_name":"District","block_name":"Block","cluster_name":"Cluster","school_code":"School Id","school_name":"School Name","user_type":"Usertype","user_sub_type":"Usersubtype","organisation_name":"Org Name"},
        "order_of_csv_column":["User UUID","User Name(On user consent)","Mobile number(On user consent)","Email ID(On user consent)","Consent Provided","Consent Provided Date","Program Name","Program ID","State","District","Block","Cluster","School Id","School Name","Usertype","Usersubtype","Org Name"],
        "sort":["District","Block","Cluster","School Id","User UUID"],"quote_column":["User Name(On user consent)","Program Name"],
        "sparkRedisConnectionHost":"localhost","sparkUserDbRedisIndex":"0","sparkCassandraConnectionHost":"localhost","sparkUserDbRedisPort":6381,
        "tenantPreferenceUrl":"{{base}}/private/v2/org/preferences/read"},
        "output":[{"to":"file","params":{"file":"ml_reports/"}}],"parallelization":8,"appName":"Program UserInfo Exhaust"}
        """#
    var zip: String { "ml_reports/program-user-exhaust/\(Self.requestId)_\(Harness.reportDate()).zip" }

    override func setUpWithError() throws {
        if Self.benches[backend] == nil {
            let b = try ExhaustBench(
                backend, fixture: "lern/exhaust/report_data", userCache: "usercache-ml.jsonl", httpDir: Self.platformAnswers + "http-progress",
                plugin: "ml",
                fixtures: Self.fixtures)
            try b.config("program-user-exhaust", Self.config)
            Self.benches[backend] = b
        }
        bench = Self.benches[backend]
        try bench.reset()
    }

    override class func tearDown() { benches = [:] }

    static func filter(_ name: String, _ op: String, _ value: String) -> String {
        #"{"name":"\#(name)","operator":"\#(op)","value":"\#(value)"}"#
    }

    /// request_data of R-ML: program_enrollment filters PE (program first) and the consent filters.
    static func data(program: String, _ pe: [String] = [], consent: [String]? = nil) -> String {
        let c = consent ?? [filter("object_id", "=", program)]
        return
            #"{"type":"program-user-exhaust","params":{"filters":[{"table_name":"program_enrollment","table_filters":[\#(([filter("program_id", "=", program)] + pe).joined(separator: ","))]},{"table_name":"user_consent","table_filters":[\#(c.joined(separator: ","))]}]},"title":"User Detail Report"}"#
    }

    func insertRML(_ data: String?, id: String = requestId, key: String? = "test1234", channel: String = "ORG_001") throws {
        try bench.insert([
            "tag": "program_601429016a1ef53356b1d714:01250894314817129555", "request_id": id, "job_id": "program-user-exhaust",
            "request_data": data, "requested_by": "ml-program-test-user-01", "requested_channel": channel,
            "dt_job_submitted": "2023-01-25 05:58:18.666", "encryption_key": key,
        ])
    }

    /// Outcome S (with †: dt_job_submitted), and the users of the report.
    @discardableResult
    func assertS(_ users: [String], id: String = requestId, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: String]] {
        let r = try bench.requestRow(id)
        XCTAssertEqual(r.status, "SUCCESS", r.errMessage ?? "", file: file, line: line)
        XCTAssertEqual(r.errMessage, "", file: file, line: line)
        let key = "ml_reports/program-user-exhaust/\(id)_\(Harness.reportDate()).zip"
        XCTAssertEqual(r.downloadUrls, [key], file: file, line: line)
        XCTAssertNil(r.dtFileCreated, file: file, line: line)
        XCTAssertEqual(r.iteration, 0, file: file, line: line)
        XCTAssertEqual(r.dtJobSubmitted, "2023-01-25 05:58:18.666", file: file, line: line)
        XCTAssertEqual(r.processedBatches, "[]", file: file, line: line)
        let rows = try bench.csv(key, textKey: "test1234")  // program-user-exhaust: TEXT_KEY_ENCRYPTED_DATASET
        XCTAssertEqual(rows.map { String(($0["User UUID"] ?? "").prefix(8)) }.sorted(), users.sorted(), file: file, line: line)
        return rows
    }

    func assertF(_ message: String = "No Data Found", file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try bench.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "FAILED", file: file, line: line)
        XCTAssertEqual(r.errMessage, message, file: file, line: line)
        XCTAssertEqual(r.downloadUrls, [], file: file, line: line)
        XCTAssertEqual(r.iteration, 1, file: file, line: line)  // QUIRK Q28 decided: one iteration, not two
    }

    func runCase(_ data: String?, key: String? = "test1234", channel: String = "ORG_001") throws {
        try insertRML(data, key: key, channel: channel)
        try bench.run("program-user-exhaust")
    }

    static let p1 = "602512d8e6aefa27d9629bc3"
    static let org = filter("organisation_id", "=", "0126796199493140480")
    static let districtAmethi = filter("user_locations['district_id']", "=", "48145de3-45f7-4500-ab0b-a97672cd81bb")
    static let districtAnantapur = filter("user_locations['district_id']", "=", "2f76dcf5-e43b-4f71-a3f2-c8f19e1fce03")

    func test01AllTheUsersOfAProgram() throws {
        try runCase(Self.data(program: Self.p1), channel: "default")
        let rows = try assertS(["3fa8dd7a", "19569316", "489be8be"])
        XCTAssertEqual(
            try bench.header(zip, textKey: "test1234"),
            "User UUID,User Name(On user consent),Mobile number(On user consent),Email ID(On user consent),Consent Provided,Consent Provided Date,Program Name,Program ID,State,District,Block,Cluster,School Id,School Name,Usertype,Usersubtype,Org Name"
                .split(separator: ",").map(String.init))
        // The spec's derived content, sorted by District.
        XCTAssertEqual(rows.map { $0["District"] ?? "" }, ["AGRA", "AMETHI", "ANANTAPUR"])
        let (a, b, c) = (rows[0], rows[1], rows[2])
        XCTAssertEqual(
            [a["Block"], a["School Id"], a["User Name(On user consent)"], a["Consent Provided"], a["Consent Provided Date"]],
            ["ACHHNERA", "09150206302", "", "No", ""])
        XCTAssertEqual(
            [b["Consent Provided"], b["Consent Provided Date"], b["User Name(On user consent)"]], ["Yes", "01/01/2023", "'Test user 1 '"])
        XCTAssertEqual(b["Email ID(On user consent)"], "bm90LWEtcGxhdGZvcm0tY2lwaGVydGV4dDoxOTUtZQ==")  // does not decrypt: as stored
        XCTAssertEqual(
            [c["Cluster"], c["Consent Provided"], c["Consent Provided Date"], c["User Name(On user consent)"]],
            ["ZPHS AGALI", "No", "07/11/2022", ""])  // QUIRK Q29: a revoked consent keeps its date
        XCTAssertTrue(rows.allSatisfy { $0["Program Name"] == "'Prerak Head Teacher of the Block 19-20'" })
    }
    func test02RequestDataNotPresent() throws { try runCase(nil); try assertF("Not a Valid Request") }
    func test03EncryptionKeyNotPresent() throws { try runCase(Self.data(program: Self.p1), key: nil); try assertF("Not a Valid Request") }
    func test04PIIConsentRequiredAndGiven() throws {
        try runCase(Self.data(program: "605083ba09b7bd61555580fb"))
        let rows = try assertS(["1405f334"])
        XCTAssertEqual(rows.first?["Email ID(On user consent)"], "orgadmin@example.org")  // decrypted by the host
        XCTAssertEqual(rows.first?["Mobile number(On user consent)"], "9999900001")
        XCTAssertEqual(rows.first?["User Name(On user consent)"], "'orgadmin Admin'")
        XCTAssertEqual(rows.first?["Consent Provided"], "Yes")
        XCTAssertEqual(rows.first?["Consent Provided Date"], "22/02/2022")
    }
    func test05PIIConsentRequiredButRevoked() throws {
        try runCase(Self.data(program: "607d3000aba99f53949dda45"))
        let rows = try assertS(["13b24110"])
        XCTAssertEqual(
            [rows.first?["Consent Provided"], rows.first?["Email ID(On user consent)"], rows.first?["User Name(On user consent)"]], ["No", "", ""])
    }
    func test06PIIConsentNotRequired() throws {
        try runCase(Self.data(program: "607d3000aba99f53949ddc35"))
        try assertS(["13b24110"])
        XCTAssertEqual(
            try bench.header(zip, textKey: "test1234"),
            "User UUID,Program Name,Program ID,State,District,Block,Cluster,School Id,School Name,Usertype,Usersubtype,Org Name".split(separator: ",")
                .map(String.init))
    }
    func test07AllTheCombinations() throws { try runCase(Self.data(program: Self.p1)); try assertS(["3fa8dd7a", "19569316", "489be8be"]) }
    func test08OrganisationStartAndEndDate() throws {
        try runCase(
            Self.data(program: Self.p1, [Self.org, Self.filter("updated_at", ">=", "2022-11-07"), Self.filter("updated_at", "<=", "2023-01-01")]))
        try assertS(["3fa8dd7a", "19569316"])
    }
    func test09DistrictStartAndEndDate() throws {
        let p = "607d320de9cce45e22ce90c0"
        try runCase(
            Self.data(
                program: p, [Self.districtAmethi, Self.filter("updated_at", ">=", "2022-04-16"), Self.filter("updated_at", "<=", "2022-05-16")]))
        try assertS(["13b24110"])
    }
    func test10StartDateDistrictAndOrganisation() throws {
        try runCase(Self.data(program: Self.p1, [Self.districtAmethi, Self.org, Self.filter("updated_at", ">=", "2022-12-22")]));
        try assertS(["19569316"])
    }
    func test11EndDateDistrictAndOrganisation() throws {
        try runCase(Self.data(program: Self.p1, [Self.districtAmethi, Self.org, Self.filter("updated_at", "<=", "2023-01-01")]));
        try assertS(["19569316"])
    }
    func test12StartDateAndDistrict() throws {
        try runCase(Self.data(program: Self.p1, [Self.districtAmethi, Self.filter("updated_at", ">=", "2022-12-22")])); try assertS(["19569316"])
    }
    func test13EndDateAndDistrict() throws {
        try runCase(Self.data(program: Self.p1, [Self.districtAnantapur, Self.filter("updated_at", "<=", "2022-11-07")])); try assertS(["489be8be"])
    }
    func test14StartDateAndOrganisation() throws {
        try runCase(Self.data(program: Self.p1, [Self.org, Self.filter("updated_at", ">=", "2022-11-07")])); try assertS(["3fa8dd7a", "19569316"])
    }
    func test15EndDateAndOrganisation() throws {
        try runCase(Self.data(program: Self.p1, [Self.org, Self.filter("updated_at", "<=", "2023-01-01")])); try assertS(["3fa8dd7a", "19569316"])
    }
    func test16StartDate() throws {
        try runCase(Self.data(program: Self.p1, [Self.filter("updated_at", ">=", "2022-11-07")])); try assertS(["3fa8dd7a", "19569316", "489be8be"])
    }
    func test17EndDate() throws {
        try runCase(Self.data(program: Self.p1, [Self.filter("updated_at", "<=", "2023-01-01")])); try assertS(["3fa8dd7a", "19569316", "489be8be"])
    }
    func test18District() throws { try runCase(Self.data(program: Self.p1, [Self.districtAnantapur])); try assertS(["489be8be"]) }
    func test19Organisation() throws { try runCase(Self.data(program: Self.p1, [Self.org])); try assertS(["3fa8dd7a", "19569316"]) }
    func test20FilterDoesNotMatch() throws { try runCase(Self.data(program: "602512d8e6aefa27d9629bc3123")); try assertF() }
    func test21MultipleFiltersDoNotMatch() throws {
        try runCase(
            Self.data(
                program: "602512d8e6aefa27d9629bc3123", [Self.filter("user_locations['district_id']", "=", "2f76dcf5-e43b-4f71-a3f2-c8f19e1fce0345")])
        )
        try assertF()
    }
    func test23UserConsentFilterWithoutTableName() throws {
        let data =
            #"{"type":"program-user-exhaust","params":{"filters":[{"table_name":"program_enrollment","table_filters":[\#(Self.filter("program_id", "=", Self.p1))]},{}]},"title":"User Detail Report"}"#
        try runCase(data)
        try assertF()
    }
    func test24NoQuoteColumn() throws {
        try bench.config(
            "program-user-exhaust", Self.config.replacingOccurrences(of: #""quote_column":["User Name(On user consent)","Program Name"],"#, with: ""))
        defer { try? bench.config("program-user-exhaust", Self.config) }
        try runCase(Self.data(program: Self.p1))
        let rows = try assertS(["3fa8dd7a", "19569316", "489be8be"])
        XCTAssertTrue(rows.allSatisfy { $0["Program Name"] == "'Prerak Head Teacher of the Block 19-20'" })  // the default quote_column applies
    }
    /// 25 "cover exceptional methods": (a) an unknown security level fails the request, saying so.
    func test25UnknownSecurityLevelFailsTheRequest() throws {
        let b = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "usercache-ml.jsonl", httpDir: Self.platformAnswers + "http-unknown-level",
            plugin: "ml",
            fixtures: Self.fixtures)
        try b.config("program-user-exhaust", Self.config)
        try b.insert([
            "tag": "t", "request_id": Self.requestId, "job_id": "program-user-exhaust", "request_data": Self.data(program: Self.p1),
            "requested_by": "u", "requested_channel": "ORG_001", "encryption_key": "test1234",
        ])
        try b.run("program-user-exhaust")
        let r = try b.requestRow(Self.requestId)
        XCTAssertEqual(r.status, "FAILED")
        XCTAssertEqual(r.errMessage, "Internal Server Error: unknown data security level '123'")
        XCTAssertEqual(r.downloadUrls, [])
    }
    func test26MultipleUserConsentFilters() throws {
        let p = "6194f8d4db43ec4400a33b7c"
        try runCase(
            Self.data(program: p, consent: [Self.filter("object_id", "=", p), Self.filter("user_id", "=", "13b24110-af97-430a-9d2c-0dd7ef6dccaa")]))
        let rows = try assertS(["efa2ab2e", "13b24110"])
        let efa = rows.first { $0["User UUID"]?.hasPrefix("efa2ab2e") == true }
        XCTAssertEqual([efa?["Consent Provided"], efa?["Consent Provided Date"], efa?["Email ID(On user consent)"]], ["No", "", ""])
        let tn = rows.first { $0["User UUID"]?.hasPrefix("13b24110") == true }
        XCTAssertEqual([tn?["Consent Provided"], tn?["Consent Provided Date"]], ["Yes", "16/04/2022"])
    }
    func test27DuplicateRequests() throws {
        let data = Self.data(program: Self.p1, [Self.filter("updated_at", "<=", "2022-12-23")])
        try insertRML(data)
        try insertRML(data, id: "37564AN8F134RR7532F125651B51S17F")
        let out = try bench.run("program-user-exhaust")
        XCTAssertTrue(out.stdout.contains("1 request(s): 1 success, 0 failed, 1 duplicate"), out.stdout)
        try assertS(["3fa8dd7a", "489be8be"])
        let dup = try bench.requestRow("37564AN8F134RR7532F125651B51S17F")
        XCTAssertEqual([dup.status, dup.errMessage, dup.dtJobSubmitted], ["SUCCESS", "", "2023-01-25 05:58:18.666"])
        XCTAssertEqual(dup.downloadUrls, [zip])  // the original's report (QUIRK Q2, kept)
    }
    /// 28 "execute the saveToFile method": an empty result with TEXT_KEY still writes nothing and fails cleanly.
    func test28EmptyResultWritesNothing() throws {
        try runCase(Self.data(program: "no-such-program"))
        try assertF()
        XCTAssertFalse(FileManager.default.fileExists(atPath: bench.blob + "/ml_reports"))
    }
}

final class ProgramUserExhaustPostgresTests: ProgramUserExhaustTests {
    override var backend: Backend { .postgres }
    override func test01AllTheUsersOfAProgram() throws { try super.test01AllTheUsersOfAProgram() }
    override func test02RequestDataNotPresent() throws { try super.test02RequestDataNotPresent() }
    override func test03EncryptionKeyNotPresent() throws { try super.test03EncryptionKeyNotPresent() }
    override func test04PIIConsentRequiredAndGiven() throws { try super.test04PIIConsentRequiredAndGiven() }
    override func test05PIIConsentRequiredButRevoked() throws { try super.test05PIIConsentRequiredButRevoked() }
    override func test06PIIConsentNotRequired() throws { try super.test06PIIConsentNotRequired() }
    override func test07AllTheCombinations() throws { try super.test07AllTheCombinations() }
    override func test08OrganisationStartAndEndDate() throws { try super.test08OrganisationStartAndEndDate() }
    override func test09DistrictStartAndEndDate() throws { try super.test09DistrictStartAndEndDate() }
    override func test10StartDateDistrictAndOrganisation() throws { try super.test10StartDateDistrictAndOrganisation() }
    override func test11EndDateDistrictAndOrganisation() throws { try super.test11EndDateDistrictAndOrganisation() }
    override func test12StartDateAndDistrict() throws { try super.test12StartDateAndDistrict() }
    override func test13EndDateAndDistrict() throws { try super.test13EndDateAndDistrict() }
    override func test14StartDateAndOrganisation() throws { try super.test14StartDateAndOrganisation() }
    override func test15EndDateAndOrganisation() throws { try super.test15EndDateAndOrganisation() }
    override func test16StartDate() throws { try super.test16StartDate() }
    override func test17EndDate() throws { try super.test17EndDate() }
    override func test18District() throws { try super.test18District() }
    override func test19Organisation() throws { try super.test19Organisation() }
    override func test20FilterDoesNotMatch() throws { try super.test20FilterDoesNotMatch() }
    override func test21MultipleFiltersDoNotMatch() throws { try super.test21MultipleFiltersDoNotMatch() }
    override func test23UserConsentFilterWithoutTableName() throws { try super.test23UserConsentFilterWithoutTableName() }
    override func test24NoQuoteColumn() throws { try super.test24NoQuoteColumn() }
    override func test25UnknownSecurityLevelFailsTheRequest() throws { try super.test25UnknownSecurityLevelFailsTheRequest() }
    override func test26MultipleUserConsentFilters() throws { try super.test26MultipleUserConsentFilters() }
    override func test27DuplicateRequests() throws { try super.test27DuplicateRequests() }
    override func test28EmptyResultWritesNothing() throws { try super.test28EmptyResultWritesNothing() }
}
