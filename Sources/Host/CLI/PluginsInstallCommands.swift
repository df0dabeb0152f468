import ArgumentParser
import Foundation
import RowBatch

/// `plugins install | rollback | remove | schedule`: a deployment's blocks, one artifact at a time.
extension Plugins {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a plugin artifact (scripts/package-plugin.sh) into the deployment and make it current.",
            discussion: """
                Checks before anything is copied: the zip's bounds, ABI, the library's sha256 against its manifest, a \
                template per job, deploy.json, and that the code loads and agrees with its manifest. Then writes \
                <pluginDir>/<name>/<version>/, points <name>/current at it and rewrites the block's registry entry. \
                Reinstalling the same build is a no-op; other content under an installed version is refused (66).
                """)
        @Argument(help: "The artifact: <name>-<version>.zip") var artifact: String
        @OptionGroup var homeOptions: HomeOptions
        @Option(help: "Plugin folder of a registry this install creates (relative to it).") var newPluginDir = "plugins"
        @Option(help: "Refuse the artifact unless its library has this sha256 (a release's pin).") var sha256: String?

        func run() throws {
            try reportingErrors {
                print(try installer(homeOptions, newPluginDir).install(try PluginArtifact.read(artifact), expectSHA256: sha256))
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an installed version of a plugin current again; the version left is removed.")
        @Argument(help: "Plugin name") var plugin: String
        @Option(help: "The installed version to return to.") var to: String
        @OptionGroup var homeOptions: HomeOptions

        func run() throws {
            try reportingErrors { print(try installer(homeOptions, "plugins").rollback(plugin: plugin, to: to)) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a plugin out of the deployment (registry entry, environments, folder).")
        @Argument(help: "Plugin name") var plugin: String
        @OptionGroup var homeOptions: HomeOptions

        func run() throws {
            try reportingErrors { print(try installer(homeOptions, "plugins").remove(plugin: plugin)) }
        }
    }

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The schedule the installed blocks declare (their deploy.json), as a JSON array.")
        @OptionGroup var homeOptions: HomeOptions
        @Option(help: "Only the plugins of this environment.") var env: String?

        func run() throws {
            try reportingErrors {
                let registry = try homeOptions.loadRegistry()
                var entries: [JSONValue] = []
                for p in try registry.plugins(in: env) {
                    entries += try DeployFile.read(folder: registry.blockFolder(p), jobs: p.jobs)?.json(plugin: p.name) ?? []
                }
                print(JSONValue.array(entries).pretty())
            }
        }
    }
}

private func installer(_ home: HomeOptions, _ newPluginDir: String) -> PluginInstaller {
    PluginInstaller(
        registryPath: home.registry ?? (home.homePath as NSString).appendingPathComponent("registry.json"), newRegistryPluginDir: newPluginDir)
}
