import Foundation
import RowBatch

/// The JSON file written next to each built `.so` (`lib<name>.manifest.json`): what the plugin's
/// descriptor says, plus the library's sha256 — so the host can check a plugin without loading it.
struct Manifest {
    struct Job {
        var id: String
        var title: String
        var legacyNames: [String]
        var params: JSONValue
    }

    var name: String
    var version: String
    var owner: String
    var block: String
    var abi: ABIVersion
    var file: String
    var sha256: String
    var jobs: [Job]

    static func path(forLibrary lib: String) -> String {
        let dir = (lib as NSString).deletingLastPathComponent
        let base = ((lib as NSString).lastPathComponent as NSString).deletingPathExtension
        return ((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(base + ".manifest.json")
    }

    var json: JSONValue {
        .object([
            ("name", .string(name)), ("version", .string(version)), ("owner", .string(owner)),
            ("block", .string(block)), ("abi", .string(abi.description)), ("file", .string(file)),
            ("sha256", .string(sha256)),
            (
                "jobs",
                .array(
                    jobs.map { j in
                        .object([
                            ("id", .string(j.id)), ("title", .string(j.title)),
                            ("legacyNames", .array(j.legacyNames.map { .string($0) })), ("params", j.params),
                        ])
                    })
            ),
        ])
    }

    static func read(_ path: String) throws -> Manifest {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HostError.pluginRefused("manifest \(path) is missing (rebuild the plugin: scripts/build-plugins.sh)")
        }
        let data: Data
        do { data = try RegularFile.read(path, maxBytes: maxBytes) } catch { throw HostError.pluginRefused("manifest \(error)") }
        return try parse(data, source: path)
    }

    static let maxBytes = 16 << 20

    /// A manifest's bytes (`source` names them in errors: a file, or an artifact's entry).
    static func parse(_ data: Data, source path: String) throws -> Manifest {
        let bad = { (why: String) in HostError.pluginRefused("manifest \(path) is invalid: \(why)") }
        let j: JSONValue
        do { j = try JSONParser.parse(String(decoding: data, as: UTF8.self)) } catch { throw bad("\(error)") }
        guard let name = j["name"]?.string, let version = j["version"]?.string,
            let abiText = j["abi"]?.string, let abi = ABIVersion(abiText),
            let sha = j["sha256"]?.string, let file = j["file"]?.string
        else {
            throw bad("needs name, version, abi, file, sha256")
        }
        let jobs = (j["jobs"]?.array ?? []).compactMap { o -> Job? in
            guard let id = o["id"]?.string else { return nil }
            return Job(
                id: id, title: o["title"]?.string ?? "",
                legacyNames: (o["legacyNames"]?.array ?? []).compactMap { $0.string },
                params: o["params"] ?? .object([]))
        }
        return Manifest(
            name: name, version: version, owner: j["owner"]?.string ?? "", block: j["block"]?.string ?? "",
            abi: abi, file: file, sha256: sha.lowercased(), jobs: jobs)
    }
}
