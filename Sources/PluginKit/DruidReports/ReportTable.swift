import Foundation
import RowBatch

/// Records as the table upstream's Spark JSON reader made of them (A4.5 postProcess step 1): the
/// union of their keys in alphabetical order, a column numeric when every value in it is a number
/// (then a missing value is 0): whole when every number is (Spark's LongType: `10`), else double
/// (`10.0`); else text. Native Druid rows always carry decimals (A4.3); SQL rows may not.
public struct ReportTable {
    public enum Kind { case long, number, text, bool, other }
    public let columns: [String]
    public let kinds: [String: Kind]
    public private(set) var rows: [[String: JSONValue]]

    public init(_ records: [[(String, JSONValue)]]) {
        var kinds: [String: Kind] = [:]
        for r in records {
            for (k, v) in r where !v.isNull {
                let kind: Kind
                switch v {
                case .int: kind = .long
                case .double: kind = .number
                case .string: kind = .text
                case .bool: kind = .bool
                default: kind = .other
                }
                switch (kinds[k], kind) {
                case (nil, _): kinds[k] = kind
                case (.long, .number), (.number, .long): kinds[k] = .number
                case (let seen?, _) where seen != kind: kinds[k] = .text
                default: break
                }
            }
            for (k, v) in r where v.isNull && kinds[k] == nil { kinds[k] = .text }
        }
        self.kinds = kinds
        columns = kinds.keys.sorted()
        rows = records.map { Dictionary($0, uniquingKeysWith: { _, b in b }) }
    }

    /// Keeps the rows `keep` accepts (the location mapping's inner join).
    public mutating func filter(_ keep: ([String: JSONValue]) -> Bool) { rows = rows.filter(keep) }

    /// The column's type in a report file.
    public func field(_ column: String, as name: String) -> Field {
        switch kinds[column] ?? .text {
        case .long: return Field(name, .int64)
        case .number: return Field(name, .float64)
        case .bool: return Field(name, .bool)
        default: return Field(name, .utf8)
        }
    }

    /// A cell as the report file holds it: a missing number 0 (A4.5 step 1), a missing text
    /// "unknown" (step 3); the host prints doubles as the JVM does, like Spark's writers.
    public func cell(_ row: [String: JSONValue], _ column: String) -> Value {
        let v = row[column] ?? .null
        switch (kinds[column] ?? .text, v) {
        case (.long, .null): return .int(0)
        case (.long, .int(let i)): return .int(i)
        case (.number, .null): return .double(0)
        case (.number, .int(let i)): return .double(Double(i))
        case (.number, .double(let d)): return .double(d)
        case (.bool, .bool(let b)): return .bool(b)
        case (.bool, _): return .null
        case (_, .null): return .string("unknown")
        case (_, .string(let s)): return .string(s)
        default: return .string(v.render())
        }
    }
}
