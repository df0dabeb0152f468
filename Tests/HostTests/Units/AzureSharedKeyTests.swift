import Foundation
import XCTest
@testable import Host

/// Our Shared Key signer against Microsoft's own (azure-storage-blob's SharedKeyCredentialPolicy,
/// run by Tests/Servers/azure_shared_key.py) for the requests AzureBlobStore sends.
final class AzureSharedKeyTests: XCTestCase {
    // Azurite's published development account and key.
    let account = "devstoreaccount1"
    let key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    let date = "Tue, 24 Nov 2026 01:02:03 GMT"

    func requests() -> [(String, String, [(String, String)])] {
        let base = "https://\(account).blob.core.windows.net/reports"
        let common = [("x-ms-date", date), ("x-ms-version", AzureBlobStore.version)]
        return [
            (
                "PUT", base + "/dev/batch-001/a%20b.csv",
                common + [("x-ms-blob-type", "BlockBlob"), ("Content-Length", "11"), ("Content-Type", "application/octet-stream")]
            ),
            (
                "PUT", base + "/dev/big.csv?comp=block&blockid=YmxvY2stMDAwMDAwMDE%3D",
                common + [("Content-Length", "8388608"), ("Content-Type", "application/octet-stream")]
            ),
            ("GET", base + "?restype=container&comp=list&prefix=dev%2Fbatch-001%2F&marker=2%21abc", common),
            ("DELETE", base + "/dev/batch-001/a%20b.csv", common + [("Content-Length", "0")]),
        ]
    }

    func testMatchesTheAzureSDK() throws {
        let job: [String: Any] = [
            "account": account, "key": key,
            "requests": requests().map { m, u, h in
                ["method": m, "url": u, "headers": h.map { [$0.0, $0.1] }] as [String: Any]
            },
        ]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Harness.repoRoot + "/Tests/Servers/azure_shared_key.py"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: job))
        try input.fileHandleForWriting.close()
        let sdk = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "pip install azure-storage-blob (scripts/setup.sh does)")
        let ours = try requests().map { try AzureSharedKey.authorization(method: $0.0, url: $0.1, headers: $0.2, account: account, key: key) }
        XCTAssertEqual(ours.count, 4)
        XCTAssertEqual(ours, sdk)
    }

    func testStringToSignLayout() {
        let s = AzureSharedKey.stringToSign(
            method: "GET", url: "https://a.blob.core.windows.net/c?comp=list&restype=container",
            headers: [("x-ms-version", "2021-08-06"), ("x-ms-date", date)], account: "a")
        XCTAssertEqual(s, "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:\(date)\nx-ms-version:2021-08-06\n/a/c\ncomp:list\nrestype:container")
    }

    func testStoreSpec() throws {
        let env = ["AZURE_STORAGE_ACCESS_KEY": key]
        let s = try BlobStoreFactory.make("azure://reports/dev?account=\(account)", environment: env) as! AzureBlobStore
        XCTAssertEqual(s.url("batch 1/x.zip"), "https://\(account).blob.core.windows.net/reports/dev/batch%201/x.zip")
        let upstreamNames =
            try BlobStoreFactory.make("azure://reports", environment: ["azure_storage_key": "acct", "azure_storage_secret": key]) as! AzureBlobStore
        XCTAssertEqual(upstreamNames.account, "acct")
        XCTAssertThrowsError(try BlobStoreFactory.make("azure://reports?account=a", environment: [:])) {
            XCTAssertTrue("\($0)".contains("AZURE_STORAGE_ACCESS_KEY"), "\($0)")
        }
    }
}
