import Crypto
import Foundation
import PluginAPI
import XCTest
@testable import Host

/// S3 client against a local S3-compatible server (moto in server mode, from PyPI), and the local
/// blob store.
final class BlobStoreTests: XCTestCase {
    var moto: Process?
    var endpoint = ""
    let env = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret"]

    override func setUpWithError() throws {
        let port = Int(RedisServer.freePort())  // a port nobody listens on now
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try TestServers.run(p)
        moto = p
        endpoint = "http://127.0.0.1:\(port)"
        let probe = try CurlHTTP(options: "attempts=1,timeoutMs=500")
        for _ in 0..<300 {  // up to 30 s: moto's imports are slow on a busy machine
            if case .success = probe.perform(HTTPRequest(method: "GET", url: endpoint, headers: [], body: nil, timeoutMs: 500)) { return }
            usleep(100_000)
        }
        XCTFail("moto server did not start (pip install 'moto[server]'; scripts/setup.sh does)")
        throw XCTSkip("no moto")
    }

    override func tearDown() {
        moto?.terminate()
        moto?.waitUntilExit()
    }

    func store(_ extra: String = "", bucket: String = "reports") throws -> S3BlobStore {
        let s =
            try BlobStoreFactory.make(
                "s3://\(bucket)/dev/exhausts?endpoint=\(endpoint)&region=us-east-1&style=path\(extra)",
                environment: env) as! S3BlobStore
        try s.createBucket()
        return s
    }

    func testPutGetListDelete() throws {
        let s = try store()
        let binary = Data((0..<256).map { UInt8($0) } + Array("zip body".utf8))
        try s.put(key: "batch-001/report.zip", data: binary)
        try s.put(key: "batch-001/with space é.csv", data: Data("a,b\n".utf8))
        try s.put(key: "batch-002/x.csv", data: Data())
        XCTAssertEqual(try s.get(key: "batch-001/report.zip"), binary, "binary content survives")
        XCTAssertEqual(try s.get(key: "batch-001/with space é.csv"), Data("a,b\n".utf8))
        XCTAssertEqual(try s.list(prefix: "batch-001/"), ["batch-001/report.zip", "batch-001/with space é.csv"])
        XCTAssertEqual(try s.list(prefix: ""), ["batch-001/report.zip", "batch-001/with space é.csv", "batch-002/x.csv"])
        try s.delete(key: "batch-001/report.zip")
        XCTAssertThrowsError(try s.get(key: "batch-001/report.zip")) { XCTAssertEqual(($0 as? HostCallError)?.status, DP_ERROR_NOT_FOUND) }
        XCTAssertEqual(try s.list(prefix: "batch-001/"), ["batch-001/with space é.csv"])
    }

    func testListFollowsContinuationPages() throws {
        var s = try store(bucket: "paged")
        s.listPageSize = 3
        for i in 0..<8 { try s.put(key: "k/\(i)", data: Data([UInt8(i)])) }
        XCTAssertEqual(try s.list(prefix: "k/"), (0..<8).map { "k/\($0)" })
    }

    func testMultipartUploadOfALargeFile() throws {
        let s = try store("&partSize=\(5 << 20)")
        let path = NSTemporaryDirectory() + "dp-big-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = [UInt8](repeating: 0, count: (11 << 20) + 12345)  // three parts: 5 + 5 + 1 MiB
        for i in stride(from: 0, to: bytes.count, by: 4096) { bytes[i] = UInt8(truncatingIfNeeded: i / 4096) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try s.putFile(key: "big/archive.csv", path: path)
        let back = try s.get(key: "big/archive.csv")
        XCTAssertEqual(back.count, bytes.count)
        XCTAssertEqual(SHA256.hash(data: back).description, SHA256.hash(data: Data(bytes)).description)
    }

    func testURLStylesAndConfigErrors() throws {
        let path = try BlobStoreFactory.make("s3://b/p?endpoint=http://h:9000", environment: env) as! S3BlobStore
        XCTAssertEqual(path.url("a b/c.csv"), "http://h:9000/b/p/a%20b/c.csv")
        let aws = try BlobStoreFactory.make("s3://b/p?region=ap-south-1", environment: env) as! S3BlobStore
        XCTAssertEqual(aws.url("x.zip"), "https://b.s3.ap-south-1.amazonaws.com/p/x.zip", "AWS default: virtual-host style")
        XCTAssertThrowsError(try BlobStoreFactory.make("s3://b/p", environment: [:])) {
            XCTAssertTrue("\($0)".contains("AWS_ACCESS_KEY_ID"), "\($0)")
        }
        XCTAssertThrowsError(try BlobStoreFactory.make("ftp://x", environment: env))
    }

    func testLocalBlobStore() throws {
        let root = NSTemporaryDirectory() + "dp-blob-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try BlobStoreFactory.make("local:" + root)
        try s.put(key: "a/b.csv", data: Data("x".utf8))
        XCTAssertEqual(try s.get(key: "a/b.csv"), Data("x".utf8))
        XCTAssertEqual(try s.list(prefix: "a/"), ["a/b.csv"])
        try s.delete(key: "a/b.csv")
        XCTAssertEqual(try s.list(prefix: ""), [])
        XCTAssertThrowsError(try s.put(key: "../escape", data: Data()))
    }
}

/// Blob calls through the ABI, from a plugin, on the local store and on S3.
extension BlobStoreTests {
    func runBlobJob(_ blob: String, environment: [String: String] = [:]) throws -> (Harness.Home, Harness.Result) {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-blob"], nil, nil)])
        try home.write(
            "config/jobs/test-blob.json",
            """
            {"modelParams":{"put":{"archived/batch-1/a.csv":"x,y\\n1,2\\n","archived/batch-1/b.csv":"","archived/other.csv":"o"},
             "delete":["archived/other.csv"],"prefix":"archived/batch-1/"}}
            """)
        let r = try Harness.run(["run", "test-blob", "--home", home.path, "--blob", blob], cwd: home.path, environment: environment)
        return (home, r)
    }

    static let expected =
        #"{"key":"archived/batch-1/a.csv","size":8,"text":"x,y\n1,2\n"}"# + "\n"
        + #"{"key":"archived/batch-1/b.csv","size":0,"text":""}"# + "\n"

    func testPluginBlobCallsOnLocalStore() throws {
        let root = NSTemporaryDirectory() + "dp-blobjob-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (home, r) = try runBlobJob("local:" + root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/blob/result.json"), Self.expected)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/archived/other.csv"))
    }

    func testPluginBlobCallsOnS3() throws {
        let s = try store(bucket: "jobs")
        let (home, r) = try runBlobJob("s3://jobs/dev/exhausts?endpoint=\(endpoint)&region=us-east-1&style=path", environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(home.read("reports/blob/result.json"), Self.expected)
        XCTAssertEqual(try s.list(prefix: "archived/"), ["archived/batch-1/a.csv", "archived/batch-1/b.csv"])
    }

    /// `run --publish` (issue: scheduled reports published as the exhausts' are): the state admin user
    /// report and the zips its security level adds, uploaded to an S3 bucket and a second, local
    /// store only once the job succeeded; a store that refuses the upload fails the run and leaves
    /// nothing behind locally.
    func runDeclaredUsers(publish: [String]) throws -> (Harness.Home, Harness.Result) {
        try Harness.requireBuilt()
        let home = try Harness.Home()
        try home.installPlugin("lern-userorg")
        try home.write(
            "config/jobs/admin-user-reports.json", #"{"modelParams":{"tenantPreferenceUrl":"http://learner/private/v2/org/preferences/read"}}"#)
        let r = try home.run(
            [
                "run", "admin-user-reports", "--store", "local:" + (try Harness.fixture("lern/reports/user_self_test_data")),
                "--http", "canned:" + Harness.repoRoot + "/Tests/Fixtures/exhaust/http-userinfo",
            ] + publish.flatMap { ["--publish", $0] }, environment: env)
        return (home, r)
    }

    func testRunPublishesScheduledReportsToS3AndALocalStore() throws {
        let s = try store(bucket: "reports")
        let (home, r) = try runDeclaredUsers(publish: [
            "s3://reports/dev/exhausts?endpoint=\(endpoint)&region=us-east-1&style=path",
            "local:" + NSTemporaryDirectory() + "dp-pub-" + UUID().uuidString,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = ["declared_user_detail/ap.csv", "declared_user_detail/ap.zip", "declared_user_detail/ka.csv", "declared_user_detail/ka.zip"]
        XCTAssertEqual(try s.list(prefix: "declared_user_detail/"), files)
        for f in files {
            XCTAssertEqual(try s.get(key: f), FileManager.default.contents(atPath: home.reports + "/" + f), f)
        }
        let failed = try runDeclaredUsers(publish: ["s3://no-such-bucket/x?endpoint=\(endpoint)&region=us-east-1&style=path"])
        XCTAssertEqual(failed.1.status, 67, failed.1.stderr)
        XCTAssertTrue(failed.1.stderr.contains("publishing declared_user_detail/"), failed.1.stderr)
        XCTAssertEqual(failed.0.reportFiles(), [], "nothing moved into the local reports when publishing failed")
    }

    /// The blob store gone (moto killed) when a run publishes: exit 67 naming the file, the store
    /// and libcurl's reason; nothing moved into the local reports.
    func testABlobStoreThatWentAwayFailsThePublishClearly() throws {
        if let moto { kill(moto.processIdentifier, SIGKILL); moto.waitUntilExit() }
        moto = nil
        let (home, r) = try runDeclaredUsers(publish: ["s3://reports/dev?endpoint=\(endpoint)&region=us-east-1&style=path"])
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("publishing declared_user_detail/") && r.stderr.contains("127.0.0.1"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Couldn't connect") || r.stderr.contains("onnection refused"), r.stderr)
        XCTAssertEqual(home.reportFiles(), [], "nothing moved into the local reports when publishing failed")
        print("blob store gone: \(r.stderr.split(separator: "\n").last ?? "")")
    }
}
