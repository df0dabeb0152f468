// swift-tools-version:5.10
// A second Swift plugin, built separately from lern-userorg, with jobs that misbehave on purpose:
// the host's isolation and ABI tests load it.
import PackageDescription
import Foundation

let hostPath = "../../.."
let hostPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(hostPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "swift-testkit",
    products: [.library(name: "swift-testkit", type: .dynamic, targets: ["SwiftTestkit"])],
    dependencies: [.package(path: hostPath)],
    targets: [.target(name: "SwiftTestkit", dependencies: [.product(name: "PluginKit", package: hostPackage)])]
)
