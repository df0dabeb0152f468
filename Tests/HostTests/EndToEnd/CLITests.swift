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
        try home.write(
            "config/jobs/test-echo.json",
            #"{"model":"test-echo","modelParams":{"table":"t.x","columns":"a:utf8","h":"{{ host }}","s":"{{secret}}","n":{{ n | default(8) }},"d":"{{ d | default('x y') }}"}}"#
        )
        let r = try home.run(["render", "test-echo", "--env", "dev", "--set", "n=3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            r.stdout,
            """
            {
              "model": "test-echo",
              "modelParams": {
                "table": "t.x",
                "columns": "a:utf8",
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

    func testUnknownJobExit66NamesTheKnownIds() throws {
        let r = try home.run(["run", "no-such-job"])
        XCTAssertEqual(r.status, 66, r.stderr)
        XCTAssertTrue(r.stderr.contains("unknown job 'no-such-job'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("known jobs: test-echo"), r.stderr)
        XCTAssertFalse(r.stderr.contains("config file"), "the job is checked before its config: \(r.stderr)")
    }

    /// The connector libraries are opened on first use: a job on the embedded store maps none of
    /// them (the dynamic loader's own trace says which libraries a run loads); a PostgreSQL one maps libpq.
    func testConnectorLibrariesLoadOnFirstUse() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8"}}"#)
        let r = try home.run(
            ["run", "test-echo", "--in-process", "--store", "local:" + home.path + "/data", "--log-file", home.path + "/log.jsonl"],
            environment: ["LD_DEBUG": "files"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for lib in ["libpq.so", "libhiredis.so", "libcurl.so", "libzip.so", "librdkafka.so"] {
            XCTAssertFalse(r.stderr.contains("file=" + lib), "\(lib) loaded for a local job")
        }
        guard let pg = ProcessInfo.processInfo.environment["DATAPRODUCTS_TEST_PG"] else { return }
        let p = try home.run(
            ["run", "test-echo", "--in-process", "--store", "postgres:" + pg, "--log-file", home.path + "/log.jsonl"],
            environment: ["LD_DEBUG": "files"])
        XCTAssertTrue(p.stderr.contains("file=libpq.so"), "a PostgreSQL scan opens libpq (exit \(p.status))")
    }

    func testWrongOrMissingParametersExit65BeforeAnyWork() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"columns":"a:utf8","batchRows":"many","csvDialect":"tsv"}}"#)
        let r = try home.run(["run", "test-echo", "--log-file", home.path + "/log.jsonl"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("config of job test-echo: "), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"modelParams.csvDialect: expected one of spark, rfc4180, got string "tsv""#), r.stderr)
        XCTAssertTrue(r.stderr.contains("modelParams.table is required (string: keyspace.table to echo)"), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"modelParams.batchRows: expected an integer, got string "many""#), r.stderr)
        XCTAssertNil(home.read("log.jsonl"), "no job started")
        XCTAssertEqual(home.reportFiles(), [])
        // render checks the same, so a bad template is found before cron runs it.
        XCTAssertEqual(try home.run(["render", "test-echo"]).status, 65)
    }

    func testParametersAreListedFromTheManifestAndRendered() throws {
        let list = try home.run(["plugins", "list", "--params"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("batchRows      int default 3  — rows per scan batch"), list.stdout)
        XCTAssertTrue(list.stdout.contains("table          string required  — keyspace.table to echo"), list.stdout)
        XCTAssertTrue(list.stdout.contains("csvDialect"), "the host's own keys: \(list.stdout)")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8","batchRows":"7"}}"#)
        let r = try home.run(["render", "test-echo", "--params"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("batchRows                              int = 7  — rows per scan batch"), r.stdout)
        XCTAssertTrue(r.stdout.contains(#"csvDialect                             string = "spark" (default) one of spark|rfc4180"#), r.stdout)
    }

    func testRenderWithoutTheBuiltPluginStillRendersAndSaysWhatWasNotChecked() throws {
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"batchRows":"many"}}"#)
        try FileManager.default.removeItem(atPath: home.plugins + "/libswift-testkit.manifest.json")
        let r = try home.run(["render", "test-echo"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""batchRows": "many""#), r.stdout)
        XCTAssertTrue(r.stderr.contains("warning: test-echo's own parameters are not checked: manifest"), r.stderr)
        XCTAssertEqual(try home.run(["run", "test-echo"]).status, 66, "running it is refused")
    }

    func testReadingAColumnTheScanDidNotRequestFailsTheJobNamingIt() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1","b":"2"}"# + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8","alsoRead":"b"}}"#)
        let r = try home.run(["run", "test-echo"])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("scan of t.x: the job read column 'b', which the scan did not request (it has a)"), r.stderr)
        XCTAssertEqual(home.reportFiles(), [])
    }

    /// An installed binary finds its deployment from any folder: $DATAPRODUCTS_HOME, else the
    /// folders above the executable; with neither, the error says how to point it there.
    func testFindsItsDeploymentFromAnyFolder() throws {
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8"}}"#)
        try FileManager.default.createDirectory(atPath: home.path + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Harness.binary, toPath: home.path + "/bin/dataproducts")
        let installed = try Harness.run(["run", "test-echo"], cwd: "/", executable: home.path + "/bin/dataproducts")
        XCTAssertEqual(installed.status, 0, installed.stderr)
        XCTAssertEqual(home.read("reports/echo/rows.csv"), "a\n1\n")

        let elsewhere = try Harness.Home()
        try FileManager.default.createDirectory(atPath: elsewhere.path + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Harness.binary, toPath: elsewhere.path + "/bin/dataproducts")
        let lost = try Harness.run(["plugins", "list"], cwd: "/", executable: elsewhere.path + "/bin/dataproducts")
        XCTAssertEqual(lost.status, 65)
        XCTAssertTrue(lost.stderr.contains("pass --home DIR or set DATAPRODUCTS_HOME"), lost.stderr)
        let pointed = try Harness.run(
            ["plugins", "list"], cwd: "/", environment: ["DATAPRODUCTS_HOME": home.path],
            executable: elsewhere.path + "/bin/dataproducts")
        XCTAssertEqual(pointed.status, 0, pointed.stderr)
        XCTAssertTrue(pointed.stdout.contains("swift-testkit"), pointed.stdout)
    }

    /// On a terminal the host draws what it sees the job do (rows read per table, rows written per
    /// report, rate) on one line it rewrites, cleared before any log line; off a terminal, nothing.
    func testProgressOnATerminalOnly() throws {
        try home.write("data/t.x.jsonl", (0..<20).map { #"{"a":"\#($0)"}"# }.joined(separator: "\n") + "\n")
        try home.write("config/jobs/test-echo.json", #"{"modelParams":{"table":"t.x","columns":"a:utf8","sleepMsPerRow":30}}"#)
        let args = [Harness.binary, "run", "test-echo", "--home", home.path]
        let tty = try Harness.run(
            ["python3", Harness.repoRoot + "/Tests/Servers/run_in_pty.py"] + args,
            environment: ["DATAPRODUCTS_PROGRESS_INTERVAL": "0.05", "TERM": "xterm"], executable: "/usr/bin/env")
        XCTAssertEqual(tty.status, 0, tty.stdout)
        XCTAssertTrue(tty.stdout.contains("\r\u{1B}[Ktest-echo "), tty.stdout)
        XCTAssertTrue(tty.stdout.contains(" · read t.x "), tty.stdout)
        // What a terminal shows of each line (after its last carriage return) is progress or a log line, never both.
        for line in tty.stdout.components(separatedBy: "\n") {
            let shown = line.components(separatedBy: "\r").last ?? ""
            XCTAssertFalse(shown.contains("{\"eid\"") && shown.contains(" · read "), line)
        }
        let piped = try Harness.run(Array(args.dropFirst()), environment: ["DATAPRODUCTS_PROGRESS_INTERVAL": "0.05"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("\u{1B}["), piped.stderr)
    }
}
