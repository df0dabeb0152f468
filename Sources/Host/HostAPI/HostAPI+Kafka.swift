import Foundation
import PluginAPI

func hostKafkaSend(_ run: OpaquePointer?, _ topic: dp_str, _ key: dp_bytes, _ value: dp_bytes) -> dp_status {
    let ctx = HostAPI.context(run)
    do {
        let producer = try ctx.kafka()
        let keyBytes = key.data.map { UnsafeRawBufferPointer(start: $0, count: key.len) }
        let valueBytes = UnsafeRawBufferPointer(start: value.data, count: value.data == nil ? 0 : value.len)
        try producer.send(topic: topic.string, key: keyBytes, value: valueBytes)
        return DP_OK
    } catch { return ctx.fail(error) }
}
