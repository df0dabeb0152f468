import Foundation
import PluginAPI

extension JobContext {
    private func blobCalls() throws -> dp_host_api {
        try requireHost(\.blob_delete, minor: 3, for: "blob storage")  // the last of the four 1.3 calls
        return host.pointee
    }

    /// Stores `data` under `key` in the host's blob store (local folder, S3, ...).
    public func blobPut(_ key: String, _ data: Data) throws {
        let api = try blobCalls()
        let status = withDPStr(key) { k in
            data.withUnsafeBytes { b in api.blob_put(run, k, dp_bytes(data: b.baseAddress?.assumingMemoryBound(to: UInt8.self), len: b.count)) }
        }
        try check(status)
    }

    /// Reads a whole object; throws `.notFound` when there is none.
    public func blobGet(_ key: String) throws -> Data {
        let api = try blobCalls()
        var out = dp_bytes(data: nil, len: 0)
        try check(withDPStr(key) { api.blob_get(run, $0, &out) })
        return out.data.map { Data(bytes: $0, count: out.len) } ?? Data()
    }

    /// Keys under `prefix`, in byte order.
    public func blobList(_ prefix: String) throws -> [String] {
        let api = try blobCalls()
        final class Keys { var all: [String] = [] }
        let keys = Keys()
        let status = withDPStr(prefix) { p in
            api.blob_list(
                run, p,
                { user, key in
                    Unmanaged<Keys>.fromOpaque(user!).takeUnretainedValue().all.append(key.string)
                    return DP_OK
                }, Unmanaged.passUnretained(keys).toOpaque())
        }
        try check(status)
        return keys.all
    }

    public func blobDelete(_ key: String) throws {
        let api = try blobCalls()
        try check(withDPStr(key) { api.blob_delete(run, $0) })
    }
}
