import RowBatch

/// One declared `modelParams` key: its type, default, whether it is required, and what it means.
/// A job declares each key once (Fluent Bit's config_map idea); the SDK and the host validate the
/// rendered config against the declarations before the job runs, and the manifest carries them.
public struct Parameter: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, int, bool, double, list, object, duration
    }

    public var name: String
    public var kind: Kind
    /// The value used when the config does not set the key, in the kind's canonical JSON form.
    public var defaultValue: JSONValue?
    public var required: Bool
    /// For strings: the only values accepted (nil: any).
    public var choices: [String]?
    /// For integers: the values accepted (nil: any that fits 64 bits). Doubles and durations are
    /// always finite.
    public var range: ClosedRange<Int64>?
    public var doc: String

    public init(
        _ name: String, _ kind: Kind, default defaultValue: JSONValue? = nil, required: Bool = false,
        choices: [String]? = nil, range: ClosedRange<Int64>? = nil, doc: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
        self.choices = choices
        self.range = range
        self.doc = doc
    }
}

/// Anything that declares a parameter: a plain `Parameter` or a typed `Param<Value>` key.
public protocol ParameterDeclaring: Sendable {
    var declaration: Parameter { get }
}

extension Parameter: ParameterDeclaring {
    public var declaration: Parameter { self }
}

/// The declarations as they travel in a job descriptor's `params` and in the manifest:
/// `{"<name>": {"type": "int", "default": 20, "required": false, "choices": [...], "doc": "..."}}`.
public enum ParameterSchema {
    public static func json(_ parameters: [Parameter]) -> JSONValue {
        .object(
            parameters.map { p in
                var fields: [(String, JSONValue)] = [("type", .string(p.kind.rawValue)), ("doc", .string(p.doc))]
                if let d = p.defaultValue { fields.append(("default", d)) }
                if p.required { fields.append(("required", .bool(true))) }
                if let c = p.choices { fields.append(("choices", .array(c.map { .string($0) }))) }
                if let r = p.range { fields += [("min", .int(r.lowerBound)), ("max", .int(r.upperBound))] }
                return (p.name, .object(fields))
            })
    }

    /// Declarations read back from a descriptor or manifest. Entries whose type this host does not
    /// know (a plugin written against a looser schema) come back as nil kinds and are not checked.
    public static func parse(_ json: JSONValue) -> [(name: String, parameter: Parameter?)] {
        guard case .object(let pairs) = json else { return [] }
        return pairs.map { name, spec in
            guard let kind = spec["type"]?.string.flatMap(Parameter.Kind.init(rawValue:)) else { return (name, nil) }
            var required = false
            if case .bool(true)? = spec["required"] { required = true }
            let choices = spec["choices"]?.array?.compactMap(\.string)
            var range: ClosedRange<Int64>?
            if let lo = spec["min"]?.int, let hi = spec["max"]?.int, lo <= hi { range = lo...hi }
            return (
                name,
                Parameter(
                    name, kind, default: spec["default"], required: required, choices: choices, range: range,
                    doc: spec["doc"]?.string ?? "")
            )
        }
    }
}
