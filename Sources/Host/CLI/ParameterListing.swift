import JobParameters
import RowBatch

/// Declared parameters as `plugins list --params` and `render --params` print them, one per line:
/// name, type, default or value, whether required, what it means.
enum ParameterListing {
    /// `values`: the effective values of a rendered config (render --params); nil: the declarations only.
    static func lines(_ parameters: [Parameter], values: ResolvedParameters? = nil, indent: String = "    ") -> [String] {
        let width = min(parameters.map(\.name.count).max() ?? 0, 40)
        return parameters.map { p in
            var facts = [p.kind.rawValue]
            if let values {
                let given = values[p.name]
                facts.append("= " + (given.map(describe) ?? "(unset)"))
                if given != nil, given == p.defaultValue { facts.append("(default)") }
            } else if let d = p.defaultValue {
                facts.append("default " + describe(d))
            }
            if p.required { facts.append("required") }
            if let c = p.choices { facts.append("one of " + c.joined(separator: "|")) }
            if let r = p.range { facts.append("from \(r.lowerBound) to \(r.upperBound)") }
            return indent + p.name.padding(toLength: max(width, p.name.count), withPad: " ", startingAt: 0) + "  "
                + facts.joined(separator: " ") + "  — " + p.doc
        }
    }

    static func describe(_ v: JSONValue) -> String {
        let text = v.render()
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// The host's own keys, for the listing's last section.
    static func hostSections() -> [String] {
        ["host parameters (every job)"] + lines(HostParameters.all.map(\.declaration), indent: "  ")
            + ["host parameters (requests run)"] + lines(HostParameters.requests.map(\.declaration), indent: "  ")
    }
}
