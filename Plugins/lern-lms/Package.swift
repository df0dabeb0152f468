// swift-tools-version:5.10
// Lern lms building block: the on-demand collection exhausts (progress, response, user info) and the
// assessment archival, built as one plugin library.
import PackageDescription
import Foundation

// The host package two levels up; SwiftPM names a path dependency after its folder, whatever the clone is called.
let hostPath = "../.."
let hostPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(hostPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "lern-lms",
    products: [.library(name: "lern-lms", type: .dynamic, targets: ["LernLms"])],
    dependencies: [.package(path: hostPath)],
    targets: [
        // zlib (Debian: zlib1g-dev): the archived assessment files are gzip-compressed CSV.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL's libcrypto (Debian: libssl-dev): MD5 of the archival request ids (upstream's ids, not security).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "LernLms", dependencies: [.product(name: "PluginKit", package: hostPackage), "CZlib", "COpenSSL"]),
        .testTarget(name: "LernLmsTests", dependencies: ["LernLms"]),
    ]
)
