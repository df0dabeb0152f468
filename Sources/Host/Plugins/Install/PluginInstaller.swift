import Foundation
import RowBatch

/// Installs building blocks into a deployment, one block at a time:
///   <pluginDir>/<name>/<version>/   what the artifact held (library, manifest, deploy.json, jobs/)
///   <pluginDir>/<name>/current      a link to the version in use
///   registry.json                   one entry per block, naming <name>/current/lib<name>.so, sha256 pinned
/// An upgrade adds a version folder and moves `current`; a rollback moves it back and removes the
/// version it leaves, so upgrade + rollback leaves every byte as it was. Nothing outside the block's
/// folder and its registry entry (and its name in the environments' lists) is touched.
struct PluginInstaller {
    let registryPath: String
    /// The plugin folder a registry created by the first install names (relative to it).
    var newRegistryPluginDir = "plugins"

    /// Checks the artifact in place (ABI, checksum, templates, deploy.json, its code loads and agrees
    /// with its manifest), then installs it and makes it current. Returns what was done, for the log.
    @discardableResult
    func install(_ artifact: PluginArtifact, expectSHA256: String? = nil) throws -> String {
        if let pin = expectSHA256?.lowercased(), pin != artifact.manifest.sha256 {
            throw HostError.pluginRefused(
                "\(artifact.manifest.name) \(artifact.manifest.version): library sha256 \(artifact.manifest.sha256), the release pins \(pin)")
        }
        var document = try RegistryDocument(path: registryPath, newPluginDir: newRegistryPluginDir)
        let m = artifact.manifest
        try document.checkNoOtherClaims(plugin: m.name, jobs: m.jobs.map(\.id))
        let block = document.pluginDir + "/" + m.name
        try FileManager.default.createDirectory(atPath: block, withIntermediateDirectories: true)
        let staging = block + "/.staging-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: staging) }
        for f in artifact.files { try write(f.bytes, to: staging + "/" + f.name) }
        let image = try PluginImage.seal(staging + "/" + artifact.libraryName)
        _ = try LoadedPlugin.load(image: image, path: staging + "/" + artifact.libraryName, expect: m)
        let target = block + "/" + m.version
        var action = "installed"
        if FileManager.default.fileExists(atPath: target) {
            guard try Self.sameTree(staging, target) else {
                throw HostError.pluginRefused(
                    "\(m.name) \(m.version) is already installed with other content: a changed build needs a new version")
            }
            action = "already installed"
        } else {
            try move(staging, to: target)
        }
        let previous = try? FileManager.default.destinationOfSymbolicLink(atPath: block + "/current")
        try pointCurrent(block, at: m.version)
        try document.setEntry(manifest: m, environments: artifact.deploy.environments)
        try document.write()
        return "\(m.name) \(m.version) \(action)" + (previous.map { $0 == m.version ? "" : ", was \($0)" } ?? "")
    }

    /// Makes an installed `version` current again and removes the version it leaves.
    @discardableResult
    func rollback(plugin name: String, to version: String) throws -> String {
        var document = try RegistryDocument(path: registryPath, newPluginDir: newRegistryPluginDir)
        for v in [name, version] where DataPath.problem(component: v) != nil {
            throw HostError.config("\(v.printable()) cannot name a plugin folder")
        }
        let block = document.pluginDir + "/" + name
        let target = block + "/" + version
        guard FileManager.default.fileExists(atPath: target) else {
            let installed = ((try? FileManager.default.contentsOfDirectory(atPath: block)) ?? []).filter { !$0.hasPrefix(".") && $0 != "current" }
            throw HostError.config(
                "\(name) \(version) is not installed in \(document.pluginDir) (installed: \(installed.sorted().joined(separator: ", ")))")
        }
        let lib = target + "/lib\(name).so"
        let manifest = try Manifest.read(Manifest.path(forLibrary: lib))
        guard try sha256(file: lib) == manifest.sha256 else { throw HostError.pluginRefused("\(lib) does not match its manifest's sha256") }
        guard let deploy = try DeployFile.read(folder: target, jobs: manifest.jobs.map(\.id)) else {
            throw HostError.pluginRefused("\(target) has no \(DeployFile.fileName)")
        }
        try document.checkNoOtherClaims(plugin: name, jobs: manifest.jobs.map(\.id))
        let left = try? FileManager.default.destinationOfSymbolicLink(atPath: block + "/current")
        try pointCurrent(block, at: version)
        try document.setEntry(manifest: manifest, environments: deploy.environments)
        try document.write()
        if let left, left != version, DataPath.problem(component: left) == nil { try FileManager.default.removeItem(atPath: block + "/" + left) }
        return "\(name) \(version) is current" + (left.map { $0 == version ? "" : " (removed \($0))" } ?? "")
    }

    /// Takes a block out of the deployment: its registry entry, its name in every environment, its folder.
    @discardableResult
    func remove(plugin name: String) throws -> String {
        var document = try RegistryDocument(path: registryPath, newPluginDir: newRegistryPluginDir)
        guard DataPath.problem(component: name) == nil, document.removeEntry(name) else {
            throw HostError.config("\(name.printable()) is not a plugin of \(registryPath)")
        }
        try document.write()
        try? FileManager.default.removeItem(atPath: document.pluginDir + "/" + name)
        return "\(name) removed"
    }

    /// `current` replaced in one rename: a run starting meanwhile sees the old version or the new one.
    private func pointCurrent(_ block: String, at version: String) throws {
        let link = block + "/.current-" + UUID().uuidString
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: version)
        try move(link, to: block + "/current")
    }

    private func write(_ bytes: Data, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o644]) else {
            throw HostError.internal("cannot write \(path)")
        }
    }

    private func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else { throw HostError.internal("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))") }
    }

    /// Two folders hold the same files with the same bytes.
    static func sameTree(_ a: String, _ b: String) throws -> Bool {
        let fm = FileManager.default
        let files = { (d: String) in Set((fm.enumerator(atPath: d)?.allObjects as? [String]) ?? []) }
        let names = files(a)
        guard names == files(b) else { return false }
        return names.allSatisfy { fm.contentsEqual(atPath: a + "/" + $0, andPath: b + "/" + $0) }
    }
}
