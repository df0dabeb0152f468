import RowBatch

/// A typed parameter key: declared once, read as `job.params[Self.batchLimit]` (an `Int`, never
/// hand-parsed, its default written only here).
///
///     static let batchLimit = Param<Int>("batchLimitPerRequest", default: 20, doc: "max batchFilter entries")
///     static let searchUrl = Param<String?>("contentSearchUrl", doc: "content search API")
///     static let request = Param<JSONValue>(required: "request", doc: "what to archive")   // an object
///     static let tables = Param<JSONValue>("table", .list, default: .array([]), doc: "…")   // a list of objects
public struct Param<Value: ParameterValue>: ParameterDeclaring {
    public private(set) var declaration: Parameter
    let fallback: Value?

    public var name: String { declaration.name }
    /// The declared default (nil for a required or optional key): for code that must agree with it.
    public var defaultValue: Value? { fallback }

    /// A key with a default: the value is always there.
    public init(_ name: String, _ kind: Parameter.Kind? = nil, default value: Value, oneOf choices: [String]? = nil, doc: String) {
        declaration = Parameter(name, kind ?? Value.kind, default: value.parameterJSON, choices: choices, doc: doc)
        fallback = value
    }

    /// A key the config must set.
    public init(required name: String, _ kind: Parameter.Kind? = nil, oneOf choices: [String]? = nil, doc: String) {
        declaration = Parameter(name, kind ?? Value.kind, required: true, choices: choices, doc: doc)
        fallback = nil
    }

    /// Reads the value from resolved parameters (checked against this declaration before the job ran).
    public func read(_ values: ResolvedParameters) -> Value {
        if let json = values[name], let v = Value(parameterJSON: json) { return v }
        if let fallback { return fallback }
        preconditionFailure("parameter \(name) was read but is not among the job's declared parameters")
    }
}

extension Param {
    /// An optional key without a default: nil when the config does not set it.
    public init<Wrapped>(_ name: String, _ kind: Parameter.Kind? = nil, oneOf choices: [String]? = nil, doc: String)
    where Value == Wrapped? {
        declaration = Parameter(name, kind ?? Wrapped.kind, choices: choices, doc: doc)
        fallback = .some(nil)
    }
}

/// A type a parameter can hold, with its declared kind and its canonical JSON form.
public protocol ParameterValue: Sendable {
    static var kind: Parameter.Kind { get }
    init?(parameterJSON: JSONValue)
    var parameterJSON: JSONValue { get }
}

extension String: ParameterValue {
    public static var kind: Parameter.Kind { .string }
    public init?(parameterJSON j: JSONValue) { guard let s = j.string else { return nil }; self = s }
    public var parameterJSON: JSONValue { .string(self) }
}

extension Int: ParameterValue {
    public static var kind: Parameter.Kind { .int }
    public init?(parameterJSON j: JSONValue) { guard let i = j.int else { return nil }; self = Int(i) }
    public var parameterJSON: JSONValue { .int(Int64(self)) }
}

extension Double: ParameterValue {
    public static var kind: Parameter.Kind { .double }
    public init?(parameterJSON j: JSONValue) {
        switch j {
        case .double(let d): self = d
        case .int(let i): self = Double(i)
        default: return nil
        }
    }
    public var parameterJSON: JSONValue { .double(self) }
}

extension Bool: ParameterValue {
    public static var kind: Parameter.Kind { .bool }
    public init?(parameterJSON j: JSONValue) { guard case .bool(let b) = j else { return nil }; self = b }
    public var parameterJSON: JSONValue { .bool(self) }
}

/// A list of texts (a JSON array of strings, or comma-separated text in the config).
extension Array: ParameterValue where Element == String {
    public static var kind: Parameter.Kind { .list }
    public init?(parameterJSON j: JSONValue) {
        guard let a = j.array else { return nil }
        let strings = a.compactMap(\.string)
        guard strings.count == a.count else { return nil }
        self = strings
    }
    public var parameterJSON: JSONValue { .array(map { .string($0) }) }
}

/// Structured values (objects, or lists of objects) are read as JSON; the declaration says which.
extension JSONValue: ParameterValue {
    public static var kind: Parameter.Kind { .object }
    public init?(parameterJSON j: JSONValue) { self = j }
    public var parameterJSON: JSONValue { self }
}

/// A length of time, in seconds.
public struct Seconds: ParameterValue, Equatable {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var kind: Parameter.Kind { .duration }
    public init?(parameterJSON j: JSONValue) { guard let d = Double(parameterJSON: j) else { return nil }; value = d }
    public var parameterJSON: JSONValue { .double(value) }
}

extension Optional: ParameterValue where Wrapped: ParameterValue {
    public static var kind: Parameter.Kind { Wrapped.kind }
    public init?(parameterJSON j: JSONValue) {
        if j.isNull { self = .none; return }
        guard let w = Wrapped(parameterJSON: j) else { return nil }
        self = .some(w)
    }
    public var parameterJSON: JSONValue { self?.parameterJSON ?? .null }
}

extension ResolvedParameters {
    /// The typed value of a declared key: `params[Self.batchLimit]`.
    public subscript<Value>(_ key: Param<Value>) -> Value { key.read(self) }
}

extension Param where Value == Int {
    /// An integer key with a default and the values it accepts (a config outside them is refused).
    public init(_ name: String, default value: Int, in range: ClosedRange<Int>, doc: String) {
        self.init(name, default: value, doc: doc)
        declaration.range = Int64(range.lowerBound)...Int64(range.upperBound)
    }
}

extension Param where Value == Int? {
    /// An optional integer key and the values it accepts.
    public init(_ name: String, in range: ClosedRange<Int>, doc: String) {
        self.init(name, doc: doc)
        declaration.range = Int64(range.lowerBound)...Int64(range.upperBound)
    }
}
