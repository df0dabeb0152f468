import Foundation
import PluginAPI
import XCTest
@testable import Host

/// The libcurl client against a real local HTTP server (Tests/Servers/recorded_http_server.py):
/// recorded answers, retries on 5xx and dropped connections, timeouts, the upstream header.
final class HTTPClientTests: XCTestCase {
    var server: Process!
    var base = ""
    var answersDir = ""

    override func setUpWithError() throws {
        answersDir = NSTemporaryDirectory() + "dp-http-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: answersDir, withIntermediateDirectories: true)
        try
            #"{"answers":[{"method":"POST","path":"/api/content/v1/search","status":200,"body":{"responseCode":"OK","result":{"count":712392}}},{"method":"GET","path":"/missing","status":404,"body":"nope"}]}"#
            .write(toFile: answersDir + "/answers.json", atomically: true, encoding: .utf8)
        let (process, port) = try ExhaustBench.startHTTP(answersDir + "/answers.json")
        server = process
        base = "http://127.0.0.1:\(port)"
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: answersDir)
    }

    func client(_ options: String = "backoffMs=10") throws -> CurlHTTP { try CurlHTTP(options: options) }

    func get(_ path: String, _ c: CurlHTTP) throws -> HTTPResponse {
        try c.send(HTTPRequest(method: "GET", url: base + path, headers: [], body: nil, timeoutMs: 0))
    }

    func calls(_ id: String) throws -> String { try get("/count/" + id, client()).body }

    func testRecordedAnswers() throws {
        let r = try client().send(
            HTTPRequest(
                method: "POST", url: base + "/api/content/v1/search", headers: [("Content-Type", "application/json")],
                body: #"{"request":{}}"#, timeoutMs: 0))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, #"{"responseCode": "OK", "result": {"count": 712392}}"#)
        let missing = try get("/missing", client())
        XCTAssertEqual(missing.status, 404, "4xx is returned, not retried or thrown")
    }

    func testRetriesServerErrorsThenSucceeds() throws {
        let r = try get("/flaky/a?fail=2", client("attempts=3,backoffMs=10"))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(try calls("flaky/a"), #"{"calls": 3}"#)
    }

    func testGivesUpAfterBoundedAttemptsAndReturnsTheLast5xx() throws {
        let r = try get("/flaky/b?fail=9&status=503", client("attempts=3,backoffMs=10"))
        XCTAssertEqual(r.status, 503)
        XCTAssertEqual(try calls("flaky/b"), #"{"calls": 3}"#)
    }

    func testRetriesDroppedConnections() throws {
        XCTAssertEqual(try get("/close/c?fail=1", client("attempts=2,backoffMs=10")).status, 200)
        XCTAssertThrowsError(try get("/close/d?fail=9", client("attempts=2,backoffMs=10"))) { e in
            XCTAssertEqual((e as? HostCallError)?.status, DP_ERROR_IO)
            XCTAssertTrue("\(e)".contains("attempt 2 of 2"), "\(e)")
        }
        XCTAssertEqual(try calls("close/d"), #"{"calls": 2}"#)
    }

    func testTimeoutOnStall() throws {
        let t0 = Date()
        XCTAssertThrowsError(try get("/stall?ms=3000", client("attempts=2,timeoutMs=300,backoffMs=10"))) { e in
            XCTAssertTrue("\(e)".lowercased().contains("timeout") || "\(e)".lowercased().contains("timed out"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 2.5, "two attempts of 300 ms, not the stall's 3 s each")
    }

    func testConnectionRefused() throws {
        XCTAssertThrowsError(
            try client("attempts=2,backoffMs=10").send(
                HTTPRequest(method: "GET", url: "http://127.0.0.1:1/x", headers: [], body: nil, timeoutMs: 0))
        ) { e in
            XCTAssertEqual((e as? HostCallError)?.status, DP_ERROR_IO)
        }
    }

    /// The SDK's paging helper: 25 items, 10 a page, is 3 POSTs and every item once.
    func testPluginPagesThroughASearchAPI() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-search"], nil, nil)])
        try home.write("config/jobs/test-search.json", #"{"modelParams":{"url":"\#(base)/search?total=25","limit":10}}"#)
        let r = try home.run(["run", "test-search", "--http", "live"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/search/ids.csv"), "identifier\n" + (0..<25).map { "do_\($0)\n" }.joined())
        XCTAssertEqual(try calls("search"), #"{"calls": 3}"#)
    }

    /// Through the ABI from a plugin: upstream's `user-id: analytics` header and JSON content type.
    func testPluginCallCarriesUpstreamHeaders() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-http"], nil, nil)])
        try home.write("config/jobs/test-http.json", #"{"modelParams":{"method":"POST","url":"\#(base)/echo","body":"{\"a\":1}"}}"#)
        let r = try home.run(["run", "test-http", "--http", "live"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let line = try XCTUnwrap(home.read("reports/http/answer.json"))
        let answer = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        XCTAssertEqual(answer["status"] as? Int, 200)
        let echo = try JSONSerialization.jsonObject(with: Data((answer["body"] as! String).utf8)) as! [String: Any]
        let headers = echo["headers"] as! [String: String]
        XCTAssertEqual(headers["user-id"], "analytics")
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertEqual(echo["body"] as? String, #"{"a":1}"#)
    }
}
