import Foundation
import JobParameters
import PluginAPI
import XCTest
@testable import Host
import RowBatch

/// The Redis user cache over hiredis against a real redis-server.
final class RedisTests: XCTestCase {
    var server: RedisServer!

    override func setUpWithError() throws { server = try RedisServer() }
    override func tearDown() { server?.stop() }

    func settings(db: Int = 0) throws -> RedisSettings { try RedisSettings(url: "\(server.url)/\(db)") }

    func read(_ client: RedisClient, _ keys: [String], _ fields: [String]) throws -> ([[Value]], [Int]) {
        var rows: [[Value]] = [], sizes: [Int] = []
        try client.read(keys: keys, fields: fields) { b in
            let batch = try b.exportedRows()
            sizes.append(batch.count)
            rows += batch
        }
        return (rows, sizes)
    }

    func testPipelinedHMGETInOrderAcrossBatches() throws {
        // 2,500 users written with redis-cli's pipe mode; every 7th key missing.
        let proto = (0..<2500).filter { $0 % 7 != 0 }.map { "HSET user:\($0) firstname F\($0) email e\($0)@x" }.joined(separator: "\n")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        p.arguments = ["-p", String(server.port)]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data(proto.utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        let (rows, sizes) = try read(RedisClient(settings()), (0..<2500).map { "user:\($0)" }, ["firstname", "nosuch", "email"])
        XCTAssertEqual(sizes, [1000, 1000, 500], "one batch per pipeline round trip")
        XCTAssertEqual(rows[1], [.string("user:1"), .string("F1"), .null, .string("e1@x")])
        XCTAssertEqual(rows[7], [.string("user:7"), .null, .null, .null], "a missing key reads as nulls")
        XCTAssertEqual(rows[2498], [.string("user:2498"), .string("F2498"), .null, .string("e2498@x")])
        XCTAssertEqual(rows[2499], [.string("user:2499"), .null, .null, .null])
    }

    func testHGETALLAsJSONAndDatabaseIndex() throws {
        try server.cli(["HSET", "user:9", "a", "1", "b", "x\"y"], db: 3)
        let (rows, _) = try read(RedisClient(settings(db: 3)), ["user:9", "user:0"], [])
        XCTAssertEqual(rows, [[.string("user:9"), .json(#"{"a":"1","b":"x\"y"}"#)], [.string("user:0"), .null]])
        XCTAssertEqual(try read(RedisClient(settings(db: 0)), ["user:9"], []).0, [[.string("user:9"), .null]], "db 0 is another database")
    }

    /// A key that is not a hash fails its read clearly, and the next read on the same client gets its
    /// own replies (the failed pipeline's unread replies must not be taken for the next one's).
    func testAFailedReadLeavesTheClientInStep() throws {
        try server.cli(["HSET", "user:1", "firstname", "One"])
        try server.cli(["HSET", "user:2", "firstname", "Two"])
        try server.cli(["SET", "user:bad", "a string"])
        let client = RedisClient(try settings())
        XCTAssertThrowsError(try read(client, ["user:1", "user:bad", "user:2"], ["firstname"])) {
            XCTAssertTrue("\($0)".contains("WRONGTYPE"), "\($0)")
        }
        XCTAssertEqual(
            try read(client, ["user:2", "user:1"], ["firstname"]).0,
            [[.string("user:2"), .string("Two")], [.string("user:1"), .string("One")]])
    }

    func testReconnectsAfterServerRestart() throws {
        let client = RedisClient(try settings())
        client.backoffMs = 50
        try server.cli("HSET", "user:1", "n", "before")
        XCTAssertEqual(try read(client, ["user:1"], ["n"]).0[0][1], .string("before"))
        server.stop()
        try server.start()  // same port, empty
        try server.cli("HSET", "user:1", "n", "after")
        XCTAssertEqual(try read(client, ["user:1"], ["n"]).0[0][1], .string("after"), "the dropped connection is replaced")
    }

    func testServerDownFailsClearly() throws {
        server.stop()
        let client = RedisClient(try settings())
        client.backoffMs = 10
        XCTAssertThrowsError(try read(client, ["user:1"], ["n"])) { e in
            XCTAssertEqual((e as? HostCallError)?.status, DP_ERROR_IO)
            XCTAssertTrue("\(e)".contains("Redis redis://127.0.0.1:\(server.port)/0"), "\(e)")
        }
    }

    func testSettingsFromUpstreamModelParams() throws {
        let params = try JSONParser.parse(
            #"{"sparkRedisConnectionHost":"cache.internal","sparkUserDbRedisPort":"6381","sparkUserDbRedisIndex":"12"}"#)
        let declared = HostParameters.all.map(\.declaration)
        XCTAssertEqual(RedisSettings(parameters: try ResolvedParameters(params, declared: declared))?.url, "redis://cache.internal:6381/12")
        XCTAssertNil(RedisSettings(parameters: try ResolvedParameters(try JSONParser.parse("{}"), declared: declared)))
        XCTAssertThrowsError(try RedisSettings(url: "http://x"))
        XCTAssertThrowsError(try RedisSettings(url: "redis://x:1/notanumber"))
    }

    /// Through the ABI from a plugin: pipelined HSET, then HMGET/HGETALL.
    func testPluginWritesAndReads() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-redis"], nil, nil)])
        try home.write(
            "config/jobs/test-redis.json",
            """
            {"modelParams":{"sparkRedisConnectionHost":"127.0.0.1","sparkUserDbRedisPort":"\(server.port)","sparkUserDbRedisIndex":"2",
             "write":[{"key":"user:a","firstname":"Ann","state":"KA"},{"key":"user:b","firstname":"Bo"}],
             "keys":["user:a","user:b","user:c"],"fields":["firstname","state"]}}
            """)
        let r = try home.run(["run", "test-redis"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/redis/rows.csv"), "key,firstname,state\nuser:a,Ann,KA\nuser:b,Bo,\nuser:c,,\n")
        XCTAssertEqual(try server.cli(["HGET", "user:a", "state"], db: 2), "KA", "written where modelParams say (db 2)")
    }
}
