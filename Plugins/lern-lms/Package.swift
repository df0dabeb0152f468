// swift-tools-version:5.10
// Lern lms building block: the on-demand collection exhausts (progress, response, user info) and the
// assessment archival, built as one plugin library.
import PackageDescription
import Foundation

// The SDK (the dataproducts package, for PluginKit) by version: how a block released on its own builds.
// Inside the dataproducts repository the scripts set DATAPRODUCTS_SDK_PATH to the checkout instead.
let sdkPath = Context.environment["DATAPRODUCTS_SDK_PATH"]
let sdk: Package.Dependency =
    sdkPath.map { .package(path: $0) } ?? .package(url: "https://github.com/sunbird-dataproducts/dataproducts", from: "1.12.0")
// SwiftPM names a path dependency after its folder, whatever the clone is called.
let sdkPackage = sdkPath.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent } ?? "dataproducts"

let package = Package(
    name: "lern-lms",
    products: [.library(name: "lern-lms", type: .dynamic, targets: ["LernLms"])],
    dependencies: [sdk],
    targets: [
        // zlib (Debian: zlib1g-dev): the archived assessment files are gzip-compressed CSV.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL's libcrypto (Debian: libssl-dev): MD5 of the archival request ids (upstream's ids, not security).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "LernLms", dependencies: [.product(name: "PluginKit", package: sdkPackage), "CZlib", "COpenSSL"]),
        // Its jobs tested as production runs them: the host binary, the stores, the recorded answers (the SDK's test kit).
        .testTarget(name: "LernLmsTests", dependencies: ["LernLms", .product(name: "DataproductsTestKit", package: sdkPackage)]),
    ]
)
