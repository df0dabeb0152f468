// swift-tools-version:5.10
// Obsrv building block: the user cache indexer and the Druid report framework (druid_reports), built as one plugin library.
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
    name: "obsrv",
    products: [.library(name: "obsrv", type: .dynamic, targets: ["Obsrv"])],
    dependencies: [sdk],
    targets: [
        .target(name: "Obsrv", dependencies: [.product(name: "PluginKit", package: sdkPackage)]),
        // Its jobs tested as production runs them: the host binary, the stores, the recorded answers (the SDK's test kit).
        .testTarget(name: "ObsrvTests", dependencies: ["Obsrv", .product(name: "DataproductsTestKit", package: sdkPackage)]),
    ]
)
