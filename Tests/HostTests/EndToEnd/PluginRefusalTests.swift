import Foundation
import XCTest
@testable import Host
import RowBatch

/// Every refusal of issue point 4: one clear line naming plugin, file and reason, exit 66, and for
/// the checks made before dlopen, no plugin code run at all.
final class PluginRefusalTests: XCTestCase {
    var home: Harness.Home!
    let echoJobs = ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"]

    override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.write("config/jobs/test-echo.json", #"{"model":"test-echo","modelParams":{"table":"t.x","columns":"a:utf8"}}"#)
        try home.write("data/t.x.jsonl", #"{"a":"1"}"# + "\n")
    }

    func assertRefused(_ r: Harness.Result, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 66, "stdout: \(r.stdout) stderr: \(r.stderr)", file: file, line: line)
        let errorLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("dataproducts: error:") }
        XCTAssertEqual(errorLines.count, 1, r.stderr, file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "'\(f)' not in: \(r.stderr)", file: file, line: line) }
        XCTAssertTrue(home.reportFiles().isEmpty, "refused run left files: \(home.reportFiles())", file: file, line: line)
    }

    /// A manifest written by hand (for libraries the build step itself would refuse).
    func handManifest(_ lib: String, name: String, abi: String, jobs: [String], sha: String? = nil) throws {
        let path = home.plugins + "/" + lib
        let digest = try sha ?? sha256(file: path)
        try home.write(
            "plugins/" + (lib as NSString).deletingPathExtension + ".manifest.json",
            """
            {"name":"\(name)","version":"0.1.0","owner":"t","block":"test","abi":"\(abi)","file":"\(lib)","sha256":"\(digest)",
             "jobs":[\(jobs.map { "{\"id\":\"\($0)\",\"title\":\"\",\"legacyNames\":[],\"params\":{}}" }.joined(separator: ","))]}
            """)
    }

    func testUnknownJob() throws {
        try home.registry([("swift-testkit", Harness.abi, echoJobs, nil, nil)])
        assertRefused(
            try home.run(["run", "no-such-job", "--config", home.path + "/config/jobs/test-echo.json"]),
            ["unknown job 'no-such-job'", "registry.json", "known jobs: test-crash"])
    }

    func testMissingFile() throws {
        try home.registry([("swift-testkit", Harness.abi, echoJobs, nil, "libgone.so")])
        assertRefused(try home.run(["run", "test-echo"]), ["plugin swift-testkit", "plugins/libgone.so", "file is missing"])
    }

    func testMissingManifest() throws {
        try FileManager.default.removeItem(atPath: home.plugins + "/libswift-testkit.manifest.json")
        try home.registry([("swift-testkit", Harness.abi, echoJobs, nil, nil)])
        assertRefused(try home.run(["run", "test-echo"]), ["plugin swift-testkit", "libswift-testkit.so", "manifest", "missing"])
    }

    func testChecksumMismatchAgainstManifest() throws {
        try home.registry([("swift-testkit", Harness.abi, echoJobs, nil, nil)])
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: home.plugins + "/libswift-testkit.so"))
        try h.seekToEnd()
        h.write(Data([0]))  // tamper after the build wrote the manifest
        try h.close()
        assertRefused(try home.run(["run", "test-echo"]), ["plugin swift-testkit", "libswift-testkit.so", "checksum mismatch", "its manifest says"])
    }

    func testChecksumMismatchAgainstRegistryPin() throws {
        try home.registry([("swift-testkit", Harness.abi, echoJobs, String(repeating: "ab", count: 32), nil)])
        assertRefused(try home.run(["run", "test-echo"]), ["plugin swift-testkit", "checksum mismatch", "registry pins abab"])
        // The right pin is accepted.
        try home.registry([("swift-testkit", Harness.abi, echoJobs, try sha256(file: home.plugins + "/libswift-testkit.so"), nil)])
        XCTAssertEqual(try home.run(["run", "test-echo"]).status, 0)
    }

    func testABIMajorMismatchInRegistry() throws {
        try home.registry([("swift-testkit", "2.0", echoJobs, nil, nil)])
        assertRefused(
            try home.run(["run", "test-echo"]), ["plugin swift-testkit", "libswift-testkit.so", "ABI major mismatch", "ABI 2.0", "host speaks 1.x"])
    }

    func testABIMajorMismatchInManifest() throws {
        try home.install("libc-echo-abi2.so", manifest: false)
        try handManifest("libc-echo-abi2.so", name: "c-echo-abi2", abi: "2.0", jobs: ["c-echo"])
        try home.registry([("c-echo-abi2", Harness.abi, ["c-echo"], nil, nil)])
        try home.write("config/jobs/c-echo.json", "{}")
        assertRefused(try home.run(["run", "c-echo"]), ["plugin c-echo-abi2", "libc-echo-abi2.so", "ABI major mismatch"])
    }

    func testABIMajorMismatchInDescriptorAfterLoad() throws {
        // Registry and manifest claim 1.1, but the code says 2.0: caught from the descriptor itself.
        try home.install("libc-echo-abi2.so", manifest: false)
        try handManifest("libc-echo-abi2.so", name: "c-echo-abi2", abi: Harness.abi, jobs: ["c-echo"])
        try home.registry([("c-echo-abi2", Harness.abi, ["c-echo"], nil, nil)])
        try home.write("config/jobs/c-echo.json", "{}")
        assertRefused(try home.run(["run", "c-echo"]), ["plugin c-echo-abi2", "libc-echo-abi2.so", "ABI major mismatch"])
        // The build step refuses to write a manifest for it too.
        let r = try Harness.run(["plugins", "manifest", home.plugins + "/libc-echo-abi2.so"])
        XCTAssertEqual(r.status, 66, r.stderr)
    }

    func testNewerMinorRefused() throws {
        try home.install("libc-echo-newer.so", manifest: false)
        try handManifest("libc-echo-newer.so", name: "c-echo-newer", abi: "1.99", jobs: ["c-echo"])
        try home.registry([("c-echo-newer", "1.99", ["c-echo"], nil, nil)])
        try home.write("config/jobs/c-echo.json", "{}")
        assertRefused(try home.run(["run", "c-echo"]), ["plugin c-echo-newer", "ABI 1.99", "newer than the host's \(Harness.abi)"])
    }

    func testMissingEntrySymbol() throws {
        try home.install("libc-noentry.so", manifest: false)
        try handManifest("libc-noentry.so", name: "c-noentry", abi: Harness.abi, jobs: ["c-echo"])
        try home.registry([("c-noentry", Harness.abi, ["c-echo"], nil, nil)])
        try home.write("config/jobs/c-echo.json", "{}")
        assertRefused(try home.run(["run", "c-echo"]), ["plugin c-noentry", "libc-noentry.so", "missing entry symbol dp_plugin_entry"])
    }

    func testTwoPluginsClaimingOneJob() throws {
        try home.install("libc-echo.so")
        try home.registry([("swift-testkit", Harness.abi, echoJobs + ["c-echo"], nil, nil), ("c-echo", Harness.abi, ["c-echo"], nil, nil)])
        try home.write("config/jobs/c-echo.json", "{}")
        assertRefused(
            try home.run(["run", "c-echo"]), ["job 'c-echo' is claimed by more than one plugin", "swift-testkit", "c-echo (", "libc-echo.so"])
        // verify names both, and exits 66.
        let v = try home.run(["plugins", "verify"])
        XCTAssertEqual(v.status, 66)
        XCTAssertTrue(v.stdout.contains("swift-testkit 0.1.0  ABI \(Harness.abi)") && v.stdout.contains("REFUSED: plugin c-echo"), v.stdout)
    }

    func testPluginNotInEnvironment() throws {
        try home.registry([("swift-testkit", Harness.abi, echoJobs, nil, nil)], environments: #"{"prod":[]}"#)
        try home.write("config/env/prod.json", "{}")
        assertRefused(try home.run(["run", "test-echo", "--env", "prod"]), ["plugin swift-testkit", "not enabled for environment prod"])
    }

    func testVerifyListsEveryPlugin() throws {
        try home.install("libc-echo.so")
        try home.install("liblern-userorg.so", from: Harness.pluginDir)
        try home.registry([
            ("swift-testkit", Harness.abi, echoJobs, nil, nil), ("c-echo", Harness.abi, ["c-echo"], nil, nil),
            ("lern-userorg", Harness.abi, ["admin-geo-reports"], nil, nil), ("gone", Harness.abi, ["x"], nil, nil),
        ])
        let v = try home.run(["plugins", "verify"])
        XCTAssertEqual(v.status, 66, v.stderr)
        let lines = v.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, v.stdout)
        XCTAssertTrue(
            lines[0].hasPrefix("swift-testkit 0.1.0  ABI \(Harness.abi)  jobs test-echo,test-fail,test-crash,test-hang,test-http  OK"),
            String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("c-echo 0.1.0  ABI \(Harness.abi)  jobs c-echo  OK"), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("lern-userorg 1.0.0  ABI \(Harness.abi)  jobs admin-geo-reports  OK"), String(lines[2]))
        XCTAssertTrue(lines[3].contains("REFUSED: plugin gone") && lines[3].contains("file is missing"), String(lines[3]))
    }
}
