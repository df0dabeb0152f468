import Foundation
import XCTest
@testable import Host
import RowBatch

/// Issue 31 class 4: what is loaded is exactly what was verified, and only a regular file inside the
/// deployment's plugin folder is read at all.
final class PluginIntegrityTests: XCTestCase {
    var home: Harness.Home!
    let jobs = ["test-echo", "test-fail", "test-crash", "test-hang", "test-http"]

    override func setUpWithError() throws { home = try Harness.Home.withTestkit(jobs) }

    /// `plugins verify` under a 20 s limit: a FIFO or a device would have blocked it forever.
    func verify() throws -> Harness.Result {
        try Harness.run(["20", Harness.binary, "plugins", "verify", "--home", home.path], cwd: home.path, executable: "/usr/bin/timeout")
    }

    func testAFIFOOrADeviceIsRefusedAtOnce() throws {
        let lib = home.plugins + "/libswift-testkit.so"
        for fifo in [true, false] {
            try FileManager.default.removeItem(atPath: lib)
            if fifo {
                XCTAssertEqual(mkfifo(lib, 0o644), 0)
            } else {
                try FileManager.default.createSymbolicLink(atPath: lib, withDestinationPath: "/dev/zero")
            }
            try home.registry([("swift-testkit", Harness.abi, jobs, nil, nil)])
            let r = try verify()
            XCTAssertEqual(r.status, 66, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("not a regular file") || r.stdout.contains("resolves outside the plugin folder"), r.stdout)
        }
    }

    func testRegistryPathsStayInsideThePluginFolder() throws {
        let outside = home.path + "/elsewhere"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: home.plugins + "/libswift-testkit.so", toPath: outside + "/libswift-testkit.so")
        try FileManager.default.createSymbolicLink(
            atPath: home.plugins + "/libswift-testkit.so", withDestinationPath: outside + "/libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, jobs, nil, nil)])
        XCTAssertTrue(try verify().stdout.contains("resolves outside the plugin folder"))
        for file in ["../elsewhere/libswift-testkit.so", outside + "/libswift-testkit.so"] {
            try home.registry([("swift-testkit", Harness.abi, jobs, nil, file)])
            let r = try verify()
            XCTAssertEqual(r.status, 66)
            XCTAssertTrue(r.stdout.contains("the registry's file"), r.stdout)
        }
        // A link inside the folder (Ansible's <name>/current -> <name>/<version>) is fine.
        try FileManager.default.createDirectory(atPath: home.plugins + "/swift-testkit/0.1.0", withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: home.plugins + "/libswift-testkit.so")
        try FileManager.default.moveItem(atPath: outside + "/libswift-testkit.so", toPath: home.plugins + "/swift-testkit/0.1.0/libswift-testkit.so")
        try FileManager.default.moveItem(
            atPath: home.plugins + "/libswift-testkit.manifest.json", toPath: home.plugins + "/swift-testkit/0.1.0/libswift-testkit.manifest.json")
        try FileManager.default.createSymbolicLink(atPath: home.plugins + "/swift-testkit/current", withDestinationPath: "0.1.0")
        try home.registry([("swift-testkit", Harness.abi, jobs, nil, "swift-testkit/current/libswift-testkit.so")])
        XCTAssertEqual(try verify().status, 0)
    }

    /// The job's process loads its own sealed copy only if it hashes to what the host verified: a
    /// library swapped after the check is refused, and none of its code runs.
    func testALibraryChangedAfterVerificationIsNotLoaded() throws {
        try home.registry([("swift-testkit", Harness.abi, jobs, nil, nil)])
        let lib = home.plugins + "/libswift-testkit.so"
        let verified = try sha256(file: lib)
        let spec = RunSpec(
            libraryPath: lib, librarySHA256: verified, manifestPath: Manifest.path(forLibrary: lib), jobId: "test-echo",
            configText: "{}", connectors: try Connectors(store: StoreSpec("local:" + home.path), http: HTTPSpec("none"), blob: BlobSpec("local:/x")),
            stagingDir: home.path + "/staging", output: home.path + "/out", logLevel: "INFO", nowMillis: 0)
        // The swap: same manifest, other bytes.
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: lib))
        h.seekToEndOfFile()
        h.write(Data("tampered".utf8))
        try h.close()
        let logger = try JobLogger.open(path: home.path + "/log", jobName: "test-echo", minimumLevel: .info)
        let outcome = JobRunner.execute(spec, logger: logger)
        XCTAssertEqual(outcome.kind, .refused)
        XCTAssertTrue(outcome.message.contains("changed since it was verified"), outcome.message)
    }

    /// What is hashed is what is mapped: the sealed copy cannot be written to, and its hash is the file's.
    func testTheSealedImageIsTheFileAndCannotChange() throws {
        let lib = home.plugins + "/libswift-testkit.so"
        let image = try PluginImage.seal(lib)
        XCTAssertEqual(image.sha256, try sha256(file: lib))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: image.loadPath)), try Data(contentsOf: URL(fileURLWithPath: lib)))
        XCTAssertEqual(write(image.fd, "x", 1), -1, "sealed against writes")
        XCTAssertEqual(errno, EPERM)
    }
}
