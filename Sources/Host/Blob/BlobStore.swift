import Foundation
import PluginAPI

/// Where reports and archives are stored: a local folder (default), an S3-compatible bucket, or an
/// Azure Blob container.
/// Keys are '/'-separated paths below the store's prefix (upstream: container + object key prefix).
protocol BlobStore {
    func put(key: String, data: Data) throws
    /// Uploads a file; large files go in parts (S3 multipart) so memory stays bounded by a part.
    func putFile(key: String, path: String) throws
    func get(key: String) throws -> Data
    func list(prefix: String) throws -> [String]
    func delete(key: String) throws
}

enum BlobStoreFactory {
    /// `local:DIR` or `s3://BUCKET[/PREFIX][?endpoint=URL&region=R&style=path|virtual&partSize=BYTES]`;
    /// S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, never from the spec.
    static func make(_ spec: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BlobStore {
        try make(try BlobSpec(spec), environment: environment)
    }

    static func make(_ spec: BlobSpec, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BlobStore {
        if let dir = SpecText.split(spec.text, "local") { return LocalBlobStore(root: dir) }
        if spec.text.hasPrefix("s3://") { return try S3BlobStore(spec: spec.text, environment: environment) }
        return try AzureBlobStore(spec: spec.text, environment: environment)
    }
}

/// Key and URL text shared by the object stores.
enum BlobKeys {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986's unreserved characters (query values, path segments).
    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s }

    /// `prefix/key` with each segment encoded and the '/'s kept.
    static func path(prefix: String, key: String) -> String {
        let full = prefix.isEmpty ? key : prefix + "/" + key
        return full.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }
}

/// A folder: keys are relative paths; writes go to a temp file then rename (atomic).
struct LocalBlobStore: BlobStore {
    let root: String

    func path(_ key: String) throws -> String {
        if let why = DataPath.problem(relative: key) { throw HostCallError.invalid("blob key '\(DataPath.shown(key))' \(why)") }
        return (root as NSString).appendingPathComponent(key)
    }

    func put(key: String, data: Data) throws {
        let p = try path(key)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do { try data.write(to: URL(fileURLWithPath: p), options: .atomic) } catch {
            throw HostCallError.io("cannot write blob \(p): \(error.localizedDescription)")
        }
    }

    func putFile(key: String, path source: String) throws {
        let p = try path(key)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let tmp = p + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: tmp)
            guard rename(tmp, p) == 0 else { throw HostCallError.io("cannot publish blob \(p): \(String(cString: strerror(errno)))") }
        } catch let e as HostCallError { throw e } catch {
            throw HostCallError.io("cannot copy \(source) to blob \(p): \(error.localizedDescription)")
        }
    }

    func get(key: String) throws -> Data {
        guard let d = FileManager.default.contents(atPath: try path(key)) else { throw HostCallError.notFound("blob \(key) not found in \(root)") }
        return d
    }

    func list(prefix: String) throws -> [String] {
        let all = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
        return all.filter { rel in
            var d: ObjCBool = false
            return rel.hasPrefix(prefix) && FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(rel), isDirectory: &d)
                && !d.boolValue
        }.sorted()
    }

    func delete(key: String) throws {
        let p = try path(key)
        guard FileManager.default.fileExists(atPath: p) else { return }  // deleting nothing is fine, as in S3
        try FileManager.default.removeItem(atPath: p)
    }
}
