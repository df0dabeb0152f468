import Foundation
import XCTest
@testable import Host

/// Issue 31 class 2, QUIRK Q52: a tenant whose policy is PASSWORD_PROTECTED_DATASET gets a password
/// zip, or nothing. A request without an encryption_key (absent, empty, or one that decrypts to
/// nothing) fails saying so and publishes no file; upstream published a plain zip and recorded SUCCESS.
final class PasswordProtectedWithoutKeyTests: XCTestCase {
    func run(_ backend: Backend, key: String?) throws {
        let b = try ExhaustBench.progressQueue(backend, httpDir: "http-password-level")
        try b.insertRequest(1, extra: ["encryption_key": key])
        try b.insertRequest(2)
        XCTAssertTrue(try b.run("progress-exhaust").stdout.contains("2 request(s): 1 success, 1 failed"))
        let failed = try b.row("REQ-1")
        XCTAssertEqual(failed.status, "FAILED")
        XCTAssertTrue(
            failed.errMessage?.contains("PASSWORD_PROTECTED_DATASET needs an encryption_key, and the request has none") ?? false,
            failed.errMessage ?? "")
        XCTAssertEqual(failed.downloadUrls, [])
        // The other request, with its key, is a password zip; it is the only file published.
        let ok = try b.row("REQ-2")
        XCTAssertEqual(ok.status, "SUCCESS")
        let published = (FileManager.default.enumerator(atPath: b.blob)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".zip") }
        XCTAssertEqual(published, ok.downloadUrls)
        XCTAssertThrowsError(try Harness.unzip(b.blob + "/" + ok.downloadUrls[0], password: nil), "the zip needs its password")
        XCTAssertFalse(try Harness.unzip(b.blob + "/" + ok.downloadUrls[0], password: "test12").isEmpty)
    }

    func testNoKeyOnTheEmbeddedStore() throws { try run(.local, key: nil) }
    func testAnEmptyKeyOnTheEmbeddedStore() throws { try run(.local, key: "") }
    func testNoKeyOnPostgreSQL() throws { try run(.postgres, key: nil) }
}
