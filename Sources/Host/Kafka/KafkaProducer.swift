import CKafkaShim
import Foundation
import PluginAPI

/// One run's Kafka producer (librdkafka through CKafkaShim), opened on the first message. The host
/// calls `finish` before it lets a job succeed: every message must be acknowledged in time.
final class KafkaProducer {
    let spec: KafkaSpec
    private let handle: OpaquePointer

    /// What became of one topic's messages.
    struct TopicReport: Equatable {
        var topic: String
        var sent: UInt64
        var acknowledged: UInt64
        var firstError: String?
        var unacknowledged: UInt64 { sent - acknowledged }
    }

    /// Where librdkafka's log lines go: the run's JSON log, as JOB_LOG events (never raw `%3|…` lines
    /// between the JSON ones on stderr). One per process, as librdkafka's callback has no context.
    nonisolated(unsafe) private static var logger: JobLogger?

    init(_ spec: KafkaSpec, logger: JobLogger) throws {
        Self.logger = logger
        dp_kafka_set_log { level, facility, message in
            let text = "librdkafka \(facility.map { String(cString: $0) } ?? ""): \(message.map { String(cString: $0) } ?? "")"
            // syslog levels: 0-3 errors, 4 warnings, 5-6 notices and information, 7 debugging.
            KafkaProducer.logger?.log(level <= 3 ? .error : level == 4 ? .warn : level <= 6 ? .info : .debug, text)
        }
        self.spec = spec
        var error = [CChar](repeating: 0, count: 512)
        let opened = Self.withSettings(spec) { dp_kafka_open($0, $1, $2, &error) }
        guard let opened else { throw HostCallError.io("Kafka \(spec.brokers): \(String(cString: error))") }
        handle = opened
    }

    /// Whether librdkafka takes every property of the spec (a config error before any job runs).
    static func check(_ spec: KafkaSpec) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard withSettings(spec, { dp_kafka_check($0, $1, $2, &error) }) == 0 else {
            throw HostError.config("--kafka \(spec.brokers): \(String(cString: error))")
        }
    }

    /// The spec's properties as the C arrays the shim takes.
    private static func withSettings<R>(
        _ spec: KafkaSpec, _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?, Int) -> R
    ) -> R {
        let pairs = spec.settings
        let names = pairs.map { strdup($0.0) }, values = pairs.map { strdup($0.1) }
        defer { (names + values).forEach { free($0) } }
        return names.map { UnsafePointer($0) }.withUnsafeBufferPointer { n in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in body(n.baseAddress, v.baseAddress, pairs.count) }
        }
    }

    deinit { dp_kafka_close(handle) }

    /// Queues one message; waits at most the delivery bound for room in a full queue.
    func send(topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) throws {
        guard !topic.isEmpty else { throw HostCallError(status: DP_ERROR_INVALID_ARGUMENT, description: "Kafka: empty topic name") }
        var error = [CChar](repeating: 0, count: 512)
        let rc = dp_kafka_send(
            handle, topic, key?.baseAddress, key?.count ?? 0, value.baseAddress, value.count, Int32(clamping: spec.deliveryTimeoutMs),
            &error)
        guard rc == 0 else { throw HostCallError.io("Kafka topic '\(topic)': \(String(cString: error))") }
    }

    /// Waits for the outstanding delivery reports (at most the delivery bound plus a margin for the
    /// last reports to arrive) and says, per topic, what was acknowledged.
    func finish() -> [TopicReport] {
        _ = dp_kafka_flush(handle, Int32(clamping: spec.deliveryTimeoutMs + 5000))
        return reports
    }

    var reports: [TopicReport] {
        (0..<dp_kafka_topic_count(handle)).map { i in
            let s = dp_kafka_stats(handle, i)
            return TopicReport(
                topic: String(cString: s.topic), sent: s.sent, acknowledged: s.acknowledged,
                firstError: s.first_error.map { String(cString: $0) })
        }
    }

    /// The failure to report when a message was not acknowledged, naming its topic; nil when all were.
    static func failure(_ reports: [TopicReport], timeoutMs: Int) -> String? {
        let bad = reports.filter { $0.unacknowledged > 0 }
        guard !bad.isEmpty else { return nil }
        return bad.map { r in
            "Kafka topic '\(r.topic)': \(r.unacknowledged) of \(r.sent) messages not acknowledged within \(timeoutMs) ms"
                + (r.firstError.map { " (\($0))" } ?? "")
        }.joined(separator: "; ")
    }
}
