import Foundation
import XCTest

/// A Kafka-protocol broker on loopback for one test: librdkafka's mock cluster behind
/// `kafka-mock-cluster` (built with the test plugins). Its brokers can be taken away and brought
/// back; it stops with the test (or, at the latest, when its stdin closes with the test runner).
public final class KafkaMockCluster {
    public let bootstrap: String
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    private var pending = Data()

    public static var binary: String { Harness.testPluginDir + "/kafka-mock-cluster" }

    public init() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = FileHandle.nullDevice
        try TestServers.run(p)
        let first = Self.readLine(stdout.fileHandleForReading, &pending)
        guard let first, first.hasPrefix("bootstrap ") else {
            p.terminate()
            throw HarnessError("kafka-mock-cluster did not start: \(first ?? "no output")")
        }
        (process, input, output) = (p, stdin.fileHandleForWriting, stdout.fileHandleForReading)
        bootstrap = String(first.dropFirst("bootstrap ".count))
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        try? input.close()
        process.waitUntilExit()
    }

    /// Creates `topic` with `partitions` partitions (one keeps the messages' order for a byte comparison).
    public func createTopic(_ topic: String, partitions: Int = 1) throws { try command("topic \(topic) \(partitions)") }
    public func takeBrokersDown() throws { try command("down") }
    public func bringBrokersUp() throws { try command("up") }

    private func command(_ line: String) throws {
        input.write(Data((line + "\n").utf8))
        let answer = Self.readLine(output, &pending)
        guard answer == "ok " + line else { throw HarnessError("kafka-mock-cluster: \(line): \(answer ?? "no answer")") }
    }

    private static func readLine(_ output: FileHandle, _ pending: inout Data) -> String? {
        while true {
            if let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...nl)
                return line
            }
            let more = output.availableData
            if more.isEmpty { return nil }
            pending.append(more)
        }
    }

    /// Every message of `topic` as kcat (an independent client) reads it from the beginning:
    /// "key<TAB>value" lines in partition order.
    public func read(_ topic: String) throws -> [String] {
        let r = try Harness.capture("/usr/bin/kcat", ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"])
        guard r.status == 0 else { throw HarnessError("kcat failed reading \(topic) (status \(r.status))") }
        return String(decoding: r.output, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// A test with the Swift test kit's `test-kafka` job installed and a fresh mock cluster.
open class KafkaTestCase: XCTestCase {
    public var home: Harness.Home!
    public var kafka: KafkaMockCluster!

    open override func setUpWithError() throws {
        try Harness.requireBuilt()
        home = try Harness.Home()
        try home.install("libswift-testkit.so")
        try home.registry([("swift-testkit", Harness.abi, ["test-kafka"], nil, nil)])
        kafka = try KafkaMockCluster()
    }

    open override func tearDown() { kafka?.stop() }
}
