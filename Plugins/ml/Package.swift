// swift-tools-version:5.10
// ML (programs) building block: the program user info exhaust, built as one plugin library.
import PackageDescription
import Foundation

// The host package two levels up; SwiftPM names a path dependency after its folder, whatever the clone is called.
let hostPath = "../.."
let hostPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(hostPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "ml",
    products: [.library(name: "ml", type: .dynamic, targets: ["ML"])],
    dependencies: [.package(path: hostPath)],
    targets: [
        .target(name: "ML", dependencies: [.product(name: "PluginKit", package: hostPackage)]),
        .testTarget(name: "MLTests", dependencies: ["ML"]),
    ]
)
