import Foundation
import RowBatch
import XCTest
import DataproductsTestKit

/// The user cache indexer (lern-jobs-spec §13, framework-spec B9) on the embedded store with its
/// SQLite user cache, and on PostgreSQL with a real redis-server. Upstream's only test is `ignore`d
/// and unusable as written (its fixture has no users), so these rows are ours: three users covering
/// every stage, a stale hash, a user gone from the table and an anonymous user already cached.
class UserCacheIndexerTests: XCTestCase {
    var backend: Backend { .local }
    /// What the Redis server of the PostgreSQL runs requires.
    var redisAuth: RedisServer.Auth? { nil }
    var bench: LernJobBench!
    var home: Harness.Home { bench.home }
    var cache = ""

    static let users = [
        #"{"id":"u1","userid":"u1","firstname":"Asha","lastname":"Rao","email":"enc-a","phone":"enc-p","rootorgid":"custodian-org","framework":{"board":["CBSE","ICSE"],"id":["NCF"],"medium":["English"],"gradeLevel":["Class 1"],"subject":["Math"]},"profilelocation":"[{\"type\":\"state\",\"id\":\"s1\"},{\"type\":\"district\",\"id\":\"d1\"}]","profileusertypes":"[{\"type\":\"teacher\",\"subType\":\"hm\"},{\"type\":\"teacher\"},{\"type\":\"parent\",\"subType\":\"\"}]","updateddate":"2024-01-05 10:00:00:000+0000"}"#,
        #"{"id":"u2","userid":"u2","firstname":"Ravi","rootorgid":"root-2","updateddate":"2023-12-01 08:00:00:000+0000"}"#,
        #"{"id":"u3","userid":"u3","firstname":"Meena","rootorgid":"root-2"}"#,
    ]
    static let links = [
        #"{"userid":"u1","organisationid":"custodian-org","isdeleted":false}"#,
        #"{"userid":"u2","organisationid":"root-2","isdeleted":false}"#,
        #"{"userid":"u2","organisationid":"school-1","isdeleted":false}"#,
        #"{"userid":"u3","organisationid":"school-1","isdeleted":true}"#,
    ]
    static let orgs = [
        #"{"id":"custodian-org","orgname":"Custodian","organisationtype":"5"}"#,
        #"{"id":"root-2","orgname":"State Board","organisationtype":"5"}"#,
        #"{"id":"school-1","orgname":"GHS [Main]","organisationtype":"2","externalid":"UDISE9"}"#,
    ]
    static let locations = [#"{"id":"s1","name":"Karnataka","type":"state"}"#, #"{"id":"d1","name":"Bengaluru","type":"district"}"#]
    /// Already in the cache: u1 with a stale field, a user no longer in the table, an anonymous user.
    static let cached: [(key: String, fields: [(String, String)])] = [
        ("user:u1", [("firstname", "Old"), ("oldfield", "x")]),
        ("user:gone", [("firstname", "Gone"), ("usersignintype", "Validated")]),
        ("user:anon1", [("usersignintype", "Anonymous"), ("userlogintype", "guest"), ("device", "d-1")]),
        ("user:nosignin", [("userlogintype", "sso"), ("device", "d-2")]),
    ]

    override func setUpWithError() throws {
        bench = try LernJobBench(backend, plugin: "obsrv")
        bench.redisAuth = redisAuth
        let tables = home.path + "/tables"
        try home.write("tables/sunbird.user.jsonl", Self.users.joined(separator: "\n") + "\n")
        try home.write("tables/sunbird.user_organisation.jsonl", Self.links.joined(separator: "\n") + "\n")
        try home.write("tables/sunbird.organisation.jsonl", Self.orgs.joined(separator: "\n") + "\n")
        try home.write("tables/sunbird.location.jsonl", Self.locations.joined(separator: "\n") + "\n")
        try home.write("tables/sunbird.system_settings.jsonl", #"{"id":"custodianOrgId","field":"custodianOrgId","value":"custodian-org"}"# + "\n")
        cache = try bench.userCache(Self.cached, tables: tables)
    }

    override func tearDown() { bench = nil }

    @discardableResult
    func runIndexer(_ params: String = "", expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        try home.write(
            "config/jobs/user-cache-indexer.json",
            #"{"search":{"type":"none"},"model":"org.sunbird.userorg.job.report.UserCacheIndexerJob","modelParams":{\#(params)}}"#)
        let r = try home.run(["run", "user-cache-indexer", "--store", bench.store, "--redis", cache, "--log-file", home.path + "/joblog.log"])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r
    }

    /// Every hash of database `db` (nil: the user cache's), as key → fields.
    func hashes(db: Int? = nil) throws -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        if let redis = bench.redis {
            let keys = try redis.cli(["--scan", "--pattern", "*"], db: db ?? 0).split(separator: "\n").map(String.init)
            for key in keys {
                let flat = try redis.cli(["HGETALL", key], db: db ?? 0).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                out[key] = Dictionary(uniqueKeysWithValues: stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) })
            }
        } else {
            let file = String(cache.dropFirst("sqlite:".count)), table = Self.cacheTable(db)
            guard !(try Harness.sqlite(file, "SELECT name FROM sqlite_master WHERE name = ?", [[table]])).isEmpty else { return [:] }
            for row in try Harness.sqlite(file, "SELECT key, fields FROM \(table)") {
                let pairs = try JSONParser.parse(row[1] ?? "{}").objectPairs ?? []
                out[row[0] ?? ""] = Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, $0.1.string ?? $0.1.render()) })
            }
        }
        return out
    }

    /// Seeds database `db` (upstream's anonymous input database) with these hashes.
    func seed(db: Int, _ rows: [(String, [(String, String)])]) throws {
        if let redis = bench.redis {
            for (key, fields) in rows { try redis.cli(["HSET", key] + fields.flatMap { [$0.0, $0.1] }, db: db) }
        } else {
            let file = String(cache.dropFirst("sqlite:".count)), table = Self.cacheTable(db)
            try Harness.sqlite(file, "CREATE TABLE \(table) (key TEXT PRIMARY KEY, fields BLOB) WITHOUT ROWID")
            try Harness.sqlite(
                file, "INSERT INTO \(table) VALUES (?, CAST(? AS BLOB))",
                rows.map { [$0.0, JSONValue.object($0.1.map { ($0.0, .string($0.1)) }).render()] })
        }
    }

    static let u1: [String: String] = [
        "firstname": "Asha", "lastname": "Rao", "email": "enc-a", "phone": "enc-p", "rootorgid": "custodian-org",
        "medium": #"["English"]"#, "subject": #"["Math"]"#, "grade": #"["Class 1"]"#, "board": "ICSE", "framework": "NCF",
        "usersignintype": "Self-Signed-In", "orgname": "Custodian", "state": "Karnataka", "district": "Bengaluru",
        "usertype": "teacher,parent", "usersubtype": "hm",
        "profileusertypes": #"[{"type":"teacher","subType":"hm"},{"type":"teacher"},{"type":"parent","subType":""}]"#,
    ]

    /// Lern mode, defaults: every user merged in (the date QUIRK decided: empty = no filter); stale
    /// fields and other keys stay, as a merge leaves them.
    func testMergeIndexesEveryUserWithAllStages() throws {
        try runIndexer()
        let h = try hashes()
        XCTAssertEqual(h["user:u1"], Self.u1.merging(["oldfield": "x"]) { a, _ in a })
        XCTAssertEqual(
            h["user:u2"],
            [
                "firstname": "Ravi", "rootorgid": "root-2", "usersignintype": "Validated", "orgname": "State Board",
                "schoolname": #"GHS \[Main\]"#, "schooludisecode": "UDISE9",
            ])
        // u3's only link is deleted: no orgname, no school.
        XCTAssertEqual(h["user:u3"], ["firstname": "Meena", "rootorgid": "root-2", "usersignintype": "Validated"])
        XCTAssertEqual(h["user:gone"]?["firstname"], "Gone")
        XCTAssertEqual(h["user:anon1"]?["device"], "d-1")
        XCTAssertEqual(bench.jobEnd?["inputEvents"]?.int, 3)
        XCTAssertEqual(bench.jobEnd?["outputEvents"]?.int, 3)
    }

    /// refreshUserData: the cache becomes exactly the table's users plus the anonymous users (whole).
    func testRefreshReplacesTheCacheAndKeepsAnonymousUsers() throws {
        try runIndexer(#""refreshUserData":"true""#)
        let h = try hashes()
        XCTAssertEqual(Set(h.keys), ["user:u1", "user:u2", "user:u3", "user:anon1", "user:nosignin"])
        // u1's stale hash has no usersignintype: it counts as anonymous upstream, yet must not shadow u1.
        XCTAssertEqual(h["user:u1"], Self.u1)
        XCTAssertEqual(h["user:anon1"], ["usersignintype": "Anonymous", "userlogintype": "guest", "device": "d-1"])
        XCTAssertEqual(h["user:nosignin"], ["userlogintype": "sso"])
        XCTAssertEqual(bench.jobEnd?["outputEvents"]?.int, 5)
        // Nothing left behind in the staging database.
        if bench.redis != nil { XCTAssertEqual(try bench.redis!.cli(["DBSIZE"], db: 15), "0") }
    }

    /// fromSpecificDate: users updated that day or later, and users never updated.
    func testFromSpecificDateKeepsLaterAndNeverUpdatedUsers() throws {
        try runIndexer(#""fromSpecificDate":"2024-01-01","refreshUserData":"true""#)
        XCTAssertEqual(Set(try hashes().keys), ["user:u1", "user:u3", "user:anon1", "user:nosignin"])
        let bad = try runIndexer(#""fromSpecificDate":"01/01/2024""#, expect: 67)
        XCTAssertTrue(bad.stderr.contains("fromSpecificDate must be a day yyyy-MM-dd"), bad.stderr)
    }

    /// populateAnonymousData: anonymous (or sign-in-less) users of the input database copied in,
    /// their sign-in and login types only; the indexed cache is not touched otherwise.
    func testPopulateAnonymousCopiesFromTheInputDatabase() throws {
        try seed(
            db: 4,
            [
                ("user:a1", [("usersignintype", "Anonymous"), ("userlogintype", "x"), ("other", "o")]),
                ("user:a2", [("usersignintype", "Validated"), ("userlogintype", "y")]), ("user:a3", [("userlogintype", "z")]),
            ])
        try runIndexer(#""populateAnonymousData":"true""#)
        let h = try hashes()
        XCTAssertEqual(h["user:a1"], ["usersignintype": "Anonymous", "userlogintype": "x"])
        XCTAssertEqual(h["user:a3"], ["userlogintype": "z"])
        XCTAssertNil(h["user:a2"])
        XCTAssertEqual(h["user:u1"], ["firstname": "Old", "oldfield": "x"])
        XCTAssertEqual(bench.jobEnd?["outputEvents"]?.int, 2)
    }

    /// Obsrv's positional mode: one user, its old hash deleted first, the rest untouched.
    func testObsrvArgumentsIndexOneUser() throws {
        try runIndexer(#""arguments":["u1","null","false","true"]"#)
        let h = try hashes()
        XCTAssertEqual(h["user:u1"], Self.u1)
        XCTAssertNil(h["user:u2"])
        XCTAssertEqual(h["user:gone"]?["firstname"], "Gone")
        let bad = try runIndexer(#""arguments":["u1"]"#, expect: 67)
        XCTAssertTrue(bad.stderr.contains("arguments: expected 4"), bad.stderr)
    }

    /// The embedded user cache's table for Redis database `db` (the host's layout: dp_user_cache, dp_user_cache_<db>).
    static func cacheTable(_ db: Int?) -> String { db.map { "dp_user_cache_\($0)" } ?? "dp_user_cache" }

    /// How many hashes the user cache holds now (DBSIZE, or the embedded table's rows).
    func cacheSize() throws -> Int {
        if let redis = bench.redis { return Int(try redis.cli(["DBSIZE"])) ?? -1 }
        let rows = try Harness.sqlite(String(cache.dropFirst("sqlite:".count)), "SELECT count(*) FROM \(Self.cacheTable(nil))")
        return rows.first?.first.flatMap { $0.flatMap { Int($0) } } ?? -1
    }

    final class Outcome: @unchecked Sendable { var result: Harness.Result? }  // written before `done` is signalled

    /// Loads 20,000 more users, runs `beforeStart`, then starts a refresh of the cache on another
    /// thread; `done` is signalled once it ended, with its result in the outcome.
    func refreshTwentyThousandUsersInTheBackground(_ beforeStart: () throws -> Void) throws -> (Outcome, DispatchSemaphore) {
        let users = (0..<20_000).map { #"{"id":"x\#($0)","userid":"x\#($0)","firstname":"F\#($0)","rootorgid":"root-2"}"# }
        try home.write("many/sunbird.user.jsonl", users.joined(separator: "\n") + "\n")
        try bench.load(home.path + "/many")
        try beforeStart()
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            outcome.result = try? self.home.run([
                "run", "user-cache-indexer", "--store", self.bench.store, "--redis", self.cache, "--set", "user_cache_refresh=true",
                "--config", Harness.jobTemplate("user-cache-indexer"),
            ])
            done.signal()
        }
        return (outcome, done)
    }

    /// A reader sampling the cache while a refresh of 20,000 users runs sees the old cache (the
    /// fixture's 5 hashes) or the new one (20,000 users and the 2 carried-over anonymous hashes),
    /// never an empty or half-built one.
    func testReadersNeverSeeAHalfBuiltRefresh() throws {
        let (outcome, done) = try refreshTwentyThousandUsersInTheBackground {
            let before = try self.cacheSize()
            XCTAssertEqual(before, Self.cached.count)
        }
        let before = Self.cached.count
        var samples: [Int] = []
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut { samples.append(try cacheSize()) }
        samples.append(try cacheSize())
        XCTAssertEqual(outcome.result?.status, 0, outcome.result?.stderr ?? "")
        let after = 20_003 + 2
        XCTAssertEqual(samples.last, after)
        XCTAssertEqual(Set(samples).subtracting([before, after]), [], "a reader saw a cache of another size")
        // Each sample is a python3 sqlite3 client (~50 ms), so a refresh of a few seconds gives a handful.
        XCTAssertGreaterThanOrEqual(samples.filter { $0 == before }.count, 2, "the refresh ended before a reader could look")
    }

    /// The first refresh of a deployment: no cache yet (the embedded store without its table, an
    /// empty Redis database) is built from nothing.
    func testRefreshBuildsACacheWhereThereWasNone() throws {
        if let redis = bench.redis {
            try redis.cli(["FLUSHDB"])
        } else {
            try Harness.sqlite(String(cache.dropFirst("sqlite:".count)), "DROP TABLE \(Self.cacheTable(nil))")
        }
        try runIndexer(#""refreshUserData":"true""#)
        XCTAssertEqual(Set(try hashes().keys), ["user:u1", "user:u2", "user:u3"])
    }

    /// Lern mode ignores specificUserId, as upstream (the deployed config passes a bucket name there).
    func testLernModeIgnoresSpecificUserId() throws {
        try runIndexer(#""specificUserId":"u2""#)
        XCTAssertEqual(Set(try hashes().keys).intersection(["user:u1", "user:u2", "user:u3"]).count, 3)
    }
}

final class UserCacheIndexerRedisTests: UserCacheIndexerTests {
    override var backend: Backend { .postgres }
    override func testMergeIndexesEveryUserWithAllStages() throws { try super.testMergeIndexesEveryUserWithAllStages() }
    override func testRefreshReplacesTheCacheAndKeepsAnonymousUsers() throws { try super.testRefreshReplacesTheCacheAndKeepsAnonymousUsers() }
    override func testFromSpecificDateKeepsLaterAndNeverUpdatedUsers() throws { try super.testFromSpecificDateKeepsLaterAndNeverUpdatedUsers() }
    override func testPopulateAnonymousCopiesFromTheInputDatabase() throws { try super.testPopulateAnonymousCopiesFromTheInputDatabase() }
    override func testObsrvArgumentsIndexOneUser() throws { try super.testObsrvArgumentsIndexOneUser() }
    override func testLernModeIgnoresSpecificUserId() throws { try super.testLernModeIgnoresSpecificUserId() }
    override func testReadersNeverSeeAHalfBuiltRefresh() throws { try super.testReadersNeverSeeAHalfBuiltRefresh() }
    override func testRefreshBuildsACacheWhereThereWasNone() throws { try super.testRefreshBuildsACacheWhereThereWasNone() }

    /// Redis killed (SIGKILL) while a refresh writes its staging database: the job fails with 67
    /// naming Redis and the cause, promptly, and does not crash.
    func testRedisKilledMidRefreshFailsTheJobClearly() throws {
        let redis = try XCTUnwrap(bench.redis)
        let (outcome, done) = try refreshTwentyThousandUsersInTheBackground {}
        let deadline = Date().addingTimeInterval(60)
        while (Int((try? redis.cli(["DBSIZE"], db: 15)) ?? "") ?? 0) == 0, Date() < deadline { usleep(2_000) }
        redis.kill()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the job did not end after Redis died")
        let r = try XCTUnwrap(outcome.result)
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("Redis redis://127.0.0.1:\(redis.port)"), r.stderr)
        print("Redis killed mid-refresh: \(r.stderr.split(separator: "\n").last ?? "")")
        try redis.start()
    }
}

/// Issue 31 class 5: a Redis with `requirepass` (its password full of URL-reserved characters, given
/// percent-encoded) is used for every database the indexer touches: the cache, the refresh's staging
/// database swapped in, the anonymous input database.
final class UserCacheIndexerRedisPasswordTests: UserCacheIndexerTests {
    override var backend: Backend { .postgres }
    override var redisAuth: RedisServer.Auth? { .password("p@ss:w/rd %?#") }
    override func testMergeIndexesEveryUserWithAllStages() throws { try super.testMergeIndexesEveryUserWithAllStages() }
    override func testRefreshReplacesTheCacheAndKeepsAnonymousUsers() throws { try super.testRefreshReplacesTheCacheAndKeepsAnonymousUsers() }
    override func testPopulateAnonymousCopiesFromTheInputDatabase() throws { try super.testPopulateAnonymousCopiesFromTheInputDatabase() }
}

/// The same with a Redis ACL user (the default user switched off): `AUTH user password`.
final class UserCacheIndexerRedisACLUserTests: UserCacheIndexerTests {
    override var backend: Backend { .postgres }
    override var redisAuth: RedisServer.Auth? { .user("indexer", password: "s3cret-ACL") }
    override func testMergeIndexesEveryUserWithAllStages() throws { try super.testMergeIndexesEveryUserWithAllStages() }
    override func testRefreshReplacesTheCacheAndKeepsAnonymousUsers() throws { try super.testRefreshReplacesTheCacheAndKeepsAnonymousUsers() }
    override func testPopulateAnonymousCopiesFromTheInputDatabase() throws { try super.testPopulateAnonymousCopiesFromTheInputDatabase() }
}
