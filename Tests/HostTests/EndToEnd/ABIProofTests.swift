import Foundation
import XCTest

/// Issue point 11: the ABI works from plain C, across separately built Swift plugins, and across
/// minor versions; other majors are refused (PluginRefusalTests) and crashes isolated (IsolationTests).
final class ABIProofTests: XCTestCase {
    var home: Harness.Home!

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.write("config/jobs/c-echo.json", "{}")
        // Types, nulls, quoting, an empty string, a JSON column; batches of 2 rows, so 2 batches.
        try home.write(
            "data/test.items.jsonl",
            """
            {"id":"a","n":1,"x":1.5,"ok":true,"tags":["x","y"]}
            {"id":"b,\\"q","n":-2,"x":20000000,"ok":false,"tags":{"k":1}}
            {"id":"","n":null}

            """)
    }

    /// Upstream's (Spark's) CSV dialect, the default: quotes inside quoted fields written as \".
    static let echoedItems = #"""
        id,n,x,ok,tags
        a,1,1.5,true,"[\"x\",\"y\"]"
        "b,\"q",-2,2.0E7,false,"{\"k\":1}"
        "",,,,

        """#

    /// The same rows with `csvDialect: rfc4180`: quotes doubled.
    static let echoedItemsRFC4180 = """
        id,n,x,ok,tags
        a,1,1.5,true,"[""x"",""y""]"
        "b,""q",-2,2.0E7,false,"{""k"":1}"
        "",,,,

        """

    func testPluginWrittenInC() throws {
        try home.install("libc-echo.so")
        try home.registry([("c-echo", Harness.abi, ["c-echo"], nil, nil)])
        let r = try home.run(["run", "c-echo"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/c-echo/items.csv"), Self.echoedItems)
        XCTAssertEqual(home.read("reports/c-echo/summary.csv"), "rows,plugin\n3,c-echo\n")
        // The host's own parameters apply to a C plugin too: RFC 4180 on request.
        try home.write("config/jobs/c-echo.json", #"{"modelParams": {"csvDialect": "rfc4180"}}"#)
        XCTAssertEqual(try home.run(["run", "c-echo"]).status, 0)
        XCTAssertEqual(home.read("reports/c-echo/items.csv"), Self.echoedItemsRFC4180)
        try home.write("config/jobs/c-echo.json", #"{"modelParams": {"csvDialect": "excel"}}"#)
        let bad = try home.run(["run", "c-echo"])
        XCTAssertEqual(bad.status, 65)
        XCTAssertTrue(
            bad.stderr.contains(#"config of job c-echo: modelParams.csvDialect: expected one of spark, rfc4180, got string "excel""#), bad.stderr)
    }

    func testPluginsBuiltAgainstOlderMinorsStillLoad() throws {
        // Compiled against the frozen ABI 1.0 and 1.1 headers (Tests/ABICompat/): smaller host tables.
        for (name, abi) in [
            ("c-echo-abi10", "1.0"), ("c-echo-abi11", "1.1"), ("c-echo-abi12", "1.2"), ("c-echo-abi13", "1.3"), ("c-echo-abi14", "1.4"),
            ("c-echo-abi15", "1.5"),
            ("c-echo-abi16", "1.6"), ("c-echo-abi17", "1.7"), ("c-echo-abi18", "1.8"), ("c-echo-abi19", "1.9"), ("c-echo-abi110", "1.10"),
            ("c-echo-abi111", "1.11"),
        ] {
            try home.install("lib\(name).so")
            try home.registry([(name, abi, ["c-echo"], nil, nil)])
            let v = try home.run(["plugins", "verify"])
            XCTAssertEqual(v.status, 0, v.stdout + v.stderr)
            XCTAssertTrue(v.stdout.contains("\(name) 0.1.0  ABI \(abi)  jobs c-echo  OK"), v.stdout)
            let r = try home.run(["run", "c-echo"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(home.read("reports/c-echo/items.csv"), Self.echoedItems)
            XCTAssertEqual(home.read("reports/c-echo/summary.csv"), "rows,plugin\n3,\(name)\n")
        }
    }

    func testTwoSeparatelyBuiltSwiftPluginsInOneHost() throws {
        try home.install("libswift-testkit.so")
        try home.install("liblern-userorg.so", from: Harness.pluginDir)
        try home.registry([
            ("swift-testkit", Harness.abi, ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"], nil, nil),
            ("lern-userorg", Harness.abi, ["admin-geo-reports"], nil, nil),
        ])
        // verify dlopens both into one process and reads both descriptors.
        let v = try home.run(["plugins", "verify"])
        XCTAssertEqual(v.status, 0, v.stdout + v.stderr)
        XCTAssertEqual(v.stdout.split(separator: "\n").filter { $0.contains("  OK") }.count, 2, v.stdout)
        // And each runs its job.
        try home.write(
            "config/jobs/test-echo.json",
            #"{"modelParams":{"table":"test.items","columns":"id:utf8,n:int64,ok:bool","eqColumn":"id","eqValue":"a"}}"#)
        let e = try home.run(["run", "test-echo", "--in-process"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(home.read("reports/echo/rows.csv"), "id,n,ok\na,1,true\n")
        try home.write("config/jobs/admin-geo-reports.json", "{}")
        let g = try home.run(["run", "admin-geo-reports", "--store", "local:" + (try Harness.fixture("lern/reports/reports_test_data"))])
        XCTAssertEqual(g.status, 0, g.stderr)
    }

    func testCannedHTTPAnswers() throws {
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"], nil, nil)])
        try home.write("http/answers.json", #"{"answers":[{"method":"POST","path":"/api/content/v1/search","status":200,"bodyFile":"search.json"}]}"#)
        try home.write("http/search.json", #"{"responseCode":"OK","result":{"count":712392}}"#)
        try home.write(
            "config/jobs/test-http.json",
            #"{"modelParams":{"method":"POST","url":"http://localhost:9080/api/content/v1/search","body":"{}"}}"#)
        let r = try home.run(["run", "test-http", "--http", "canned:" + home.path + "/http"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            home.read("reports/http/answer.json"),
            #"{"status":200,"body":"{\"responseCode\":\"OK\",\"result\":{\"count\":712392}}"}"# + "\n")
        // No canned answer: the job fails with a message naming the request.
        try home.write("config/jobs/test-http.json", #"{"modelParams":{"method":"GET","url":"http://x/api/nothing"}}"#)
        let miss = try home.run(["run", "test-http", "--http", "canned:" + home.path + "/http"])
        XCTAssertEqual(miss.status, 67)
        XCTAssertTrue(miss.stderr.contains("GET http://x/api/nothing: no canned answer for path /api/nothing"), miss.stderr)
        // No connector at all.
        let none = try home.run(["run", "test-http"])
        XCTAssertEqual(none.status, 67)
        XCTAssertTrue(none.stderr.contains("no HTTP connector configured"), none.stderr)
    }
}
