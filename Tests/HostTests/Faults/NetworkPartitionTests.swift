import Foundation
import XCTest
@testable import Host

/// A host cut off from PostgreSQL mid-request: it runs in its own network namespace, reaching the
/// database over a veth link (through a forwarder on the link's address); the link is taken down
/// after its claim, kept down past its lease while another host takes the request over and records
/// it, then brought up again. The cut-off host's late outcome write must be refused by the lease
/// fence: one outcome, one publication, no crash. Needs root (ip netns); skipped, saying so, without.
final class NetworkPartitionTests: XCTestCase {
    var namespace = "", hostLink = ""
    var forwarders: [Process] = []

    func ip(_ args: [String]) throws {
        let r = try Harness.capture("/usr/sbin/ip", args, keepStderr: true)
        guard r.status == 0 else { throw XCTSkip("ip \(args.joined(separator: " ")) failed: \(String(decoding: r.output, as: UTF8.self))") }
    }

    override func tearDown() {
        for f in forwarders {
            f.terminate()
            f.waitUntilExit()
        }
        if !namespace.isEmpty { _ = try? Harness.capture("/usr/sbin/ip", ["netns", "del", namespace]) }
        if !hostLink.isEmpty { _ = try? Harness.capture("/usr/sbin/ip", ["link", "del", hostLink]) }
    }

    /// A namespace joined to this one by a veth pair: returns (this side's address, the namespace's).
    func partitionableNamespace() throws -> String {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else {
            throw XCTSkip("network namespaces need root and iproute2")
        }
        let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
        let subnet = Int.random(in: 1...250)
        namespace = "dp-part-\(tag)"
        hostLink = "dpv\(tag)h"
        try ip(["netns", "add", namespace])
        try ip(["link", "add", hostLink, "type", "veth", "peer", "name", "dpv\(tag)n"])
        try ip(["link", "set", "dpv\(tag)n", "netns", namespace])
        try ip(["addr", "add", "10.231.\(subnet).1/30", "dev", hostLink])
        try ip(["link", "set", hostLink, "up"])
        try ip(["netns", "exec", namespace, "ip", "addr", "add", "10.231.\(subnet).2/30", "dev", "dpv\(tag)n"])
        try ip(["netns", "exec", namespace, "ip", "link", "set", "dpv\(tag)n", "up"])
        try ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        return "10.231.\(subnet).1"
    }

    /// Starts tcp_forward.py (in the namespace when `inNamespace`); returns once it listens.
    func forwarder(inNamespace: Bool, listen: String, _ listenPort: String, to target: String, _ targetPort: String) throws {
        let f = Process()
        let command = ["/usr/bin/python3", Harness.repoRoot + "/Tests/Servers/tcp_forward.py", listen, listenPort, target, targetPort]
        f.executableURL = URL(fileURLWithPath: inNamespace ? "/usr/sbin/ip" : command[0])
        f.arguments = inNamespace ? ["netns", "exec", namespace] + command : Array(command.dropFirst())
        let ready = Pipe()
        f.standardOutput = ready
        f.standardError = FileHandle.nullDevice
        try TestServers.run(f)
        forwarders.append(f)
        XCTAssertEqual(String(decoding: ready.fileHandleForReading.readData(ofLength: 6), as: UTF8.self), "ready\n")
    }

    /// 127.0.0.1:`port` inside the namespace leads over the link to 127.0.0.1:`port` here, so the
    /// cut-off host runs with the same arguments and config as any other.
    func bridge(_ port: String, over address: String) throws {
        let linkPort = String(RedisServer.freePort())
        try forwarder(inNamespace: false, listen: address, linkPort, to: "127.0.0.1", port)
        try forwarder(inNamespace: true, listen: "127.0.0.1", port, to: address, linkPort)
    }

    func testAHostCutOffPastItsLeaseHasItsLateOutcomeRefused() throws {
        let address = try partitionableNamespace()
        let b = try ExhaustBench(.postgres, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: "http-progress")
        try b.config("progress-exhaust", RequestQueueTests.config)
        try b.insert([
            "tag": "t:channel-01", "request_id": "REQ-0", "job_id": "progress-exhaust", "request_data": #"{"batchId": "batch-001"}"#,
            "requested_by": "user-0", "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d", "encryption_key": "test12",
        ])
        let conninfo = b.db!.conninfo
        guard let portRange = conninfo.range(of: #"port=\d+"#, options: .regularExpression) else { return XCTFail(conninfo) }
        let pgPort = String(conninfo[portRange].dropFirst(5))
        try bridge(pgPort, over: address)
        let args = b.runArguments("progress-exhaust", log: b.home.path + "/cut.log")
        for text in args + [b.baseURL] {  // Redis and the recorded API answers
            if let r = text.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression) {
                try bridge(String(text[r].dropFirst("127.0.0.1:".count)), over: address)
            }
        }
        let cut = Process()
        cut.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        cut.arguments = ["netns", "exec", namespace, Harness.binary] + args + ["--lease", "2"]
        cut.currentDirectoryURL = URL(fileURLWithPath: b.home.path)
        FileManager.default.createFile(atPath: b.home.path + "/cut.err", contents: nil)
        cut.standardOutput = FileHandle.nullDevice
        cut.standardError = FileHandle(forWritingAtPath: b.home.path + "/cut.err")
        try TestServers.run(cut)
        let deadline = Date().addingTimeInterval(30)
        while try Harness.psql(conninfo, "SELECT count(*) FROM job_request WHERE status = 'PROCESSING'") != "1", Date() < deadline {
            usleep(5_000)
        }
        try ip(["link", "set", hostLink, "down"])  // the partition: packets vanish, nothing is reset
        sleep(4)  // its lease (2 s) runs out while it cannot renew
        let other = try RequestQueueTests.spawn(
            b.runArguments("progress-exhaust", log: b.home.path + "/other.log") + ["--lease", "2"], cwd: b.home.path)
        XCTAssertEqual(RequestQueueTests.wait(other), 0)
        let taken = try b.row("REQ-0")
        XCTAssertEqual(taken.status, "SUCCESS", "the other host took the request over: \(taken.errMessage ?? "") \(b.home.read("cut.err") ?? "")")
        try ip(["link", "set", hostLink, "up"])  // the partition heals; the cut-off host's writes arrive late
        let healed = Date()
        while cut.isRunning, Date().timeIntervalSince(healed) < 120 { usleep(50_000) }
        XCTAssertFalse(cut.isRunning, "the cut-off host did not finish after the partition healed")
        if cut.isRunning { kill(cut.processIdentifier, SIGKILL) }
        cut.waitUntilExit()
        XCTAssertTrue([0, 70].contains(cut.terminationStatus), "the cut-off host ended with \(cut.terminationStatus), not a crash")
        let t = try QueueInvariants.check(b, requests: 1)
        XCTAssertEqual(t.finished["REQ-0"], 1, "only the other host's outcome was recorded")
        let cutLog = b.home.read("cut.log") ?? ""
        XCTAssertFalse(cutLog.contains(#""published""#), "the cut-off host published nothing")
        XCTAssertTrue(cutLog.contains("lease lost"), cutLog)
        XCTAssertTrue(cutLog.contains(#""eid":"JOB_START""#) && cutLog.contains(#""request_id":"REQ-0""#), "it had started the request")
        XCTAssertEqual(try b.row("REQ-0").leaseOwner, nil, "the late host did not write its lease back")
        print(
            "partition: the cut-off host ended \(cut.terminationStatus) \(String(format: "%.1f", Date().timeIntervalSince(healed))) s after the link came back"
        )
    }
}
