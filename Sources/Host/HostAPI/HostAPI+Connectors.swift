import Foundation
import PluginAPI
import RowBatch

// Connectors: HTTP, the Redis user and course caches, the blob store.

func hostHttp(
    _ run: OpaquePointer?, _ request: UnsafePointer<dp_http_request>?, _ statusOut: UnsafeMutablePointer<Int32>?,
    _ bodyOut: UnsafeMutablePointer<dp_str>?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let request, let statusOut, let bodyOut else {
        return ctx.fail(HostCallError.invalid("http needs a request, status_out and body_out"))
    }
    do {
        let response = try ctx.http.send(HTTPRequest(request.pointee))
        statusOut.pointee = response.status
        bodyOut.pointee = ctx.keepResponse(response.body)
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

extension HTTPRequest {
    /// A plugin's request with upstream's defaults: `user-id: analytics`, and a JSON content type
    /// when there is a body, unless the job set them.
    init(_ r: dp_http_request) {
        var headers: [(String, String)] = (0..<r.n_headers).map { i in
            let line = r.headers[i].string
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts.first ?? ""), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        if !headers.contains(where: { $0.0.lowercased() == "user-id" }) { headers.append(("user-id", "analytics")) }
        let body: String? = r.body.data == nil ? nil : r.body.string
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            headers.append(("Content-Type", "application/json"))
        }
        self.init(method: r.method.string, url: r.url.string, headers: headers, body: body, timeoutMs: Int(r.timeout_ms))
    }
}

func hostRedisRead(
    _ run: OpaquePointer?, _ keys: UnsafePointer<dp_str>?, _ nKeys: Int, _ fields: UnsafePointer<dp_str>?, _ nFields: Int, _ onBatch: dp_batch_fn?,
    _ user: UnsafeMutableRawPointer?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onBatch, nKeys == 0 || keys != nil, nFields == 0 || fields != nil else {
        return ctx.fail(HostCallError.invalid("redis_read needs keys, fields and a callback"))
    }
    do {
        let keyList = (0..<nKeys).map { keys![$0].string }
        let fieldList = (0..<nFields).map { fields![$0].string }
        try ctx.redis().read(keys: keyList, fields: fieldList) { builder in
            ctx.progress.read("user cache", rows: builder.count)
            try HostAPI.deliver(builder, onBatch, user, what: "redis_read")
        }
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostRedisWrite(_ run: OpaquePointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?, _ array: UnsafeMutablePointer<ArrowArray>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let schema, let array else { return ctx.fail(HostCallError.invalid("redis_write needs a batch")) }
    do {
        try ctx.redis().write(try BatchView(schema: schema, array: array))
        return DP_OK
    } catch {
        return ctx.fail(error)
    }
}

func hostCourseCacheMembers(_ run: OpaquePointer?, _ key: dp_str, _ onBatch: dp_batch_fn?, _ user: UnsafeMutableRawPointer?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onBatch else { return ctx.fail(HostCallError.invalid("course_cache_members needs a callback")) }
    do {
        let builder = BatchBuilder(fields: [Field("member", .utf8)])
        for m in try ctx.courseCache().members(key.string) {
            builder.set(0, .string(m))
            builder.endRow()
        }
        try HostAPI.deliver(builder, onBatch, user, what: "course_cache_members")
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostBlobPut(_ run: OpaquePointer?, _ key: dp_str, _ data: dp_bytes) -> dp_status {
    let ctx = HostAPI.context(run)
    do {
        let bytes = data.data.map { Data(bytes: $0, count: data.len) } ?? Data()
        try ctx.blob().put(key: try HostAPI.blobKey(key), data: bytes)
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostBlobGet(_ run: OpaquePointer?, _ key: dp_str, _ out: UnsafeMutablePointer<dp_bytes>?) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let out else { return ctx.fail(HostCallError.invalid("blob_get needs data_out")) }
    do {
        out.pointee = ctx.keepBlob(try ctx.blob().get(key: try HostAPI.blobKey(key)))
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostBlobList(
    _ run: OpaquePointer?, _ prefix: dp_str, _ onKey: (@convention(c) (UnsafeMutableRawPointer?, dp_str) -> dp_status)?,
    _ user: UnsafeMutableRawPointer?
) -> dp_status {
    let ctx = HostAPI.context(run)
    guard let onKey else { return ctx.fail(HostCallError.invalid("blob_list needs a callback")) }
    do {
        for key in try ctx.blob().list(prefix: prefix.string) {
            let status = key.withCString { onKey(user, dp_str(data: $0, len: strlen($0))) }
            if status != DP_OK { return status }
        }
        return DP_OK
    } catch { return ctx.fail(error) }
}

func hostBlobDelete(_ run: OpaquePointer?, _ key: dp_str) -> dp_status {
    let ctx = HostAPI.context(run)
    do {
        try ctx.blob().delete(key: try HostAPI.blobKey(key))
        return DP_OK
    } catch { return ctx.fail(error) }
}

extension HostAPI {
    /// A plugin's blob key, checked by the one rule for paths from data.
    static func blobKey(_ key: dp_str) throws -> String {
        let k = key.string
        if let why = DataPath.problem(relative: k) { throw HostCallError.invalid("blob key '\(DataPath.shown(k))' \(why)") }
        return k
    }
}
