import Foundation
import RowBatch

/// The pieces of a native Druid query, one function per kind of part (spec A4.1's tables).
enum DruidParts {
    static func str(_ v: String) -> JSONValue { .string(v) }

    // MARK: aggregations

    static func aggregation(_ a: JSONValue) throws -> JSONValue {
        let type = a["type"]?.string ?? "count"
        let field = a["fieldName"]?.string ?? ""
        let name = a["name"]?.string ?? "\(type.lowercased())_\(field.lowercased())"
        switch type.lowercased() {
        case "filtered":
            guard let inner = a["filterAggType"]?.string, let ff = a["filterFieldName"]?.string, let fv = a["filterValue"] else {
                throw DruidError.config("Missing fields for filter type aggregation: \(name) needs filterAggType, filterFieldName and filterValue")
            }
            var innerSpec = a.objectPairs!.filter { !["type", "filterAggType", "filterFieldName", "filterValue"].contains($0.0) }
            innerSpec.append(("type", .string(inner)))
            innerSpec.append(("name", .string(name)))
            return .object([
                ("type", str("filtered")), ("name", str(name)),
                ("filter", .object([("type", str("selector")), ("dimension", str(ff)), ("value", fv)])),
                ("aggregator", try aggregation(.object(innerSpec))),
            ])
        case "count":
            return .object([("type", str("count")), ("name", str(name))])
        case "cardinality":
            return .object([("type", str("cardinality")), ("name", str(name)), ("fields", .array([str(field)]))])
        case "javascript":
            return .object([
                ("type", str("javascript")), ("name", str(name)), ("fieldNames", .array([str(field)])),
                ("fnAggregate", a["fnAggregate"] ?? .null), ("fnCombine", a["fnCombine"] ?? .null), ("fnReset", a["fnReset"] ?? .null),
            ])
        case "hllsketchmerge":
            var o: [(String, JSONValue)] = [("type", str("HLLSketchMerge")), ("name", str(name)), ("fieldName", str(field))]
            for key in ["lgK", "tgtHllType", "round"] { if let v = a[key] { o.append((key, v)) } }
            return .object(o)
        default:
            let known = [
                "longsum": "longSum", "doublesum": "doubleSum", "doublemax": "doubleMax", "doublemin": "doubleMin",
                "longmax": "longMax", "longmin": "longMin", "doublefirst": "doubleFirst", "doublelast": "doubleLast",
                "longfirst": "longFirst", "longlast": "longLast", "hyperunique": "hyperUnique", "thetasketch": "thetaSketch",
            ]
            // An unrecognised type becomes a count, as upstream does.
            guard let t = known[type.lowercased()] else { return .object([("type", str("count")), ("name", str(name))]) }
            return .object([("type", str(t)), ("name", str(name)), ("fieldName", str(field))])
        }
    }

    // MARK: dimensions

    static func dimension(_ d: JSONValue) throws -> JSONValue {
        guard let field = d["fieldName"]?.string else { throw DruidError.config("a Druid dimension needs fieldName") }
        let output = d["aliasName"]?.string ?? field
        var o: [(String, JSONValue)] = [("dimension", str(field)), ("outputName", str(output))]
        if let t = d["outputType"]?.string { o.append(("outputType", str(t))) }
        let fns = try (d["extractionFn"]?.array ?? []).map(extraction)
        switch (d["type"]?.string ?? "default").lowercased() {
        case "extraction":
            guard let first = fns.first else { throw DruidError.config("dimension \(field): type Extraction needs an extractionFn") }
            return .object([("type", str("extraction"))] + o + [("extractionFn", first)])
        case "cascade":
            guard !fns.isEmpty else { throw DruidError.config("dimension \(field): type cascade needs extractionFn entries") }
            return .object(
                [("type", str("extraction"))] + o + [("extractionFn", .object([("type", str("cascade")), ("extractionFns", .array(fns))]))])
        default:
            return .object([("type", str("default"))] + o)
        }
    }

    static func extraction(_ e: JSONValue) throws -> JSONValue {
        let fn = e["fn"]?.string ?? ""
        switch (e["type"]?.string ?? "").lowercased() {
        case "javascript":
            return .object([("type", str("javascript")), ("function", str(fn))])
        case "registeredlookup":
            var o: [(String, JSONValue)] = [("type", str("registeredLookup")), ("lookup", str(fn))]
            if let r = e["retainMissingValue"] { o.append(("retainMissingValue", r)) }
            if let r = e["replaceMissingValueWith"] { o.append(("replaceMissingValueWith", r)) }
            return .object(o)
        default:
            throw DruidError.config("Unsupported extraction function type '\(e["type"]?.string ?? "")' (javascript, registeredlookup)")
        }
    }

    // MARK: filters, having, post-aggregations

    /// All filters ANDed; nil when there are none.
    static func filter(_ list: JSONValue?) throws -> JSONValue? {
        let fields = try (list?.array ?? []).map(oneFilter)
        return fields.isEmpty ? nil : .object([("type", str("and")), ("fields", .array(fields))])
    }

    static func oneFilter(_ f: JSONValue) throws -> JSONValue {
        let type = f["type"]?.string ?? ""
        guard let dim = f["dimension"]?.string else { throw DruidError.config("a Druid filter of type '\(type)' needs a dimension") }
        let values: [JSONValue] = f["values"]?.array ?? (f["value"].map { [$0] } ?? [])
        let value = values.first ?? .null
        let d = ("dimension", str(dim))
        func not(_ inner: JSONValue) -> JSONValue { .object([("type", str("not")), ("field", inner)]) }
        let selector = JSONValue.object([("type", str("selector")), d, ("value", value)])
        let isNull = JSONValue.object([("type", str("selector")), d, ("value", .null)])
        let inList = JSONValue.object([("type", str("in")), d, ("values", .array(values))])
        let text = value.string ?? value.render()
        switch type.lowercased() {
        case "equals": return selector
        case "notequals": return not(selector)
        case "in": return inList
        case "notin": return not(inList)
        case "isnull": return isNull
        case "isnotnull": return not(isNull)
        case "contains", "containsignorecase":
            let query: JSONValue =
                type.lowercased() == "contains"
                ? .object([("type", str("contains")), ("value", str(text)), ("caseSensitive", .bool(true))])
                : .object([("type", str("insensitive_contains")), ("value", str(text))])
            return .object([("type", str("search")), d, ("query", query)])
        case "regex": return .object([("type", str("regex")), d, ("pattern", str(text))])
        case "like": return .object([("type", str("like")), d, ("pattern", str(text))])
        case "greaterthan":
            return .object([
                ("type", str("bound")), d, ("lower", str(text)), ("lowerStrict", .bool(true)), ("upper", str("2147483647")),
                ("ordering", str("numeric")),
            ])
        case "lessthan":
            return .object([
                ("type", str("bound")), d, ("lower", str("0")), ("upper", str(text)), ("upperStrict", .bool(true)), ("ordering", str("numeric")),
            ])
        default:
            throw DruidError.config("Unsupported filter type '\(type)'")
        }
    }

    static func having(_ h: JSONValue?) throws -> JSONValue? {
        guard let h, h.objectPairs != nil else { return nil }
        let type = h["type"]?.string ?? ""
        let spec: (String) -> JSONValue = {
            .object([("type", str($0)), ("aggregation", h["aggregation"] ?? .null), ("value", h["value"] ?? .null)])
        }
        switch type.lowercased() {
        case "equalto": return spec("equalTo")
        case "greaterthan": return spec("greaterThan")
        case "lessthan": return spec("lessThan")
        case "not": return .object([("type", str("not")), ("havingSpec", spec("equalTo"))])
        default: throw DruidError.config("Unsupported having type '\(type)' (equalTo, not, greaterThan, lessThan)")
        }
    }

    static func postAggregation(_ p: JSONValue) throws -> JSONValue {
        let type = p["type"]?.string ?? ""
        guard let name = p["name"]?.string else { throw DruidError.config("a post-aggregation needs a name") }
        let fields = p["fields"]
        let left = fields?["leftField"]?.string ?? ""
        let right = fields?["rightField"]
        switch type.lowercased() {
        case "arithmetic":
            let rightSpec: JSONValue =
                (fields?["rightFieldType"]?.string ?? "FieldAccess").lowercased() == "constant"
                ? .object([("type", str("constant")), ("name", str("constant")), ("value", numberish(right))])
                : .object([("type", str("fieldAccess")), ("fieldName", right ?? .null)])
            var o: [(String, JSONValue)] = [
                ("type", str("arithmetic")), ("name", str(name)), ("fn", p["fn"] ?? .null),
                ("fields", .array([.object([("type", str("fieldAccess")), ("fieldName", str(left))]), rightSpec])),
            ]
            if let ordering = p["ordering"] { o.append(("ordering", ordering)) }
            return .object(o)
        case "javascript":
            let names = [str(left)] + (right?.string.map { [str($0)] } ?? [])
            return .object([("type", str("javascript")), ("name", str(name)), ("fieldNames", .array(names)), ("function", p["fn"] ?? .null)])
        default:
            throw DruidError.config("Unsupported post aggregation type '\(type)'")
        }
    }

    /// A constant written as text in configs ("100") is a number for Druid.
    static func numberish(_ v: JSONValue?) -> JSONValue {
        if let s = v?.string, let d = Double(s) { return d == d.rounded() && abs(d) < 1e15 ? .int(Int64(d)) : .double(d) }
        return v ?? .null
    }
}
