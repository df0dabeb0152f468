import Foundation
import RowBatch

/// registry.json as the installer edits it: keys and entries stay in their order, so rewriting an
/// entry with the same facts writes the same bytes (what makes a rollback byte-identical).
struct RegistryDocument {
    let path: String
    private var json: JSONValue
    /// The plugin folder, resolved against the registry's folder.
    let pluginDir: String

    init(path: String, newPluginDir: String) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            json = try Registry.document(path)
            guard json.objectPairs != nil else { throw HostError.config("registry \(path) is not a JSON object") }
        } else {
            json = .object([
                ("registryVersion", .int(1)), ("pluginDir", .string(newPluginDir)), ("plugins", .array([])), ("environments", .object([])),
            ])
        }
        pluginDir = Registry.resolve(json["pluginDir"]?.string ?? "build/plugins", against: (path as NSString).deletingLastPathComponent)
    }

    private var plugins: [JSONValue] { json["plugins"]?.array ?? [] }

    /// A job may have one owner: another block already claiming one of these is refused.
    func checkNoOtherClaims(plugin: String, jobs: [String]) throws {
        for p in plugins where p["name"]?.string != plugin {
            let theirs = Set((p["jobs"]?.array ?? []).compactMap(\.string))
            if let job = jobs.first(where: theirs.contains) {
                throw HostError.pluginRefused("job \(job) is already provided by plugin \(p["name"]?.string ?? "?") in \(path)")
            }
        }
    }

    /// The block's entry (replaced where it stood, or appended) and its place in each environment.
    mutating func setEntry(manifest m: Manifest, environments: [String]) throws {
        let entry = JSONValue.object([
            ("name", .string(m.name)), ("version", .string(m.version)), ("owner", .string(m.owner)),
            ("block", .string(m.block)), ("abi", .string(m.abi.description)),
            ("file", .string("\(m.name)/current/\(m.file)")), ("sha256", .string(m.sha256)),
            ("jobs", .array(m.jobs.map { .string($0.id) })),
        ])
        var list = plugins
        if let i = list.firstIndex(where: { $0["name"]?.string == m.name }) { list[i] = entry } else { list.append(entry) }
        set("plugins", .array(list))
        var envs = json["environments"]?.objectPairs ?? []
        for i in envs.indices {
            var names = (envs[i].1.array ?? []).compactMap(\.string)
            let wanted = environments.contains(envs[i].0)
            if wanted, !names.contains(m.name) { names.append(m.name) }
            if !wanted { names.removeAll { $0 == m.name } }
            envs[i].1 = .array(names.map { .string($0) })
        }
        for env in environments where !envs.contains(where: { $0.0 == env }) { envs.append((env, .array([.string(m.name)]))) }
        set("environments", .object(envs))
    }

    /// Drops the block's entry and its name from every environment; false when it has no entry.
    mutating func removeEntry(_ name: String) -> Bool {
        guard plugins.contains(where: { $0["name"]?.string == name }) else { return false }
        set("plugins", .array(plugins.filter { $0["name"]?.string != name }))
        let envs = (json["environments"]?.objectPairs ?? []).map { ($0.0, JSONValue.array(($0.1.array ?? []).filter { $0.string != name })) }
        set("environments", .object(envs))
        return true
    }

    private mutating func set(_ key: String, _ value: JSONValue) {
        var pairs = json.objectPairs ?? []
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        json = .object(pairs)
    }

    /// Written whole to a temporary file, then renamed over the old one: a reader never sees half.
    func write() throws {
        let tmp = path + ".tmp-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: tmp, contents: Data((json.pretty() + "\n").utf8), attributes: [.posixPermissions: 0o644]) else {
            throw HostError.internal("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw HostError.internal("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
