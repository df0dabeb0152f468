import Foundation
import XCTest

@testable import Host

/// Upstream's metric event (framework-spec A2.5) on the metrics topic after each run, read back
/// with kcat from the mock cluster.
final class MetricEventTests: KafkaTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try kafka.createTopic("dev.prom.monitoring.metrics")
    }

    func run(_ params: String, kafkaSpec: String? = nil) throws -> Harness.Result {
        try home.write("config/jobs/test-kafka.json", #"{"model":"test-kafka","modelParams":\#(params)}"#)
        return try home.run([
            "run", "test-kafka", "--log-file", home.path + "/joblog.log", "--now", "2021-01-05T10:00:00Z",
            "--kafka", kafkaSpec ?? kafka.bootstrap, "--metrics-topic", "dev.prom.monitoring.metrics",
        ])
    }

    func events() throws -> [[String: Any]] {
        try kafka.read("dev.prom.monitoring.metrics").map {
            try JSONSerialization.jsonObject(with: Data($0.split(separator: "\t", maxSplits: 1).last!.utf8)) as! [String: Any]
        }
    }

    func testASuccessCarriesTheCountersAndTheRunDay() throws {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let r = try run(#"{"topic":"dp.out","count":3}"#)
        XCTAssertEqual(r.status, 0, r.stderr)
        let event = try XCTUnwrap(try events().first)
        XCTAssertEqual(event["system"] as? String, "DataProduct")
        XCTAssertEqual(event["subsystem"] as? String, "test-kafka")
        XCTAssertGreaterThanOrEqual((event["metricts"] as? NSNumber)?.int64Value ?? 0, before, "metricts is when it was sent")
        let metrics = (event["metrics"] as! [[String: Any]]).map { ($0["id"] as! String, ($0["value"] as! NSNumber).int64Value) }
        XCTAssertEqual(metrics.map(\.0), ["sent", "output-events", "time-taken-secs"])
        XCTAssertEqual(metrics[0].1, 3)
        XCTAssertEqual(metrics[1].1, 0)
        let dimensions = event["dimensions"] as! [[String: String]]
        XCTAssertEqual(dimensions, [["id": "report-date", "value": "2021-01-05"], ["id": "status", "value": "SUCCESS"]])
    }

    func testAFailureSaysFailedWithoutMetrics() throws {
        let r = try run(#"{"topic":"","count":1}"#)
        XCTAssertEqual(r.status, 67, r.stderr)
        let event = try XCTUnwrap(try events().first)
        XCTAssertEqual((event["metrics"] as! [Any]).count, 0)
        XCTAssertEqual((event["dimensions"] as! [[String: String]])[1], ["id": "status", "value": "FAILED"])
    }

    func testAnUndeliverableMetricIsAWarningNotAFailure() throws {
        try kafka.takeBrokersDown()
        let r = try run(#"{"topic":"dp.out","count":0}"#, kafkaSpec: kafka.bootstrap + "?message.timeout.ms=1000")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(home.read("joblog.log")!.contains("metric event not delivered: Kafka topic 'dev.prom.monitoring.metrics'"))
    }

    func testCounterNamesBecomeUpstreamIds() {
        XCTAssertEqual(MetricEvent.kebabCase("totalRecordsUpdated"), "total-records-updated")
        XCTAssertEqual(MetricEvent.kebabCase("total-records-migrated"), "total-records-migrated")
        XCTAssertEqual(MetricEvent.kebabCase("inputEvents"), "input-events")
    }
}
