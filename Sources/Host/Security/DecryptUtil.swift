import Crypto
import CryptoExtras
import Foundation

/// Upstream's `DecryptUtil.decryptData` (lern-jobs-spec §0.3): the platform's reversible encryption of
/// PII and request keys. Three rounds of: lenient base64 decode, AES-128/ECB/PKCS5 with the fixed key
/// `ThisAsISerceKtey`, UTF-8 decode, drop the first len(sunbird_encryption_key) characters (the salt).
/// Blank input, and any value that does not decrypt, comes back unchanged.
enum DecryptUtil {
    static let platformKey = SymmetricKey(data: Data("ThisAsISerceKtey".utf8))
    static let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `salt` is `sunbird_encryption_key` with \r, \t, \n written as two-character escapes (upstream).
    static func decrypt(_ value: String, salt: String) -> String {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { return value }
        let saltLength = escaped(salt).count
        var text = value
        for _ in 0..<3 {
            guard let bytes = lenientBase64(text), let clear = try? ecbDecrypt(bytes),
                let s = String(data: clear, encoding: .utf8), s.count >= saltLength
            else { return value }
            text = String(s.dropFirst(saltLength))
        }
        return text
    }

    /// The inverse (what the platform's encryption service does): used by tests and tools.
    static func encrypt(_ value: String, salt: String) throws -> String {
        var text = value
        for _ in 0..<3 { text = try ecbEncrypt(Data((escaped(salt) + text).utf8)).base64EncodedString() }
        return text
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// commons-codec's lenient decoding: characters outside the alphabet are skipped.
    static func lenientBase64(_ s: String) -> Data? {
        var clean = String(decoding: s.utf8.filter { base64Alphabet.contains($0) }, as: UTF8.self)
        guard !clean.isEmpty else { return nil }
        while clean.utf8.count % 4 != 0 { clean += "=" }
        return Data(base64Encoded: clean)
    }

    // ECB = the AES block function applied block by block (CryptoExtras' AES.permute).
    static func ecbDecrypt(_ data: Data) throws -> Data {
        guard !data.isEmpty, data.count % 16 == 0 else { throw CryptoKitError.incorrectParameterSize }
        var out = [UInt8](data)
        for start in stride(from: 0, to: out.count, by: 16) {
            var block = Array(out[start..<start + 16])
            try AES.inversePermute(&block, key: platformKey)
            out.replaceSubrange(start..<start + 16, with: block)
        }
        guard let pad = out.last, (1...16).contains(pad), out.suffix(Int(pad)).allSatisfy({ $0 == pad }) else {
            throw CryptoKitError.incorrectParameterSize
        }
        return Data(out.dropLast(Int(pad)))
    }

    static func ecbEncrypt(_ data: Data) throws -> Data {
        let pad = 16 - data.count % 16
        var out = [UInt8](data) + [UInt8](repeating: UInt8(pad), count: pad)
        for start in stride(from: 0, to: out.count, by: 16) {
            var block = Array(out[start..<start + 16])
            try AES.permute(&block, key: platformKey)
            out.replaceSubrange(start..<start + 16, with: block)
        }
        return Data(out)
    }
}
