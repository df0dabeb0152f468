import Foundation

/// Primary keys from the PostgreSQL DDL (config/schema/postgres.sql), the one place tables are
/// declared: `CREATE TABLE [IF NOT EXISTS] ks.t (... PRIMARY KEY (a, b))` or `col type PRIMARY KEY`.
enum SchemaKeys {
    static func primaryKeys(ddl: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        let unquote = { (s: Substring) in s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "") }
        for block in ddl.components(separatedBy: "CREATE TABLE").dropFirst() {
            guard let open = block.firstIndex(of: "(") else { continue }
            var name = block[..<open].trimmingCharacters(in: .whitespacesAndNewlines)
            if name.hasPrefix("IF NOT EXISTS") { name = String(name.dropFirst("IF NOT EXISTS".count)) }
            name = unquote(Substring(name))
            let body = block[block.index(after: open)...].prefix { $0 != ";" }
            if let r = body.range(of: "PRIMARY KEY (") {
                let list = body[r.upperBound...].prefix { $0 != ")" }
                out[name] = list.split(separator: ",").map(unquote)
            } else if let r = body.range(of: " PRIMARY KEY") {
                let line = body[..<r.lowerBound].split(whereSeparator: { $0 == "\n" || $0 == "(" || $0 == "," }).last ?? ""
                if let column = line.split(separator: " ").first { out[name] = [unquote(column)] }
            }
        }
        return out
    }

    /// Each table's column types as the DDL writes them ("text", "integer", "jsonb", ...).
    static func columnTypes(ddl: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for block in ddl.components(separatedBy: "CREATE TABLE").dropFirst() {
            guard let open = block.firstIndex(of: "(") else { continue }
            var name = block[..<open].trimmingCharacters(in: .whitespacesAndNewlines)
            if name.hasPrefix("IF NOT EXISTS") { name = String(name.dropFirst("IF NOT EXISTS".count)) }
            name = name.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            var body = String(block[block.index(after: open)...].prefix { $0 != ";" })
            if let r = body.range(of: "PRIMARY KEY (") { body = String(body[..<r.lowerBound]) }
            var columns: [String: String] = [:]
            for line in body.split(separator: "\n") {
                let code = line.components(separatedBy: "--")[0]
                for definition in code.split(separator: ",") {
                    let words = definition.split(separator: " ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    guard words.count >= 2 else { continue }
                    let type = words.dropFirst().prefix { $0.uppercased() != "PRIMARY" && $0.uppercased() != "NOT" && $0.uppercased() != "DEFAULT" }
                    columns[words[0].replacingOccurrences(of: "\"", with: "")] = type.joined(separator: " ").trimmingCharacters(
                        in: CharacterSet(charactersIn: ")"))
                }
            }
            out[name] = columns
        }
        return out
    }
}
