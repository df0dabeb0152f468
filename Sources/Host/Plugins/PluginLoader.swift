import Crypto
import Foundation
import PluginAPI
import RowBatch

/// The ABI this host speaks (from the header it was compiled with).
let hostABI = ABIVersion(major: Int(DP_ABI_MAJOR), minor: Int(DP_ABI_MINOR))

/// A plugin that passed every check that can be made without running its code, with the exact bytes
/// that were checked (load `image`, never the path again).
struct VerifiedPlugin {
    var entry: Registry.Plugin
    var manifest: Manifest
    var libraryPath: String
    var image: PluginImage
}

/// Finds which plugin owns a job and checks it, all before `dlopen`:
/// unknown job, two plugins claiming one id, environment, missing file or manifest, checksum, ABI.
struct PluginResolver {
    let registry: Registry
    let environment: String?

    /// The plugin providing `job` (a job id, or an upstream class name listed as a legacy name).
    /// Returns the plugin and the canonical job id.
    func resolve(job: String) throws -> (VerifiedPlugin, String) {
        let (plugin, jobId) = try claim(job: job)
        return (try verify(plugin), jobId)
    }

    /// The job's id and declared parameters from its plugin's manifest (no library is read); the
    /// parameters are nil, with the reason, when the manifest cannot be read (the plugin is not built).
    func described(job: String) throws -> (id: String, params: JSONValue?, unreadable: String?) {
        let (plugin, jobId) = try claim(job: job)
        do {
            let manifest = try Manifest.read(registry.manifestPath(plugin))
            return (jobId, manifest.jobs.first { $0.id == jobId }?.params ?? .object([]), nil)
        } catch {
            return (jobId, nil, "\(error)")
        }
    }

    /// Which registry plugin provides `job` (checked: known, claimed once, in the environment).
    func claim(job: String) throws -> (Registry.Plugin, String) {
        var claims = registry.plugins.filter { $0.jobs.contains(job) }
        var jobId = job
        if claims.isEmpty {
            // Upstream configs name classes: look the name up in the manifests' legacy names.
            for p in registry.plugins {
                if let m = try? Manifest.read(registry.manifestPath(p)),
                    let j = m.jobs.first(where: { $0.legacyNames.contains(job) }), p.jobs.contains(j.id)
                {
                    claims.append(p)
                    jobId = j.id
                }
            }
        }
        guard !claims.isEmpty else {
            let known = registry.plugins.flatMap(\.jobs).sorted().joined(separator: ", ")
            throw HostError.pluginRefused("unknown job '\(job)': no plugin in \(registry.path) provides it (known jobs: \(known))")
        }
        guard claims.count == 1 else {
            let who = claims.map { "\($0.name) (\(registry.libraryPath($0)))" }.joined(separator: " and ")
            throw HostError.pluginRefused("job '\(jobId)' is claimed by more than one plugin: \(who); fix \(registry.path)")
        }
        let plugin = claims[0]
        if let environment, !(try registry.plugins(in: environment)).contains(where: { $0.name == plugin.name }) {
            throw HostError.pluginRefused("plugin \(plugin.name) (job '\(jobId)') is not enabled for environment \(environment) in \(registry.path)")
        }
        return (plugin, jobId)
    }

    /// Every check short of loading; the error names plugin, file and reason.
    func verify(_ p: Registry.Plugin) throws -> VerifiedPlugin {
        let lib = registry.libraryPath(p)
        func refuse(_ why: String) -> HostError { .pluginRefused("plugin \(p.name): \(lib): \(why)") }
        let duplicates = p.jobs.filter { id in registry.plugins.contains { $0.name != p.name && $0.jobs.contains(id) } }
        if !duplicates.isEmpty {
            let others = registry.plugins.filter { $0.name != p.name && !Set($0.jobs).isDisjoint(with: duplicates) }.map(\.name)
            throw refuse("job '\(duplicates[0])' is also claimed by \(others.joined(separator: ", "))")
        }
        // Registry paths stay inside the plugin folder, symbolic links included (Ansible's <name>/current).
        if let why = DataPath.problem(relative: p.file) { throw refuse("the registry's file '\(DataPath.shown(p.file))' \(why)") }
        guard FileManager.default.fileExists(atPath: lib) else {
            throw refuse("file is missing (build it: scripts/build-plugins.sh)")
        }
        let folder = URL(fileURLWithPath: registry.pluginDir).resolvingSymlinksInPath().path + "/"
        guard URL(fileURLWithPath: lib).resolvingSymlinksInPath().path.hasPrefix(folder) else {
            throw refuse("resolves outside the plugin folder \(registry.pluginDir)")
        }
        if let why = p.abi.incompatibility(host: hostABI) { throw refuse(why) }
        let manifest: Manifest
        do { manifest = try Manifest.read(Manifest.path(forLibrary: lib)) } catch let e as HostError {
            throw refuse(e.description)
        }
        if let why = manifest.abi.incompatibility(host: hostABI) { throw refuse(why) }
        if manifest.abi != p.abi {
            throw refuse("built for ABI \(manifest.abi) but the registry says \(p.abi)")
        }
        guard manifest.name == p.name else { throw refuse("manifest names plugin '\(manifest.name)', registry expects '\(p.name)'") }
        guard manifest.version == p.version else {
            throw refuse("file is version \(manifest.version), registry expects \(p.version)")
        }
        let missing = p.jobs.filter { id in !manifest.jobs.contains { $0.id == id } }
        if !missing.isEmpty { throw refuse("does not provide job(s) the registry lists: \(missing.joined(separator: ", "))") }
        let image: PluginImage
        do { image = try PluginImage.seal(lib) } catch { throw refuse("\(error)") }
        let actual = image.sha256
        if actual != manifest.sha256 {
            close(image.fd)
            throw refuse("checksum mismatch: file sha256 \(actual), its manifest says \(manifest.sha256)")
        }
        if let pinned = p.sha256, pinned != actual {
            close(image.fd)
            throw refuse("checksum mismatch: file sha256 \(actual), registry pins \(pinned)")
        }
        return VerifiedPlugin(entry: p, manifest: manifest, libraryPath: lib, image: image)
    }
}

/// sha256 of a file, streamed in 1 MiB reads.
func sha256(file path: String) throws -> String {
    guard let h = FileHandle(forReadingAtPath: path) else {
        throw HostError.internal("cannot open \(path)")
    }
    defer { try? h.close() }
    var hasher = SHA256()
    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return lowerHex(hasher.finalize())
}

/// A digest as lower-case hex, as manifests and registries write sha256.
func lowerHex(_ digest: SHA256.Digest) -> String {
    let hex = Array("0123456789abcdef".utf8)
    return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
}

/// A `dlopen`ed plugin and its descriptor. Never unloaded: a process runs one job and exits.
struct LoadedPlugin {
    let path: String
    let descriptor: UnsafePointer<dp_plugin_descriptor>
    let jobs: [String: UnsafePointer<dp_job>]

    var name: String { descriptor.pointee.name.string }
    var version: String { descriptor.pointee.version.string }
    var abi: ABIVersion { ABIVersion(major: Int(descriptor.pointee.abi_major), minor: Int(descriptor.pointee.abi_minor)) }

    // The smallest structs a 1.0 plugin can hand us: up to the end of their last 1.0 field.
    static let minimumDescriptorSize = MemoryLayout<dp_plugin_descriptor>.offset(of: \.n_jobs)! + MemoryLayout<Int>.size
    static let minimumJobSize = MemoryLayout<dp_job>.offset(of: \.job_data)! + MemoryLayout<UnsafeRawPointer>.size

    /// Loads the verified bytes of a library (its sealed image) and reads its descriptor.
    static func load(image: PluginImage, path: String, expect: Manifest) throws -> LoadedPlugin {
        try load(path: path, from: image.loadPath, expect: expect)
    }

    /// Loads a library and reads its descriptor, refusing anything malformed or of another ABI major.
    /// `expect` (the verified manifest) must then agree with what the code says about itself. `from`:
    /// what dlopen opens (the sealed image), when not `path` itself (the build step's fresh library).
    static func load(path: String, from loadPath: String? = nil, expect: Manifest? = nil) throws -> LoadedPlugin {
        func refuse(_ why: String) -> HostError {
            .pluginRefused("plugin \(expect?.name ?? (path as NSString).lastPathComponent): \(path): \(why)")
        }
        guard let handle = dlopen(loadPath ?? path, RTLD_NOW | RTLD_LOCAL) else {
            throw refuse("dlopen failed: \(String(cString: dlerror()))")
        }
        guard let sym = dlsym(handle, DP_PLUGIN_ENTRY) else {
            throw refuse("missing entry symbol \(DP_PLUGIN_ENTRY) (is it a dataproducts plugin?)")
        }
        let entry = unsafeBitCast(sym, to: dp_plugin_entry_fn.self)
        guard let d = entry() else { throw refuse("\(DP_PLUGIN_ENTRY) returned no descriptor") }
        let abi = ABIVersion(major: Int(d.pointee.abi_major), minor: Int(d.pointee.abi_minor))
        if let why = abi.incompatibility(host: hostABI) { throw refuse(why) }
        guard Int(d.pointee.size) >= minimumDescriptorSize else {
            throw refuse("descriptor size \(d.pointee.size) is smaller than ABI 1.0's \(minimumDescriptorSize)")
        }
        var jobs: [String: UnsafePointer<dp_job>] = [:]
        for i in 0..<d.pointee.n_jobs {
            guard let job = d.pointee.jobs[i], Int(job.pointee.size) >= minimumJobSize, job.pointee.run != nil else {
                throw refuse("job #\(i + 1) in the descriptor is malformed")
            }
            let id = job.pointee.id.string
            guard jobs[id] == nil else { throw refuse("declares job '\(id)' twice") }
            jobs[id] = job
        }
        let loaded = LoadedPlugin(path: path, descriptor: d, jobs: jobs)
        if let m = expect {
            if loaded.name != m.name || loaded.version != m.version || abi != m.abi
                || Set(jobs.keys) != Set(m.jobs.map(\.id))
            {
                throw refuse("descriptor (\(loaded.name) \(loaded.version), ABI \(abi), jobs \(jobs.keys.sorted())) disagrees with its manifest")
            }
        }
        return loaded
    }

    /// What the build writes next to the library.
    func manifest(sha256: String) -> Manifest {
        let d = descriptor.pointee
        let js = (0..<d.n_jobs).compactMap { d.jobs[$0] }.map { j -> Manifest.Job in
            let job = j.pointee
            let legacy = (0..<job.n_legacy_names).map { job.legacy_names[$0].string }
            let params = (try? JSONParser.parse(job.params.string)) ?? .object([])
            return Manifest.Job(id: job.id.string, title: job.title.string, legacyNames: legacy, params: params)
        }
        return Manifest(
            name: name, version: version, owner: d.owner.string, block: d.block.string, abi: abi,
            file: (path as NSString).lastPathComponent, sha256: sha256, jobs: js)
    }
}
