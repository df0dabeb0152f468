import Foundation
import XCTest

/// Config rendering and exit codes as an operator meets them.
final class CLITests: XCTestCase {
    var home: Harness.Home!

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-echo"], nil, nil)])
    }

    func testRenderPrintsEffectiveConfig() throws {
        try home.write("config/env/dev.json", #"{"host":"dev-db","secret":"p\"w"}"#)
        try home.write("config/jobs/test-echo.json",
                       #"{"model":"test-echo","modelParams":{"h":"{{ host }}","s":"{{secret}}","n":{{ n | default(8) }},"d":"{{ d | default('x y') }}"}}"#)
        let r = try home.run(["render", "test-echo", "--env", "dev", "--set", "n=3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            {
              "model": "test-echo",
              "modelParams": {
                "h": "dev-db",
                "s": "p\\"w",
                "n": 3,
                "d": "x y"
              }
            }

            """)
    }

    func testUnknownVariablesAreNamedAndExit65() throws {
        try home.write("config/jobs/test-echo.json", #"{"a":"{{ first }}","b":"{{ second }}","c":"{{ first }}"}"#)
        let r = try home.run(["run", "test-echo"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("unknown template variables: first, second"), r.stderr)
    }

    func testBadJSONConfigExit65() throws {
        try home.write("config/jobs/test-echo.json", #"{"model": }"#)
        let r = try home.run(["run", "test-echo"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("is not valid JSON"), r.stderr)
    }

    func testMissingStoreFolderExit65() throws {
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"ks.t","columns":"a:utf8"}}"#)
        let r = try home.run(["run", "test-echo", "--store", "local:/nonexistent/dir"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("local store folder /nonexistent/dir does not exist"), r.stderr)
    }

    func testMissingTableFailsJobWithClearMessage() throws {
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"ks.nope","columns":"a:utf8"}}"#)
        let r = try home.run(["run", "test-echo"])
        XCTAssertEqual(r.status, 67)
        XCTAssertTrue(r.stderr.contains("table ks.nope not found in local store"), r.stderr)
    }

    func testWrongColumnTypeFailsJobNamingRowAndColumn() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n" + #"{"a":2}"# + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8"}}"#)
        let r = try home.run(["run", "test-echo"])
        XCTAssertEqual(r.status, 67)
        XCTAssertTrue(r.stderr.contains("t.x line 2 column a: cannot read 2 as utf8"), r.stderr)
        XCTAssertEqual(home.reportFiles(), [])
    }

    func testHelpOnEveryCommand() throws {
        for cmd in [[], ["run"], ["render"], ["plugins"], ["plugins", "list"], ["plugins", "verify"], ["plugins", "manifest"]] {
            let r = try Harness.run(cmd + ["--help"])
            XCTAssertEqual(r.status, 0, "\(cmd)")
            XCTAssertTrue(r.stdout.contains("USAGE:"), "\(cmd): \(r.stdout)")
        }
        XCTAssertTrue(try Harness.run(["--help"]).stdout.contains("68 job crashed"))
    }

    func testUsageErrorExit64() throws {
        XCTAssertEqual(try Harness.run(["run", "--timeout", "abc"]).status, 64)
    }
}
