import RowBatch

/// A config's `modelParams` checked against declarations: every declared key holds a value of its
/// kind in canonical form (or its default), required keys are present. Undeclared keys pass through
/// untouched: upstream configs carry keys that only Spark read.
public struct ResolvedParameters: Sendable {
    public private(set) var values: [String: JSONValue]
    public let declared: [String: Parameter]

    /// Every problem at once, one per line, each naming the key and what was expected.
    /// Throws a `ParameterError` listing every problem (untyped `throws`: Swift 5.10 toolchains build plugins too).
    public init(_ modelParams: JSONValue?, declared: [Parameter]) throws {
        var values: [String: JSONValue] = [:]
        if case .object(let pairs)? = modelParams { for (k, v) in pairs { values[k] = v } }
        var problems: [String] = []
        for p in declared {
            guard let given = values[p.name], !given.isNull else {
                if p.required { problems.append("modelParams.\(p.name) is required (\(p.kind.rawValue): \(p.doc))") }
                if let d = p.defaultValue { values[p.name] = d } else { values[p.name] = nil }
                continue
            }
            switch Self.canonical(given, p) {
            case .success(let v): values[p.name] = v
            case .failure(let why): problems.append("modelParams.\(p.name): \(why.text)")
            }
        }
        if let modelParams, !modelParams.isNull, modelParams.objectPairs == nil {
            problems.insert("modelParams must be a JSON object", at: 0)
        }
        guard problems.isEmpty else { throw ParameterError(problems: problems) }
        self.values = values
        self.declared = Dictionary(declared.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// No declarations, no values.
    public init() {
        values = [:]
        declared = [:]
    }

    public subscript(name: String) -> JSONValue? { values[name] }

    /// An integer as configs spell it: a number without a fraction, or its text.
    static func integer(_ value: JSONValue) -> Int64? {
        switch value {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        case .string(let s): return Int64(s.trimmed)
        default: return nil
        }
    }

    /// `value` in the kind's canonical form. Upstream configs quote numbers and booleans
    /// (`"sparkUserDbRedisIndex": "12"`) and write AppConf lists as comma-separated text, so those
    /// spellings are accepted; anything else of the wrong type is refused.
    static func canonical(_ value: JSONValue, _ p: Parameter) -> Result<JSONValue, ParameterErrorText> {
        func refuse(_ expected: String) -> Result<JSONValue, ParameterErrorText> {
            .failure(ParameterErrorText("expected \(expected), got \(value.describedForError)"))
        }
        switch (p.kind, value) {
        case (.string, .string(let s)):
            if let c = p.choices, !c.contains(s) { return refuse("one of \(c.joined(separator: ", "))") }
            return .success(value)
        case (.string, _): return refuse(p.choices.map { "one of \($0.joined(separator: ", "))" } ?? "a string")
        case (.int, _):
            let expected = p.range.map { "an integer from \($0.lowerBound) to \($0.upperBound)" } ?? "an integer"
            guard let i = integer(value), p.range?.contains(i) ?? true else { return refuse(expected) }
            return .success(.int(i))
        case (.double, .double(let d)) where d.isFinite: return .success(value)
        case (.double, .int(let i)): return .success(.double(Double(i)))
        case (.double, .string(let s)) where Double(s.trimmed)?.isFinite ?? false: return .success(.double(Double(s.trimmed)!))
        case (.double, _): return refuse("a finite number")
        case (.bool, .bool): return .success(value)
        case (.bool, .string(let s)) where ["true", "false"].contains(s.trimmed.lowercased()):
            return .success(.bool(s.trimmed.lowercased() == "true"))
        case (.bool, _): return refuse("true or false")
        case (.list, .array): return .success(value)
        case (.list, .string(let s)):
            let items = s.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
            return .success(.array(items.map { .string($0) }))
        case (.list, _): return refuse("a list (JSON array, or comma-separated text)")
        case (.object, .object): return .success(value)
        case (.object, _): return refuse("a JSON object")
        case (.duration, .int(let i)) where i >= 0: return .success(.double(Double(i)))
        case (.duration, .double(let d)) where d >= 0 && d.isFinite: return .success(value)
        case (.duration, .string(let s)):
            guard let seconds = DurationText.seconds(s) else { return refuse("a duration (seconds, or text like 90s, 5m, 2h, 1d)") }
            return .success(.double(seconds))
        case (.duration, _): return refuse("a duration (seconds, or text like 90s, 5m, 2h, 1d)")
        }
    }
}

/// Why a config does not fit a job's declarations: one problem per line.
public struct ParameterError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String { problems.joined(separator: "; ") }
}

struct ParameterErrorText: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

/// Durations as configs write them: plain seconds or a number with one unit (ms, s, m, h, d).
enum DurationText {
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmed.lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count)), n >= 0, (n * scale).isFinite else { return nil }
            return n * scale
        }
        guard let n = Double(t), n >= 0, n.isFinite else { return nil }
        return n
    }
}

extension JSONValue {
    /// A short form of a wrong value for an error message.
    var describedForError: String {
        let kind: String
        switch self {
        case .null: return "null"
        case .bool: kind = "boolean"
        case .int, .double: kind = "number"
        case .string: kind = "string"
        case .array: kind = "list"
        case .object: kind = "object"
        }
        let text = render()
        return "\(kind) \(text.count > 60 ? String(text.prefix(57)) + "..." : text)"
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
