import PluginAPI

/// A column type as the ABI names it (DP_TYPE_*).
public enum ColumnType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case bool = 1, int64 = 2, float64 = 3, utf8 = 4, json = 5

    /// The Arrow format string of the column (JSON is UTF-8 plus an extension type in its metadata).
    var arrowFormat: String {
        switch self {
        case .bool: return "b"
        case .int64: return "l"
        case .float64: return "g"
        case .utf8, .json: return "u"
        }
    }

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int64: return "int64"
        case .float64: return "float64"
        case .utf8: return "utf8"
        case .json: return "json"
        }
    }

    public init?(name: String) {
        guard let t = ColumnType.allCases.first(where: { $0.description == name }) else { return nil }
        self = t
    }
}

/// One named, typed column of a batch.
public struct Field: Equatable, Sendable {
    public var name: String
    public var type: ColumnType
    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// One cell. `json` holds JSON text (maps, lists, user-defined types).
public enum Value: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case json(String)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A text value, or null.
    public init(_ text: String?) { self = text.map { .string($0) } ?? .null }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .json(let j): return j
        }
    }
}

public struct RowBatchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
