import Crypto
import Foundation
import PluginAPI

/// Azure Blob Storage Shared Key signing (REST "Authorize with Shared Key", version 2009-09-19+):
/// HMAC-SHA256 with the base64-decoded account key over the verb, the standard headers, the
/// canonicalized x-ms-* headers and the canonicalized resource.
enum AzureSharedKey {
    static let signedHeaders = [
        "content-encoding", "content-language", "content-length", "content-md5", "content-type",
        "date", "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range",
    ]

    static func stringToSign(method: String, url: String, headers: [(String, String)], account: String) -> String {
        var h: [String: String] = [:]
        for (k, v) in headers where !v.isEmpty { h[k.lowercased()] = v }
        if h["content-length"] == "0" { h["content-length"] = nil }  // signed empty since 2015-02-21
        var s = method.uppercased() + "\n" + signedHeaders.map { h[$0] ?? "" }.joined(separator: "\n") + "\n"
        for (k, v) in h.filter({ $0.key.hasPrefix("x-ms-") }).sorted(by: { $0.key < $1.key }) { s += "\(k):\(v)\n" }
        let u = URLComponents(string: url)
        s += "/" + account + (u?.percentEncodedPath ?? "")
        var query: [String: [String]] = [:]
        for item in u?.queryItems ?? [] { query[item.name.lowercased(), default: []].append(item.value ?? "") }
        for (k, values) in query.sorted(by: { $0.key < $1.key }) { s += "\n\(k):" + values.sorted().joined(separator: ",") }
        return s
    }

    /// The Authorization header value: `SharedKey account:signature`.
    static func authorization(method: String, url: String, headers: [(String, String)], account: String, key: String) throws -> String {
        guard let secret = Data(base64Encoded: key) else { throw HostError.config("the Azure account key is not base64") }
        let text = stringToSign(method: method, url: url, headers: headers, account: account)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: secret))
        return "SharedKey \(account):\(Data(mac).base64EncodedString())"
    }
}

/// An Azure Blob container: `azure://CONTAINER[/PREFIX][?account=NAME&endpoint=URL&blockSize=BYTES]`.
/// Account name from the spec or `azure_storage_key` (upstream's variable), key from
/// `AZURE_STORAGE_ACCESS_KEY` or `azure_storage_secret`. Files above blockSize go up as blocks
/// plus a block list, so a half-uploaded blob never becomes visible.
struct AzureBlobStore: BlobStore {
    var container: String
    var prefix: String
    var account: String
    var endpoint: String
    var blockSize: Int
    private let key: String
    private let http: CurlHTTP
    static let version = "2021-08-06"

    init(spec: String, environment: [String: String]) throws {
        guard let u = URLComponents(string: spec), let c = u.host, !c.isEmpty else {
            throw HostError.config("blob store \(spec): expected azure://container/prefix?account=NAME")
        }
        container = c
        prefix = u.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var q: [String: String] = [:]
        for item in u.queryItems ?? [] { q[item.name] = item.value ?? "" }
        guard let a = q["account"] ?? environment["azure_storage_key"], !a.isEmpty else {
            throw HostError.config("blob store \(spec): name the account (?account=NAME or azure_storage_key)")
        }
        account = a
        guard let k = environment["AZURE_STORAGE_ACCESS_KEY"] ?? environment["azure_storage_secret"], !k.isEmpty else {
            throw HostError.config("blob store \(spec): set AZURE_STORAGE_ACCESS_KEY (or azure_storage_secret)")
        }
        key = k
        endpoint = (q["endpoint"] ?? "https://\(a).blob.core.windows.net").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        blockSize = Int(q["blockSize"] ?? "") ?? 8 << 20
        http = try CurlHTTP(options: "attempts=3,timeoutMs=300000,backoffMs=200")
    }

    func url(_ blob: String?, query: String = "") -> String {
        var path = "/" + container
        if let blob { path += "/" + BlobKeys.path(prefix: prefix, key: blob) }
        return endpoint + path + (query.isEmpty ? "" : "?" + query)
    }

    static let httpDate = DateFormatter.utc("EEE, dd MMM yyyy HH:mm:ss 'GMT'", zone: TimeZone(identifier: "GMT")!)

    private func send(
        _ method: String, _ url: String, body: Data? = nil, extra: [(String, String)] = [],
        expect: Set<Int32>
    ) throws -> CurlHTTP.RawResponse {
        var headers = extra + [("x-ms-date", Self.httpDate.string(from: Date())), ("x-ms-version", Self.version)]
        if let body { headers += [("Content-Length", String(body.count)), ("Content-Type", "application/octet-stream")] }
        headers.append(("Authorization", try AzureSharedKey.authorization(method: method, url: url, headers: headers, account: account, key: key)))
        headers.append(("Expect", ""))
        // Retries re-send the same signature: x-ms-date stays within Azure's 15-minute window.
        let raw = try http.sendRaw(
            HTTPRequest(method: method, url: url, headers: headers, body: nil, timeoutMs: 0),
            bodyData: body ?? (method == "PUT" ? Data() : nil))
        if expect.contains(raw.status) { return raw }
        if raw.status == 404 { throw HostCallError.notFound("\(method) \(url): not found") }
        throw HostCallError.io("\(method) \(url): HTTP \(raw.status): \(String(decoding: raw.body.prefix(300), as: UTF8.self))")
    }

    func put(key blob: String, data: Data) throws {
        _ = try send("PUT", url(blob), body: data, extra: [("x-ms-blob-type", "BlockBlob")], expect: [201])
    }

    func putFile(key blob: String, path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HostCallError.io("cannot read \(path)") }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size <= blockSize { return try put(key: blob, data: try handle.readToEnd() ?? Data()) }
        var ids: [String] = []
        while let chunk = try handle.read(upToCount: blockSize), !chunk.isEmpty {
            let id = Data(String(format: "block-%08d", ids.count).utf8).base64EncodedString()
            let q = "comp=block&blockid=" + BlobKeys.encode(id)
            _ = try send("PUT", url(blob, query: q), body: chunk, expect: [201])
            ids.append(id)
        }
        let list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" + ids.map { "<Latest>\($0)</Latest>" }.joined() + "</BlockList>"
        _ = try send("PUT", url(blob, query: "comp=blocklist"), body: Data(list.utf8), expect: [201])
    }

    func get(key blob: String) throws -> Data { try send("GET", url(blob), expect: [200]).body }

    func list(prefix listPrefix: String) throws -> [String] {
        let full = prefix.isEmpty ? listPrefix : prefix + "/" + listPrefix
        var names: [String] = []
        var marker = ""
        repeat {
            var q = "restype=container&comp=list&prefix=" + BlobKeys.encode(full)
            if !marker.isEmpty { q += "&marker=" + BlobKeys.encode(marker) }
            let xml = String(decoding: try send("GET", url(nil, query: q), expect: [200]).body, as: UTF8.self)
            let strip = prefix.isEmpty ? 0 : prefix.count + 1
            names += S3BlobStore.xmlValues("Name", in: xml).map { String($0.dropFirst(strip)) }
            marker = S3BlobStore.xmlValues("NextMarker", in: xml).first ?? ""
        } while !marker.isEmpty
        return names.sorted()
    }

    func delete(key blob: String) throws { _ = try send("DELETE", url(blob), expect: [202, 404]) }
}
