import Crypto
import Foundation
import RowBatch

/// A building block as its team ships it: one zip (`<name>-<version>.zip`, scripts/package-plugin.sh)
/// holding exactly
///   lib<name>.so, lib<name>.manifest.json   the library and its manifest (sha256, ABI, jobs)
///   deploy.json                             environments and schedule entries (DeployFile)
///   jobs/<job>.json                         one config template per job the manifest declares
/// Reading it checks everything that can be checked without running its code; nothing is written.
struct PluginArtifact {
    var manifest: Manifest
    var files: [(name: String, bytes: Data)]
    var deploy: DeployFile

    var libraryName: String { manifest.file }

    static func read(_ path: String) throws -> PluginArtifact {
        func refuse(_ why: String) -> HostError { .pluginRefused("artifact \(path): \(why)") }
        let entries = try ZipEntries.read(path)
        var byName: [String: Data] = [:]
        for e in entries {
            guard byName[e.name] == nil else { throw refuse("entry \(e.name.printable()) appears twice") }
            byName[e.name] = e.bytes
        }
        guard let manifestName = byName.keys.first(where: { $0.hasSuffix(".manifest.json") && !$0.contains("/") }),
            let manifestBytes = byName[manifestName]
        else { throw refuse("has no lib<name>.manifest.json (build it with scripts/build-plugins.sh, pack it with scripts/package-plugin.sh)") }
        let manifest = try Manifest.parse(manifestBytes, source: "\(path):\(manifestName)")
        let lib = manifest.file
        guard DataPath.problem(component: lib) == nil, lib == "lib\(manifest.name).so", manifestName == Manifest.path(forLibrary: lib).dropDotSlash
        else { throw refuse("its manifest names file \(lib.printable()), expected lib\(manifest.name).so beside \(manifestName)") }
        for (what, value) in [("name", manifest.name), ("version", manifest.version)] where DataPath.problem(component: value) != nil {
            throw refuse("plugin \(what) \(value.printable()) cannot name a folder")
        }
        if let why = manifest.abi.incompatibility(host: hostABI) { throw refuse(why) }
        guard let library = byName[lib] else { throw refuse("has no \(lib)") }
        let actual = lowerHex(SHA256.hash(data: library))
        guard actual == manifest.sha256 else { throw refuse("checksum mismatch: \(lib) has sha256 \(actual), its manifest says \(manifest.sha256)") }
        guard let deployBytes = byName[DeployFile.fileName] else { throw refuse("has no \(DeployFile.fileName) (environments and schedule)") }
        let jobs = manifest.jobs.map(\.id)
        let deploy = try DeployFile.parse(deployBytes, source: "\(path):\(DeployFile.fileName)", jobs: jobs)
        try checkTemplates(byName, jobs: jobs, refuse: refuse)
        let known = Set([lib, manifestName, DeployFile.fileName] + jobs.map { "jobs/\($0).json" })
        if let stray = entries.map(\.name).first(where: { !known.contains($0) }) {
            throw refuse("entry \(stray.printable()) is not part of a plugin artifact (library, manifest, deploy.json, jobs/<job>.json)")
        }
        return PluginArtifact(manifest: manifest, files: entries.filter { known.contains($0.name) }, deploy: deploy)
    }

    /// Every declared job has a template.
    private static func checkTemplates(_ byName: [String: Data], jobs: [String], refuse: (String) -> HostError) throws {
        for job in jobs {
            guard DataPath.problem(component: job + ".json") == nil else { throw refuse("job id \(job.printable()) cannot name a template file") }
            guard let bytes = byName["jobs/\(job).json"] else { throw refuse("has no template jobs/\(job).json for its job \(job)") }
            // A template is rendered at run time (`{{ var }}` may stand where a JSON value goes): text here.
            guard !bytes.isEmpty, String(data: bytes, encoding: .utf8) != nil else { throw refuse("jobs/\(job).json is not UTF-8 text") }
        }
    }
}

extension String {
    /// The path without a leading "./" (Manifest.path gives "./x" for a bare file name).
    fileprivate var dropDotSlash: String { hasPrefix("./") ? String(dropFirst(2)) : self }
}
