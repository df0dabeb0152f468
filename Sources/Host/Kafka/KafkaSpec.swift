import Foundation

/// `--kafka BROKERS[?property=value&...]`: the brokers every Kafka message of a run goes to, and
/// librdkafka properties on top of the host's defaults (e.g. `compression.type=lz4`). The host owns
/// the connection: jobs name only topics.
struct KafkaSpec: Codable, Equatable {
    var brokers: String
    /// librdkafka properties in the order given, after the defaults (a later one wins).
    var properties: [[String]]

    /// Delivery is acknowledged by every in-sync replica, exactly once per message (no duplicates
    /// from the producer's own retries), and bounded: a message not acknowledged in 30 s has failed.
    static let defaults: [(String, String)] = [
        ("acks", "all"), ("enable.idempotence", "true"), ("message.timeout.ms", "30000"), ("linger.ms", "5"),
    ]

    init(_ text: String) throws {
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        brokers = String(parts[0])
        guard !brokers.isEmpty, !brokers.contains(where: \.isWhitespace) else {
            throw HostError.config("bad --kafka '\(text)': expected host:port[,host:port...][?property=value&...]")
        }
        properties = []
        for pair in parts.count > 1 ? parts[1].split(separator: "&") : [] {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, !kv[0].isEmpty else {
                throw HostError.config("bad --kafka property '\(pair)': expected name=value")
            }
            properties.append([String(kv[0]), String(kv[1])])
        }
    }

    /// Everything handed to librdkafka, defaults first.
    var settings: [(String, String)] {
        [("bootstrap.servers", brokers)] + Self.defaults + properties.map { ($0[0], $0[1]) }
    }

    /// How long a message may stay unacknowledged (the effective `message.timeout.ms`).
    var deliveryTimeoutMs: Int {
        settings.last { $0.0 == "message.timeout.ms" }.flatMap { Int($0.1) } ?? 30000
    }
}
