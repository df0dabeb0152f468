import Foundation
import XCTest

/// The host's Kafka producer against a real Kafka-protocol broker (librdkafka's mock cluster on
/// loopback), read back with kcat: delivery before success, a clear failure naming the topic when
/// the broker goes away, and no acknowledged message missing.
final class KafkaProducerTests: KafkaTestCase {
    func send(_ params: String, extra: [String]) throws -> Harness.Result {
        try home.write("config/jobs/test-kafka.json", #"{"model":"test-kafka","modelParams":\#(params)}"#)
        return try home.run(["run", "test-kafka", "--log-file", home.path + "/joblog.log"] + extra)
    }

    func testMessagesAreDeliveredBeforeTheJobSucceeds() throws {
        try kafka.createTopic("dp.test")
        let r = try send(#"{"topic":"dp.test","count":500}"#, extra: ["--kafka", kafka.bootstrap])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try kafka.read("dp.test"), (0..<500).map { "k\($0)\t{\"n\":\($0)}" })
        XCTAssertTrue(home.read("joblog.log")!.contains("Kafka topic dp.test: 500 of 500 messages acknowledged"))
    }

    func testTheBrokersComeFromTheEnvironmentToo() throws {
        try kafka.createTopic("dp.env")
        let r = try send(#"{"topic":"dp.env","count":3}"#, extra: [])
        XCTAssertEqual(r.status, 67, "without --kafka or $DATAPRODUCTS_KAFKA a job's message fails it")
        XCTAssertTrue(r.stderr.contains("no Kafka configured: pass --kafka host:port"), r.stderr)
        let e = try home.run(
            ["run", "test-kafka", "--log-file", home.path + "/joblog.log"], environment: ["DATAPRODUCTS_KAFKA": kafka.bootstrap])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(try kafka.read("dp.env").count, 3)
    }

    func testBadKafkaSpecsAreConfigErrors() throws {
        let cases = [
            ("?acks=all", "bad --kafka '?acks=all'"), ("a b:1", "bad --kafka 'a b:1'"), ("127.0.0.1:9?acks", "bad --kafka property 'acks'"),
            ("127.0.0.1:9?no.such.property=1", "No such configuration property"),
            ("127.0.0.1:9?acks=sometimes", "Kafka setting refused"),
        ]
        for (spec, message) in cases {
            let r = try send(#"{"topic":"t"}"#, extra: ["--kafka=" + spec])
            XCTAssertEqual(r.status, 65, spec + ": " + r.stderr)
            XCTAssertTrue(r.stderr.contains(message), spec + ": " + r.stderr)
        }
        let m = try send(#"{"topic":"t"}"#, extra: ["--metrics-topic", "metrics"])
        XCTAssertEqual(m.status, 65)
        XCTAssertTrue(m.stderr.contains("--metrics-topic needs --kafka"), m.stderr)
    }

    /// The broker goes away after the first 100 messages are acknowledged: the rest cannot be
    /// delivered within the bound, the job fails (67) naming the topic, and every message the host
    /// counted as acknowledged is in the topic once the broker is back.
    func testBrokerLossMidJobFailsNamingTheTopicAndLosesNothingAcknowledged() throws {
        try kafka.createTopic("dp.loss")
        let gate = home.path + "/go"
        let spec = kafka.bootstrap + "?message.timeout.ms=2000"
        final class Outcome: @unchecked Sendable { var result: Harness.Result? }  // written before `done` signals
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            outcome.result = try? self.send(#"{"topic":"dp.loss","count":300,"holdAfter":100,"holdUntil":"\#(gate)"}"#, extra: ["--kafka", spec])
            done.signal()
        }
        let deadline = Date().addingTimeInterval(30)
        while (try kafka.read("dp.loss")).count < 100, Date() < deadline { usleep(50_000) }
        try kafka.takeBrokersDown()
        XCTAssertTrue(FileManager.default.createFile(atPath: gate, contents: nil))
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the host must give up within its bound")
        let r = try XCTUnwrap(outcome.result)
        XCTAssertEqual(r.status, 67, r.stderr)
        XCTAssertTrue(r.stderr.contains("Kafka topic 'dp.loss': "), r.stderr)
        XCTAssertTrue(r.stderr.contains("messages not acknowledged within 2000 ms"), r.stderr)
        try kafka.bringBrokersUp()
        let log = home.read("joblog.log")!
        // librdkafka's complaints about the lost brokers are JSON log events, not raw %3|… lines (issue 31).
        XCTAssertFalse(r.stderr.split(separator: "\n").contains { $0.hasPrefix("%") }, r.stderr)
        XCTAssertTrue(log.split(separator: "\n").contains { $0.contains("\"librdkafka ") && $0.hasPrefix("{") }, log)
        let line = try XCTUnwrap(log.split(separator: "\n").first { $0.contains("messages acknowledged") })
        let acknowledged = Int(line.components(separatedBy: "Kafka topic dp.loss: ")[1].split(separator: " ")[0])!
        XCTAssertGreaterThanOrEqual(acknowledged, 100)
        XCTAssertLessThan(acknowledged, 300)
        var stored: [String] = []
        for _ in 0..<100 {
            stored = (try? kafka.read("dp.loss")) ?? []
            if stored.count >= acknowledged { break }
            usleep(100_000)
        }
        XCTAssertEqual(Array(stored.prefix(acknowledged)), (0..<acknowledged).map { "k\($0)\t{\"n\":\($0)}" })
    }
}
