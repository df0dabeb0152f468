import ArgumentParser
import Foundation
import JobParameters

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect plugins without running jobs.",
        subcommands: [List.self, Verify.self, WriteManifest.self, Install.self, Rollback.self, Remove.self, Schedule.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registry's plugins and their jobs (reads no library).")
        @OptionGroup var homeOptions: HomeOptions
        @Option(help: "Only the plugins of this environment.") var env: String?
        @Flag(help: "Also list each job's declared parameters (from the manifests) and the host's own.") var params = false

        func run() throws {
            try reportingErrors {
                let registry = try homeOptions.loadRegistry()
                for p in try registry.plugins(in: env) {
                    print("\(p.name) \(p.version)  ABI \(p.abi)  block \(p.block)  owner \(p.owner)")
                    let manifest = try? Manifest.read(registry.manifestPath(p))
                    for j in p.jobs {
                        let described = manifest?.jobs.first { $0.id == j }
                        print("  \(j)" + (described.map { "  \($0.title)" } ?? ""))
                        guard params else { continue }
                        guard let described else { print("    (no manifest: build the plugin to see its parameters)"); continue }
                        let declared = ParameterSchema.parse(described.params)
                        if declared.isEmpty { print("    (no parameters)") }
                        ParameterListing.lines(declared.compactMap(\.parameter)).forEach { print($0) }
                        for (name, parameter) in declared where parameter == nil { print("    \(name)  (type unknown to this host: not checked)") }
                    }
                }
                if params { ParameterListing.hostSections().forEach { print($0) } }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every plugin: file, manifest, sha256, ABI, then load it and compare its descriptor.",
            discussion: "Exits 66 if any plugin is refused.")
        @OptionGroup var homeOptions: HomeOptions
        @Option(help: "Only the plugins of this environment.") var env: String?

        func run() throws {
            try reportingErrors {
                let registry = try homeOptions.loadRegistry()
                let resolver = PluginResolver(registry: registry, environment: nil)
                var refused = 0
                for p in try registry.plugins(in: env) {
                    let t0 = Date()
                    var status = "OK"
                    var checkMs = 0.0
                    do {
                        let v = try resolver.verify(p)
                        checkMs = Date().timeIntervalSince(t0) * 1000
                        _ = try LoadedPlugin.load(image: v.image, path: v.libraryPath, expect: v.manifest)
                    } catch {
                        status = "REFUSED: \(error)"
                        refused += 1
                    }
                    let totalMs = Date().timeIntervalSince(t0) * 1000
                    let timing = status == "OK" ? String(format: "  (verify %.1f ms, load %.1f ms)", checkMs, totalMs - checkMs) : ""
                    print("\(p.name) \(p.version)  ABI \(p.abi)  jobs \(p.jobs.joined(separator: ","))  \(status)\(timing)")
                }
                if refused > 0 { throw HostError.pluginRefused("\(refused) plugin(s) refused") }
            }
        }
    }

    struct WriteManifest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifest",
            abstract: "Build step: load a freshly built library and write lib<name>.manifest.json beside it.")
        @Argument(help: "Path of the plugin .so") var library: String

        func run() throws {
            try reportingErrors {
                let plugin = try LoadedPlugin.load(path: library)
                let manifest = plugin.manifest(sha256: try sha256(file: library))
                let path = Manifest.path(forLibrary: library)
                guard FileManager.default.createFile(atPath: path, contents: Data((manifest.json.pretty() + "\n").utf8)) else {
                    throw HostError.internal("cannot write \(path)")
                }
                print(path)
            }
        }
    }
}
