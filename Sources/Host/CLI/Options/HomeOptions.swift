import ArgumentParser
import Foundation
import JobParameters

/// Where the deployment lives: registry.json, config/, the plugin folder.
struct HomeOptions: ParsableArguments {
    @Option(
        help:
            "Deployment folder holding registry.json and config/ (default: $DATAPRODUCTS_HOME, else the deployment the executable is in, else the current folder)."
    )
    var home: String?

    @Option(help: "Registry file (default: <home>/registry.json).")
    var registry: String?

    @Option(help: "Folder of plugin libraries and manifests (default: the registry's pluginDir).")
    var pluginDir: String?

    var homePath: String { home ?? DeploymentHome.find() }

    func loadRegistry() throws -> Registry {
        let path = registry ?? (homePath as NSString).appendingPathComponent("registry.json")
        guard FileManager.default.fileExists(atPath: path) || registry != nil else {
            throw HostError.config(
                """
                no deployment found: \(path) does not exist (looked at $DATAPRODUCTS_HOME, the folders above the \
                executable and the current folder); pass --home DIR or set DATAPRODUCTS_HOME to the folder holding registry.json
                """)
        }
        return try Registry.load(path: path, pluginDirOverride: pluginDir)
    }
}
