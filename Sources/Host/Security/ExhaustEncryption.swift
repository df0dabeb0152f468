import Crypto
import CryptoExtras
import Foundation

/// The data-security levels of the tenant preference `dataSecurityPolicy` (lern-exhaust-spec §2.9).
enum SecurityLevel: String {
    case plain = "PLAIN_DATASET"
    case password = "PASSWORD_PROTECTED_DATASET"
    case textKey = "TEXT_KEY_ENCRYPTED_DATASET"
    case publicKey = "PUBLIC_KEY_ENCRYPTED_DATASET"
}

/// Upstream's `EncryptFileUtil` file format (lern-exhaust-spec §2.10), byte for byte, so consumers'
/// existing decryptors keep working (QUIRK Q36: zero IVs and an MD5-derived wrapping key are kept,
/// not silently strengthened):
///
///     <level name>\n
///     base64(wrapped file key)\n
///     AES-256/CBC/PKCS5(file key, IV = 16 zero bytes)(original bytes)
///
/// The file key is 32 random bytes (upstream derives it by PBKDF2 from a random UUID and a random
/// salt, which amounts to the same: a fresh random key per file). TEXT_KEY wraps it with
/// AES-256/CBC/PKCS5, zero IV, key = the 32 ASCII bytes of the upper-case hex MD5 of the text key;
/// PUBLIC_KEY wraps it with RSA/ECB/PKCS1 v1.5 under the organisation's public key (PEM).
enum ExhaustEncryption {
    static let zeroIV = try! AES._CBC.IV(ivBytes: [UInt8](repeating: 0, count: 16))

    static func encrypt(
        _ plain: Data, level: SecurityLevel, textKey: String? = nil, publicKeyPEM: String? = nil,
        fileKey: SymmetricKey = SymmetricKey(size: .bits256)
    ) throws -> Data {
        let keyBytes = fileKey.withUnsafeBytes { Data($0) }
        let wrapped: Data
        switch level {
        case .textKey:
            guard let textKey, !textKey.isEmpty else {
                throw HostError.internal("TEXT_KEY_ENCRYPTED_DATASET needs the request's encryption key, and the request has none")
            }
            wrapped = try AES._CBC.encrypt(keyBytes, using: textWrappingKey(textKey), iv: zeroIV)
        case .publicKey:
            guard let publicKeyPEM else { throw HostError.internal("PUBLIC_KEY_ENCRYPTED_DATASET needs the organisation's public key") }
            let key = try _RSA.Encryption.PublicKey(pemRepresentation: publicKeyPEM)
            wrapped = try key.encrypt(keyBytes, padding: ._WEAK_AND_INSECURE_PKCS_V1_5)
        case .plain, .password:
            throw HostError.internal("level \(level.rawValue) does not encrypt files")
        }
        var out = Data("\(level.rawValue)\n\(wrapped.base64EncodedString())\n".utf8)
        out.append(try AES._CBC.encrypt(plain, using: fileKey, iv: zeroIV))
        return out
    }

    /// The TEXT_KEY consumer side (tests, tools): the original bytes back.
    static func decrypt(_ file: Data, textKey: String) throws -> Data {
        let lines = file.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, let wrapped = Data(base64Encoded: Data(lines[1])) else {
            throw HostError.internal("not an encrypted exhaust file")
        }
        let key = try AES._CBC.decrypt(wrapped, using: textWrappingKey(textKey), iv: zeroIV)
        return try AES._CBC.decrypt(Data(lines[2]), using: SymmetricKey(data: key), iv: zeroIV)
    }

    static func textWrappingKey(_ text: String) -> SymmetricKey {
        let hex = Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02X", $0) }.joined()
        return SymmetricKey(data: Data(hex.utf8))
    }
}
