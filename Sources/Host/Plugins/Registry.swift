import Foundation
import RowBatch

/// `registry.json`: which plugins exist (name, version, owner, building block, ABI, file, sha256, jobs)
/// and which plugins each environment gets. Read without loading any plugin.
struct Registry {
    struct Plugin {
        var name: String
        var version: String
        var owner: String
        var block: String
        var abi: ABIVersion
        var file: String
        /// Pinned checksum of the .so (release builds); nil in a development checkout, where the
        /// build manifest's checksum is the reference.
        var sha256: String?
        var jobs: [String]
    }

    /// The file the registry was read from; relative paths resolve against its folder.
    let path: String
    let pluginDir: String
    let plugins: [Plugin]
    let environments: [String: [String]]

    static func load(path: String, pluginDirOverride: String? = nil) throws -> Registry {
        guard FileManager.default.fileExists(atPath: path) else { throw HostError.config("registry \(path) does not exist or cannot be read") }
        let json = try document(path)
        func field(_ obj: JSONValue, _ key: String, _ what: String) throws -> String {
            guard let s = obj[key]?.string, !s.isEmpty else {
                throw HostError.config("registry \(path): \(what) has no \"\(key)\" string")
            }
            return s
        }
        let base = (path as NSString).deletingLastPathComponent
        let dir = pluginDirOverride ?? json["pluginDir"]?.string ?? "build/plugins"
        var plugins: [Plugin] = []
        for (i, p) in (json["plugins"]?.array ?? []).enumerated() {
            let name = try field(p, "name", "plugin #\(i + 1)")
            let abiText = try field(p, "abi", "plugin \(name)")
            guard let abi = ABIVersion(abiText) else {
                throw HostError.config("registry \(path): plugin \(name) has abi \"\(abiText)\", expected MAJOR.MINOR")
            }
            let sha = p["sha256"]?.string
            plugins.append(
                Plugin(
                    name: name, version: try field(p, "version", "plugin \(name)"),
                    owner: try field(p, "owner", "plugin \(name)"), block: try field(p, "block", "plugin \(name)"),
                    abi: abi, file: p["file"]?.string ?? "lib\(name).so",
                    sha256: (sha?.isEmpty ?? true) ? nil : sha!.lowercased(),
                    jobs: (p["jobs"]?.array ?? []).compactMap { $0.string }))
        }
        var envs: [String: [String]] = [:]
        if case .object(let pairs)? = json["environments"] {
            for (env, list) in pairs { envs[env] = (list.array ?? []).compactMap { $0.string } }
        }
        for (env, names) in envs {
            for n in names where !plugins.contains(where: { $0.name == n }) {
                throw HostError.config("registry \(path): environment \(env) lists unknown plugin \(n)")
            }
        }
        return Registry(path: path, pluginDir: Self.resolve(dir, against: base), plugins: plugins, environments: envs)
    }

    /// The registry file as JSON (a bounded regular file); what `load` reads and the installer edits.
    static func document(_ path: String) throws -> JSONValue {
        let data: Data
        do { data = try RegularFile.read(path, maxBytes: 16 << 20) } catch { throw HostError.config("registry \(error)") }
        do { return try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw HostError.config("registry \(path) is not valid JSON: \(error)")
        }
    }

    static func resolve(_ p: String, against base: String) -> String {
        p.hasPrefix("/") ? p : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(p)
    }

    func libraryPath(_ p: Plugin) -> String { Self.resolve(p.file, against: pluginDir) }

    /// The folder the plugin's library is in: an installed block's version folder, holding its
    /// deploy.json and jobs/ beside the library.
    func blockFolder(_ p: Plugin) -> String { (libraryPath(p) as NSString).deletingLastPathComponent }

    func manifestPath(_ p: Plugin) -> String { Manifest.path(forLibrary: libraryPath(p)) }

    /// The plugins an environment may load (all of them when no environment is named).
    func plugins(in env: String?) throws -> [Plugin] {
        guard let env else { return plugins }
        guard let names = environments[env] else {
            throw HostError.config("environment \(env) is not in \(path) (known: \(environments.keys.sorted().joined(separator: ", ")))")
        }
        return plugins.filter { names.contains($0.name) }
    }
}
