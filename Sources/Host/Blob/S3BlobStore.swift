import Foundation
import PluginAPI

/// An S3-compatible bucket over libcurl, which signs every request with AWS Signature V4.
/// Path style (`endpoint/bucket/key`, what MinIO and moto want) or virtual-host style
/// (`bucket.endpoint/key`, AWS's default). Files above `partSize` go up as a multipart upload,
/// aborted if any part fails, so a half-uploaded object never appears.
struct S3BlobStore: BlobStore {
    var bucket: String
    var prefix: String
    var endpoint: URL
    var region: String
    var pathStyle: Bool
    var partSize: Int
    /// Keys per LIST page (at most 1,000 in S3); pages are followed to the end.
    var listPageSize = 1000
    private let credentials: String
    private let http: CurlHTTP

    init(spec: String, environment: [String: String]) throws {
        guard let u = URLComponents(string: spec), let host = u.host, !host.isEmpty else {
            throw HostError.config("blob store \(spec): expected s3://bucket/prefix")
        }
        bucket = host
        prefix = u.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var q: [String: String] = [:]
        for item in u.queryItems ?? [] { q[item.name] = item.value ?? "" }
        region = q["region"] ?? environment["AWS_REGION"] ?? "us-east-1"
        let endpointText = q["endpoint"] ?? "https://s3.\(region).amazonaws.com"
        guard let e = URL(string: endpointText), e.host != nil else { throw HostError.config("blob store \(spec): bad endpoint \(endpointText)") }
        endpoint = e
        pathStyle = (q["style"] ?? (q["endpoint"] == nil ? "virtual" : "path")) == "path"
        partSize = Int(q["partSize"] ?? "") ?? 8 << 20
        guard partSize >= 5 << 20 || q["partSize"] != nil else { throw HostError.config("partSize below S3's 5 MiB minimum") }
        guard let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw HostError.config("blob store \(spec): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        credentials = "\(key):\(secret)"
        http = try CurlHTTP(options: "attempts=3,timeoutMs=300000,backoffMs=200")
    }

    /// The bucket's URL, without a trailing '/'.
    var bucketURL: String {
        let scheme = endpoint.scheme ?? "https", host = endpoint.host!, port = endpoint.port.map { ":\($0)" } ?? ""
        return pathStyle ? "\(scheme)://\(host)\(port)/\(bucket)" : "\(scheme)://\(bucket).\(host)\(port)"
    }

    /// The object's URL (keys are percent-encoded per segment; '/' kept).
    func url(_ key: String, query: String = "") -> String {
        "\(bucketURL)/\(BlobKeys.path(prefix: prefix, key: key))" + (query.isEmpty ? "" : "?" + query)
    }

    private func send(_ method: String, _ url: String, body: Data? = nil, expect: Set<Int32> = [200]) throws -> CurlHTTP.RawResponse {
        // PUT/POST always carry a body (maybe empty) so curl sends Content-Length.
        // Blobs are bytes: never let curl label them form data; skip the 100-continue round trip.
        let headers = body == nil && method != "PUT" && method != "POST" ? [] : [("Content-Type", "application/octet-stream"), ("Expect", "")]
        let r = try http.sendRaw(
            HTTPRequest(method: method, url: url, headers: headers, body: nil, timeoutMs: 0),
            bodyData: body ?? (method == "PUT" || method == "POST" ? Data() : nil),
            aws: ("aws:amz:\(region):s3", credentials))
        if expect.contains(r.status) { return r }
        if r.status == 404 { throw HostCallError.notFound("\(method) \(url): not found") }
        throw HostCallError.io("\(method) \(url): HTTP \(r.status): \(String(decoding: r.body.prefix(300), as: UTF8.self))")
    }

    func put(key: String, data: Data) throws { _ = try send("PUT", url(key), body: data) }

    func putFile(key: String, path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HostCallError.io("cannot read \(path)") }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size <= partSize { return try put(key: key, data: try handle.readToEnd() ?? Data()) }
        let created = String(decoding: try send("POST", url(key, query: "uploads=")).body, as: UTF8.self)
        guard let uploadId = Self.xmlValues("UploadId", in: created).first else {
            throw HostCallError.io("multipart upload of \(key): no UploadId in \(created.prefix(200))")
        }
        let q = "uploadId=" + BlobKeys.encode(uploadId)
        do {
            var parts: [(Int, String)] = []
            var number = 1
            while let chunk = try handle.read(upToCount: partSize), !chunk.isEmpty {
                let part = try send("PUT", url(key, query: "partNumber=\(number)&\(q)"), body: chunk)
                guard let etag = Self.header("etag", in: part.headers) else {
                    throw HostCallError.io("part \(number) of \(key): no ETag in the answer (HTTP \(part.status): \(part.headers.prefix(300)))")
                }
                parts.append((number, etag))
                number += 1
            }
            let xml =
                "<CompleteMultipartUpload>" + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let done = String(decoding: try send("POST", url(key, query: q), body: Data(xml.utf8)).body, as: UTF8.self)
            if done.contains("<Error>") { throw HostCallError.io("completing multipart upload of \(key): \(done.prefix(300))") }
        } catch {
            _ = try? send("DELETE", url(key, query: q), expect: [200, 204])  // abort: no half object, no orphan parts
            throw error
        }
    }

    func get(key: String) throws -> Data {
        try send("GET", url(key)).body
    }

    func list(prefix listPrefix: String) throws -> [String] {
        let full = prefix.isEmpty ? listPrefix : prefix + "/" + listPrefix
        var keys: [String] = []
        var token: String?
        repeat {
            var q = "list-type=2&max-keys=\(listPageSize)&prefix=" + BlobKeys.encode(full)
            if let token { q += "&continuation-token=" + BlobKeys.encode(token) }
            let xml = String(decoding: try send("GET", bucketURL + (pathStyle ? "" : "/") + "?" + q).body, as: UTF8.self)
            let strip = prefix.isEmpty ? 0 : prefix.count + 1
            keys += Self.xmlValues("Key", in: xml).map { String($0.dropFirst(strip)) }
            token = Self.xmlValues("IsTruncated", in: xml).first == "true" ? Self.xmlValues("NextContinuationToken", in: xml).first : nil
        } while token != nil
        return keys.sorted()
    }

    func delete(key: String) throws { _ = try send("DELETE", url(key), expect: [200, 204]) }

    /// Creates the bucket if it does not exist (deployment and tests).
    func createBucket() throws {
        _ = try send("PUT", bucketURL + (pathStyle ? "" : "/"), expect: [200, 409])
    }

    /// Text of every <name>...</name> element (S3's XML is flat enough for this), XML-unescaped.
    static func xmlValues(_ name: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            out.append(
                String(rest[open.upperBound..<close.lowerBound])
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                    .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&amp;", with: "&"))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func header(_ name: String, in headers: String) -> String? {
        for line in headers.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character in Swift
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
