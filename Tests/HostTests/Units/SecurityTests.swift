import Foundation
import XCTest
@testable import Host

/// The exhaust security formats against independent implementations: Python's `cryptography` for
/// upstream's encrypted-file format (TEXT_KEY, PUBLIC_KEY), Python's zipfile and Info-ZIP's unzip for
/// the ZipCrypto zips (upstream TestEncryptFileUtil's intent: encrypt with a known key, decrypt, compare).
final class SecurityTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dp-sec-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func oracle(_ args: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Harness.repoRoot + "/Tests/Servers/exhaust_crypto_oracle.py"] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "oracle \(args)")
        return data
    }

    func sample(_ n: Int) -> Data { Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }) }

    func testTextKeyFileDecryptsWithAnIndependentImplementation() throws {
        let csv = Data("Collection Id,User UUID\ndo_1,\"user, 1\"\n".utf8)
        let file = dir + "/ap.csv"
        try csv.write(to: URL(fileURLWithPath: file))
        try FileEncryption.encrypt(file: file, to: file + ".enc", level: .textKey, textKey: "123")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file + ".enc"))
        let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2)
        XCTAssertEqual(String(decoding: lines[0], as: UTF8.self), "TEXT_KEY_ENCRYPTED_DATASET")
        XCTAssertEqual(lines[1].count, 64)  // base64 of the 48-byte wrapped key
        XCTAssertEqual(try oracle(["decrypt-text", file + ".enc", "123"]), csv)
        XCTAssertEqual(try ExhaustEncryption.decrypt(bytes, textKey: "123"), csv)
    }

    func testPublicKeyFileDecryptsWithTheOrganisationsPrivateKey() throws {
        _ = try oracle(["keypair", dir])
        let pem = try String(contentsOfFile: dir + "/public.pem", encoding: .utf8)
        let csv = sample(70_000)
        try csv.write(to: URL(fileURLWithPath: dir + "/r.csv"))
        try FileEncryption.encrypt(file: dir + "/r.csv", to: dir + "/r.enc", level: .publicKey, publicKeyPEM: pem)
        XCTAssertEqual(try oracle(["decrypt-rsa", dir + "/r.enc", dir + "/private.pem"]), csv)
    }

    /// Streaming in 1 MiB CBC chunks gives exactly the one-shot encryption, at every boundary.
    func testStreamedEncryptionEqualsOneShotAtChunkBoundaries() throws {
        for n in [0, 1, 15, 16, 17, FileEncryption.chunk - 1, FileEncryption.chunk, FileEncryption.chunk + 1, 3 * FileEncryption.chunk + 5] {
            let plain = sample(n)
            try plain.write(to: URL(fileURLWithPath: dir + "/p"))
            try FileEncryption.encrypt(file: dir + "/p", to: dir + "/e", level: .textKey, textKey: "k")
            let e = try Data(contentsOf: URL(fileURLWithPath: dir + "/e"))
            XCTAssertEqual(try ExhaustEncryption.decrypt(e, textKey: "k"), plain, "size \(n)")
            XCTAssertEqual((e.count - e.split(separator: 10, maxSplits: 2)[0...1].map(\.count).reduce(2, +)) % 16, 0)
        }
    }

    func testTextKeyWithoutAKeyIsAClearError() {
        XCTAssertThrowsError(try ExhaustEncryption.encrypt(Data("x".utf8), level: .textKey, textKey: "")) {
            XCTAssertTrue("\($0)".contains("needs the request's encryption key"), "\($0)")
        }
    }

    func testPasswordZipIsZipCryptoAndOpensEverywhere() throws {
        let csv = "a,b\n1,2\n"
        try csv.write(toFile: dir + "/batch-001_userinfo_20201019.csv", atomically: true, encoding: .utf8)
        let zip = try OutputSecurity.secure(
            csv: dir + "/batch-001_userinfo_20201019.csv", level: "PASSWORD_PROTECTED_DATASET",
            key: "test12"
        ) { "" }
        XCTAssertEqual(zip, dir + "/batch-001_userinfo_20201019.zip")
        // Python's zipfile: one entry named like the CSV, the encryption bit set, the password opens it.
        XCTAssertEqual(String(decoding: try oracle(["unzip", zip, "test12"]), as: UTF8.self), "batch-001_userinfo_20201019.csv\n1\n" + csv)
        XCTAssertEqual(String(decoding: try Harness.unzip(zip, password: "test12"), as: UTF8.self), csv)
        XCTAssertThrowsError(try Harness.unzip(zip, password: "wrong"))
        // PLAIN: no encryption bit.
        let plain = try OutputSecurity.secure(csv: dir + "/batch-001_userinfo_20201019.csv", level: "PLAIN_DATASET", key: "test12") { "" }
        XCTAssertEqual(String(decoding: try oracle(["unzip", plain]), as: UTF8.self), "batch-001_userinfo_20201019.csv\n0\n" + csv)
        XCTAssertThrowsError(try OutputSecurity.secure(csv: dir + "/batch-001_userinfo_20201019.csv", level: "123", key: nil) { "" })
    }

    /// DecryptUtil (jobs-spec §0.3): what the platform encrypted comes back; anything else passes through.
    func testDecryptUtil() throws {
        let salt = "SunBird"
        let enc = try DecryptUtil.encrypt("mahesh@ilimi.in", salt: salt)
        XCTAssertNotEqual(enc, "mahesh@ilimi.in")
        XCTAssertEqual(DecryptUtil.decrypt(enc, salt: salt), "mahesh@ilimi.in")
        // Encrypted by an independent implementation of the platform's scheme.
        let theirs = String(decoding: try oracle(["platform-encrypt", "9876543210", salt]), as: UTF8.self)
        XCTAssertEqual(theirs, try DecryptUtil.encrypt("9876543210", salt: salt))
        XCTAssertEqual(DecryptUtil.decrypt(theirs, salt: salt), "9876543210")
        XCTAssertEqual(DecryptUtil.decrypt("test12", salt: salt), "test12")  // the tests' plain keys are used as is
        XCTAssertEqual(DecryptUtil.decrypt("", salt: salt), "")
        XCTAssertEqual(DecryptUtil.decrypt("   ", salt: salt), "   ")
        XCTAssertEqual(DecryptUtil.decrypt("aGVsbG8gd29ybGQgdGhpcyBpcyBub3Q=", salt: salt), "aGVsbG8gd29ybGQgdGhpcyBpcyBub3Q=")
        // commons-codec decodes leniently: line breaks inside the base64 are skipped.
        let wrapped = String(enc.prefix(10)) + "\n" + String(enc.dropFirst(10))
        XCTAssertEqual(DecryptUtil.decrypt(wrapped, salt: salt), "mahesh@ilimi.in")
    }
}
