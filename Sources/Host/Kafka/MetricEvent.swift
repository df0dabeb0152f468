import Foundation
import RowBatch

/// Upstream's framework metric event (framework-spec A2.5), sent after each run when the
/// deployment names a metrics topic: which job, how it ended, and its counters.
enum MetricEvent {
    /// `{"metricts", "system": "DataProduct", "subsystem": <job>, "metrics": [{"id", "value"}],
    /// "dimensions": [report-date, status]}`. A success carries every counter (camelCase names as
    /// upstream's kebab-case ids: inputEvents → input-events) and time-taken-secs; a failure none
    /// (as upstream's migrator; its driver's lone input-events is not kept).
    static func json(
        job: String, success: Bool, counters: [(String, Int64)], seconds: Double, runClock: Date, sentAt: Date = Date()
    ) -> String {
        let metrics: [JSONValue] =
            success
            ? (counters.map { (kebabCase($0.0), $0.1) } + [("time-taken-secs", Int64(seconds.rounded(.down)))]).map {
                .object([("id", .string($0.0)), ("value", .int($0.1))])
            } : []
        let dimensions: [JSONValue] = [
            .object([("id", .string("report-date")), ("value", .string(RunClock.dayFormat.string(from: runClock)))]),
            .object([("id", .string("status")), ("value", .string(success ? "SUCCESS" : "FAILED"))]),
        ]
        return JSONValue.object([
            ("metricts", .int(RunClock.millis(sentAt))), ("system", .string("DataProduct")), ("subsystem", .string(job)),
            ("metrics", .array(metrics)), ("dimensions", .array(dimensions)),
        ]).render()
    }

    /// "totalRecordsUpdated" → "total-records-updated"; a name already in kebab case stays.
    static func kebabCase(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase, !out.isEmpty { out.append("-") }
            out.append(contentsOf: c.lowercased())
        }
        return out
    }

    /// Sends the event and waits for its acknowledgement. A metric that cannot be delivered is a
    /// warning in the log, never a change to the run's outcome.
    static func send(_ event: String, topic: String, kafka: KafkaSpec, logger: JobLogger) {
        do {
            let producer = try KafkaProducer(kafka, logger: logger)
            try Array(event.utf8).withUnsafeBytes { try producer.send(topic: topic, key: nil, value: $0) }
            if let failure = KafkaProducer.failure(producer.finish(), timeoutMs: kafka.deliveryTimeoutMs) {
                throw HostCallError.io(failure)
            }
        } catch {
            logger.log(.warn, "metric event not delivered: \(error)", data: [("topic", .string(topic))])
        }
    }
}
