import Crypto
import CryptoExtras
import Foundation
import RowBatch

/// What the requesting organisation's tenant preferences say about its exhaust files
/// (lern-exhaust-spec §2.9): the data-security level for this job and the PII fields.
struct SecurityPolicy {
    var level: String = ""
    var piiFields: [String] = []

    /// POSTs the tenant-preference read API twice (`dataSecurityPolicy`, `userPrivateFields`). Unlike
    /// upstream (QUIRK Q9, where any failure aborts the whole run) a failure here fails only the request.
    static func lookup(url: String?, orgId: String, jobId: String, http: HTTPConnector) throws -> SecurityPolicy {
        guard let url, !url.isEmpty else { return SecurityPolicy() }
        let level = try self.level(url: url, orgId: orgId, jobId: jobId, http: http)
        let pii = try preference("userPrivateFields", url: url, orgId: orgId, http: http)["piiFields"]?.array?.compactMap(\.string) ?? []
        return SecurityPolicy(level: level, piiFields: pii)
    }

    /// The level for `jobId`: `data.job[jobId].level` when non-empty, else `data.level`.
    static func level(url: String, orgId: String, jobId: String, http: HTTPConnector) throws -> String {
        let policy = try preference("dataSecurityPolicy", url: url, orgId: orgId, http: http)
        let level = policy["job"]?[jobId]?["level"]?.string ?? ""
        return level.isEmpty ? policy["level"]?.string ?? "" : level
    }

    /// `result.response.data` of one tenant-preference key.
    private static func preference(_ key: String, url: String, orgId: String, http: HTTPConnector) throws -> JSONValue {
        let body = JSONValue.object([("request", .object([("orgId", .string(orgId)), ("key", .string(key))]))]).render()
        let r = try http.send(
            HTTPRequest(
                method: "POST", url: url, headers: [("Content-Type", "application/json"), ("user-id", "analytics")],
                body: body, timeoutMs: 0))
        guard r.status == 200 else { throw HostError.internal("tenant preferences (\(key)) for org \(orgId) answered HTTP \(r.status)") }
        do { return try JSONParser.parse(r.body)["result"]?["response"]?["data"] ?? .null } catch {
            throw HostError.internal("tenant preferences (\(key)) for org \(orgId): answer is not JSON: \(error)")
        }
    }

    /// The organisation's public key (PUBLIC_KEY level): org search → `keys.exhaustEncryptionKey[0]`
    /// (a URL) → the PEM it serves.
    static func publicKey(orgSearchURL: String?, orgId: String, http: HTTPConnector) throws -> String {
        guard let orgSearchURL, !orgSearchURL.isEmpty else {
            throw HostError.internal("PUBLIC_KEY_ENCRYPTED_DATASET needs modelParams.orgSearchUrl to find the organisation's key")
        }
        let body = JSONValue.object([("request", .object([("filters", .object([("id", .string(orgId))]))]))]).render()
        let r = try http.send(
            HTTPRequest(
                method: "POST", url: orgSearchURL, headers: [("Content-Type", "application/json"), ("user-id", "analytics")],
                body: body, timeoutMs: 0))
        let answer = (try? JSONParser.parse(r.body)) ?? .null
        guard r.status == 200,
            let keyURL = answer["result"]?["response"]?["content"]?.array?.first?["keys"]?["exhaustEncryptionKey"]?
                .array?.first?.string, !keyURL.isEmpty
        else {
            throw HostError.internal("org search found no exhaustEncryptionKey for org \(orgId) (HTTP \(r.status))")
        }
        let pem = try http.send(HTTPRequest(method: "GET", url: keyURL, headers: [], body: nil, timeoutMs: 0))
        guard pem.status == 200, pem.body.contains("PUBLIC KEY") else {
            throw HostError.internal("public key \(keyURL) for org \(orgId): HTTP \(pem.status), no PEM")
        }
        return pem.body
    }
}

/// Turns one staged CSV into the zip that is published, as the level demands (§2.10–2.11):
/// plain zip (PLAIN, and when the tenant has no preference); ZipCrypto password = the request key
/// (PASSWORD; no key fails the file, QUIRK Q52); the encrypted-file format inside a
/// plain zip (TEXT_KEY, PUBLIC_KEY). Only the zip leaves the host (QUIRK Q16 decided: the plain CSV is
/// never published). Each file has its own work files (QUIRK Q18 decided).
enum OutputSecurity {
    static func secure(csv: String, level: String, key: String?, publicKeyPEM: () throws -> String) throws -> String {
        let zip = (csv.hasSuffix(".csv") ? String(csv.dropLast(4)) : csv) + ".zip"
        let entry = (csv as NSString).lastPathComponent
        switch SecurityLevel(rawValue: level) {
        case nil where !level.isEmpty:
            throw HostError.internal("unknown data security level '\(level)'")
        case nil, .plain?:
            try ZipWriter.write(entry: entry, from: csv, to: zip, password: nil)
        case .password?:
            guard let key, !key.isEmpty else {
                // QUIRK Q52 decided: upstream zips without a password and records SUCCESS; a tenant that
                // requires its data protected never gets it unprotected, so the request fails.
                throw HostError.internal("PASSWORD_PROTECTED_DATASET needs an encryption_key, and the request has none: nothing was published")
            }
            try ZipWriter.write(entry: entry, from: csv, to: zip, password: key)
        case let l? where l == .textKey || l == .publicKey:
            let encrypted = csv + ".encrypted"
            if l == .textKey {
                guard let key, !key.isEmpty else {
                    // QUIRK Q15 decided: upstream fails every batch with "null"; we say why.
                    throw HostError.internal("TEXT_KEY_ENCRYPTED_DATASET needs an encryption_key, and the request has none")
                }
                try FileEncryption.encrypt(file: csv, to: encrypted, level: .textKey, textKey: key)
            } else {
                try FileEncryption.encrypt(file: csv, to: encrypted, level: .publicKey, publicKeyPEM: try publicKeyPEM())
            }
            try ZipWriter.write(entry: entry, from: encrypted, to: zip, password: nil)
            try? FileManager.default.removeItem(atPath: encrypted)
        case .some:
            preconditionFailure("unreachable")
        }
        return zip
    }
}

/// ExhaustEncryption's format for files of any size: the content is encrypted in 1 MiB CBC chunks
/// (each chunk's IV is the previous ciphertext block), so memory stays bounded.
enum FileEncryption {
    static let chunk = 1 << 20

    static func encrypt(file: String, to out: String, level: SecurityLevel, textKey: String? = nil, publicKeyPEM: String? = nil) throws {
        guard let input = FileHandle(forReadingAtPath: file) else { throw HostError.internal("cannot read \(file)") }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: out, contents: nil), let output = FileHandle(forWritingAtPath: out) else {
            throw HostError.internal("cannot create \(out)")
        }
        defer { try? output.close() }
        let fileKey = SymmetricKey(size: .bits256)
        // The two header lines: encrypting nothing yields exactly them plus one padding block, dropped.
        let header = try ExhaustEncryption.encrypt(Data(), level: level, textKey: textKey, publicKeyPEM: publicKeyPEM, fileKey: fileKey)
        try output.write(contentsOf: header.dropLast(16))
        var iv = ExhaustEncryption.zeroIV
        var pending = Data()
        while true {
            let data = try input.read(upToCount: chunk) ?? Data()
            pending.append(data)
            if data.isEmpty { break }
            let whole = pending.count - pending.count % 16 - (pending.count % 16 == 0 ? 16 : 0)  // keep ≥1 byte for the final padded block
            guard whole > 0 else { continue }
            let c = try AES._CBC.encrypt(pending.prefix(whole), using: fileKey, iv: iv, noPadding: true)
            try output.write(contentsOf: c)
            iv = try AES._CBC.IV(ivBytes: c.suffix(16))
            pending = Data(pending.dropFirst(whole))
        }
        try output.write(contentsOf: try AES._CBC.encrypt(pending, using: fileKey, iv: iv))
    }
}
