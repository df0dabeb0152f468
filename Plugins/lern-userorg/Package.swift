// swift-tools-version:5.10
// Lern userorg building block: state admin reports and user-cache jobs, built as one plugin library.
import PackageDescription
import Foundation

// The host package two levels up; SwiftPM names a path dependency after its folder, whatever the clone is called.
let hostPath = "../.."
let hostPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(hostPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "lern-userorg",
    products: [.library(name: "lern-userorg", type: .dynamic, targets: ["LernUserorg"])],
    dependencies: [.package(path: hostPath)],
    targets: [
        .target(name: "LernUserorg", dependencies: [.product(name: "PluginKit", package: hostPackage)]),
        .testTarget(name: "LernUserorgTests", dependencies: ["LernUserorg"]),
    ]
)
