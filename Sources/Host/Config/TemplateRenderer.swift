import Foundation
import RowBatch

/// Renders model-config templates: `{{ name }}` and `{{ name | default(<JSON literal>) }}`.
///
/// The renderer knows JSON's string context: inside a JSON string it inserts the value's text escaped
/// for that string (so a password with a quote cannot break the config); outside a string it inserts a
/// JSON literal (`"parallelization": {{ parallelization | default(8) }}` yields a number). Names may be
/// dotted to reach into nested variables. Every unknown variable is reported at once.
enum TemplateRenderer {
    static func render(_ template: String, variables: JSONValue) throws -> String {
        var out = ""
        var unknown: [String] = []
        var inString = false
        var chars = template[...]
        while let c = chars.first {
            if chars.hasPrefix("{{") {
                guard let close = chars.range(of: "}}") else {
                    throw HostError.config("unterminated '{{' in template near: \(chars.prefix(40))")
                }
                let body = chars[chars.index(chars.startIndex, offsetBy: 2)..<close.lowerBound]
                // A placeholder missing its `}}` would otherwise run to the next one's and swallow
                // the config between them (found by Fuzz/fuzz-template).
                guard !body.contains("{{"), !body.contains("\n") else {
                    throw HostError.config("unterminated '{{' in template near: \(chars.prefix(40))")
                }
                let (name, fallback) = try parsePlaceholder(String(body))
                if let value = lookup(name, in: variables) ?? fallback {
                    out += inString ? stringContent(value) : value.render()
                } else if !unknown.contains(name) {
                    unknown.append(name)
                }
                chars = chars[close.upperBound...]
                continue
            }
            if c == "\\" && inString {
                out.append(c)
                chars = chars.dropFirst()
                if let next = chars.first { out.append(next); chars = chars.dropFirst() }
                continue
            }
            if c == "\"" { inString.toggle() }
            out.append(c)
            chars = chars.dropFirst()
        }
        if !unknown.isEmpty {
            throw HostError.config(
                "unknown template variable\(unknown.count > 1 ? "s" : ""): \(unknown.joined(separator: ", "))"
                    + " (define them in the environment's variables file or pass --set NAME=VALUE)")
        }
        return out
    }

    /// "name" or "name | default(literal)".
    static func parsePlaceholder(_ body: String) throws -> (String, JSONValue?) {
        let parts = body.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let name = parts.first ?? ""  // `{{}}` has no parts (crashed the host; found by Fuzz/fuzz-template)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
            throw HostError.config("invalid template variable name '{{\(body)}}'")
        }
        guard parts.count == 2 else { return (name, nil) }
        let filter = parts[1]
        guard filter.hasPrefix("default("), filter.hasSuffix(")") else {
            throw HostError.config("unsupported template filter '\(filter)' in '{{\(body)}}' (only default(...) is supported)")
        }
        var literal = String(filter.dropFirst("default(".count).dropLast()).trimmingCharacters(in: .whitespaces)
        if literal.hasPrefix("'") && literal.hasSuffix("'") && literal.count >= 2 {
            let inner = literal.dropFirst().dropLast()
            guard !inner.contains("'") else {
                throw HostError.config("default value of '{{\(body)}}' is not one quoted string: \(literal)")
            }
            literal = JSONText.quote(String(inner))  // Jinja-style single quotes
        }
        do {
            return (name, try JSONParser.parse(literal))
        } catch {
            throw HostError.config("default value of '{{\(body)}}' is not a JSON literal: \(literal)")
        }
    }

    static func lookup(_ name: String, in variables: JSONValue) -> JSONValue? {
        if let direct = variables[name] { return direct }  // flat keys may contain dots
        var current = variables
        for part in name.split(separator: ".") {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// A value's text escaped for the inside of a JSON string.
    private static func stringContent(_ v: JSONValue) -> String {
        let text: String
        switch v {
        case .string(let s): text = s
        case .null: text = ""
        default: text = v.render()
        }
        return String(JSONText.quote(text).dropFirst().dropLast())
    }
}
