import Foundation
import PluginKit

/// One `table_filters` entry of a program exhaust request (lern-exhaust-spec §6.2): upstream
/// concatenates `<name><operator>'<value>'` into a Spark SQL condition; here each is evaluated on the
/// row. `name` is a column, or a map lookup `column['key']` (e.g. `user_locations['district_id']`);
/// dates compare as dates (a timestamp's leading yyyy-MM-dd against the value).
struct TableFilter: Equatable {
    var column: String
    var mapKey: String?
    var op: String
    var value: String

    static let operators = ["=", "!=", "<>", ">=", "<=", ">", "<"]

    init(column: String, mapKey: String? = nil, op: String, value: String) {
        (self.column, self.mapKey, self.op, self.value) = (column, mapKey, op, value)
    }

    init(_ j: JSONValue) throws {
        guard let name = j["name"]?.string, let op = j["operator"]?.string, Self.operators.contains(op) else {
            throw JobError(.invalidArgument, "a table filter needs name, a known operator and value: \(j.render())")
        }
        let value = j["value"]?.string ?? j["value"]?.render() ?? ""
        if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
            let key = name[name.index(after: open)..<name.index(before: name.endIndex)].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            self.init(column: String(name[..<open]), mapKey: key, op: op, value: value)
        } else {
            self.init(column: name, op: op, value: value)
        }
    }

    /// The filters of the `params.filters` entry for `table`; nil when the request has none for it.
    /// An entry without `table_name` makes the request unusable (upstream throws → "No Data Found").
    static func filters(in request: JSONValue, table: String) throws -> [TableFilter]? {
        let entries = request["params"]?["filters"]?.array ?? []
        for e in entries {
            guard let name = e["table_name"]?.string else { throw JobError(.invalidArgument, "a filters entry has no table_name") }
            if name == table { return try (e["table_filters"]?.array ?? []).map(TableFilter.init) }
        }
        return nil
    }

    func matches(_ cell: String?) -> Bool {
        guard var a = cell else { return false }  // null never matches, as in SQL
        var b = value
        if Self.isDate(b), Self.isDate(a) { a = String(a.prefix(10)); b = String(b.prefix(10)) }
        switch op {
        case "=": return a == b
        case "!=", "<>": return a != b
        case ">=": return a >= b
        case "<=": return a <= b
        case ">": return a > b
        default: return a < b
        }
    }

    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return u.count >= 10 && u[4] == UInt8(ascii: "-") && u[7] == UInt8(ascii: "-")
            && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { (48...57).contains(u[$0]) }
    }
}
