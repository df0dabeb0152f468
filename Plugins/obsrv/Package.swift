// swift-tools-version:5.10
// Obsrv building block: the user cache indexer and the Druid report framework (druid_reports), built as one plugin library.
import PackageDescription
import Foundation

// The host package two levels up; SwiftPM names a path dependency after its folder, whatever the clone is called.
let hostPath = "../.."
let hostPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(hostPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "obsrv",
    products: [.library(name: "obsrv", type: .dynamic, targets: ["Obsrv"])],
    dependencies: [.package(path: hostPath)],
    targets: [
        .target(name: "Obsrv", dependencies: [.product(name: "PluginKit", package: hostPackage)]),
        .testTarget(name: "ObsrvTests", dependencies: ["Obsrv"]),
    ]
)
