import Foundation
import PluginAPI

extension JobContext {
    /// Queues `value` (and `key`, if any) for `topic` on the deployment's Kafka (ABI 1.7). The host
    /// waits for every message's acknowledgement after the job returns and fails the run, naming
    /// the topic, if one is missing; a job need not flush. Throws `.unsupported` on an older host or
    /// when no Kafka is configured.
    public func kafkaSend(topic: String, key: String? = nil, value: String) throws {
        try requireHost(\.kafka_send, minor: 7, for: "Kafka")
        let send = host.pointee.kafka_send!
        var value = value, key = key
        let status = withDPStr(topic) { t in
            value.withUTF8 { v in
                let valueBytes = dp_bytes(data: v.baseAddress, len: v.count)
                guard key != nil else { return send(run, t, dp_bytes(data: nil, len: 0), valueBytes) }
                return key!.withUTF8 { k in send(run, t, dp_bytes(data: k.baseAddress ?? UnsafePointer(bitPattern: 1), len: k.count), valueBytes) }
            }
        }
        try check(status)
    }
}
