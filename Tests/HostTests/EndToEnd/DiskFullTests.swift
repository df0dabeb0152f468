import Foundation
import XCTest

/// A report disk that fills up mid-job (issue 18 item 2): the job ends with 67 naming the file and
/// the errno text, nothing is published, and the staging folder is gone — never "crashed without a
/// result" (the child's outcome travels over a pipe, not the full disk). Needs a 64 KiB tmpfs, so
/// root (CI is); elsewhere it is skipped and says why.
final class DiskFullTests: XCTestCase {
    var mountPoint = ""

    override func setUpWithError() throws {
        mountPoint = NSTemporaryDirectory() + "dp-test-full-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard Harness.spawnAndWait("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]) == 0 else {
            throw XCTSkip("cannot mount a 64 KiB tmpfs here (needs root)")
        }
    }

    override func tearDown() {
        Harness.spawnAndWait("/bin/umount", [mountPoint])
        try? FileManager.default.removeItem(atPath: mountPoint)
    }

    func testAFullReportDiskFailsTheJobWithTheWriteError() throws {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("liblern-userorg.so", from: Harness.pluginDir)
        try home.registry([("lern-userorg", Harness.abi, ["admin-geo-reports"], nil, nil)], environments: #"{"dev":["lern-userorg"]}"#)
        try home.write("config/env/dev.json", #"{"core_cassandra_host":"c","sunbird_es_host":"e"}"#)
        let r = try home.run([
            "run", "admin-geo-reports", "--config", Harness.jobTemplate("admin-geo-reports"), "--env", "dev",
            "--store", "local:" + (try Harness.fixture("lern/reports/reports_test_data")), "--output", mountPoint,
        ])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("failed: No space left on device"), r.stderr)
        XCTAssertTrue(r.stderr.contains("write to \(mountPoint)/.staging-"), "the error names the file: \(r.stderr)")
        XCTAssertFalse(r.stderr.contains("without a result"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint), [], "nothing published, staging removed")
    }
}
