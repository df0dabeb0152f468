import Foundation

/// Finds the deployment (the folder holding registry.json) without `cd`: `$DATAPRODUCTS_HOME` when
/// set (an operator who sets it means it), else the nearest folder above the executable that holds a
/// registry — `<prefix>/bin/dataproducts` in a deployment, `<checkout>/build/bin/dataproducts` in a
/// checkout — else the current folder.
enum DeploymentHome {
    static func find(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String? = executablePath()
    ) -> String {
        if let home = environment["DATAPRODUCTS_HOME"], !home.isEmpty { return home }
        if let executable {
            var dir = (executable as NSString).deletingLastPathComponent
            for _ in 0..<3 {
                if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("registry.json")) { return dir }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return "."
    }

    /// The running binary's real path (symlinks resolved, so a link in /usr/local/bin finds its deployment).
    static func executablePath() -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }
}
