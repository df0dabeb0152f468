import Foundation
import RowBatch

/// Loads a model-config template, renders it with an environment's variables and `--set` overrides,
/// and checks that the result is a JSON object (the upstream model config, accepted as it is).
struct EffectiveConfig {
    let text: String
    let json: JSONValue

    /// `model` as written in the config (a job id or an upstream class name), if any.
    var model: String? { json["model"]?.string }

    /// Configs and variables files are a few KB; a bound keeps a wrong path (/dev/zero) from eating memory.
    static let maxBytes = 16 << 20

    static func load(templatePath: String, variablesFiles: [String], overrides: [String]) throws -> EffectiveConfig {
        guard FileManager.default.fileExists(atPath: templatePath) else {
            throw HostError.config("config file \(templatePath) does not exist or cannot be read")
        }
        let data = try RegularFile.read(templatePath, maxBytes: maxBytes)
        let template = String(decoding: data, as: UTF8.self)
        var variables: [(String, JSONValue)] = []
        for file in variablesFiles {
            guard FileManager.default.fileExists(atPath: file) else {
                throw HostError.config("variables file \(file) does not exist or cannot be read")
            }
            let vdata = try RegularFile.read(file, maxBytes: maxBytes)
            guard case .object(let pairs) = try parse(String(decoding: vdata, as: UTF8.self), what: "variables file \(file)") else {
                throw HostError.config("variables file \(file) must hold a JSON object")
            }
            merge(pairs, into: &variables)
        }
        merge(try overrides.map(parseOverride), into: &variables)
        let text = try TemplateRenderer.render(template, variables: .object(variables))
        let json = try parse(text, what: "rendered config \(templatePath)")
        guard case .object = json else { throw HostError.config("config \(templatePath) must be a JSON object") }
        return EffectiveConfig(text: text, json: json)
    }

    /// NAME=VALUE; VALUE is taken as a JSON literal when it parses as one, else as a string.
    static func parseOverride(_ s: String) throws -> (String, JSONValue) {
        guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
            throw HostError.config("--set takes NAME=VALUE, got '\(s)'")
        }
        let raw = String(s[s.index(after: eq)...])
        return (String(s[..<eq]), (try? JSONParser.parse(raw)) ?? .string(raw))
    }

    private static func merge(_ pairs: [(String, JSONValue)], into vars: inout [(String, JSONValue)]) {
        for (k, v) in pairs {
            if let i = vars.firstIndex(where: { $0.0 == k }) { vars[i].1 = v } else { vars.append((k, v)) }
        }
    }

    private static func parse(_ text: String, what: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            throw HostError.config("\(what) is not valid JSON: \(error)")
        }
    }
}
