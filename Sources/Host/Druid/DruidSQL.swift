import Foundation
import RowBatch

/// A report's Druid SQL query (framework-spec A4.5 step 5, `exhaustQuery: true`): `sqlQueryStr` with
/// the interval's two ends put in, or `SELECT <sqlDimensions> from "druid"."<dataSource>"` over the
/// interval; sent to the roll-up broker's `sql` endpoint as objectLines with a header line.
///
/// Decisions (the spec leaves these open; upstream's code was not available to settle them):
/// - `sqlQueryStr` takes the ends as Java's `String.format` would: the first `%s` is the start,
///   the second the end; more than two is a config error.
/// - `sqlDimensions` is a list of column names, or of `{fieldName}` objects like `dimensions`.
/// - The ends are written `yyyy-MM-dd HH:mm:ss`, the timestamp form Druid SQL compares strings as.
struct DruidSQL {
    let text: String
    let dataSource: String

    init(_ model: JSONValue, now: Date) throws {
        guard model.objectPairs != nil else { throw DruidError.config("a Druid query must be a JSON object") }
        dataSource = model["dataSource"]?.string ?? ""
        guard let iv = model["intervals"]?.string, !iv.isEmpty else { throw DruidError.config("a Druid SQL query needs intervals") }
        let slider = Int(model["intervalSlider"]?.int ?? 0)
        let ends = DruidIntervals.resolve(iv, dataSource: dataSource, slider: slider, now: now).split(separator: "/").map(String.init)
        guard ends.count == 2 else { throw DruidError.config("a Druid SQL query needs an interval start/end, got '\(iv)'") }
        let (from, to) = (Self.sqlTime(ends[0]), Self.sqlTime(ends[1]))
        if let template = model["sqlQueryStr"]?.string, !template.isEmpty {
            let parts = template.components(separatedBy: "%s")
            guard parts.count <= 3 else {
                throw DruidError.config("sqlQueryStr has \(parts.count - 1) '%s' placeholders; at most two (start, end)")
            }
            var filled = parts[0]
            for (end, part) in zip([from, to], parts.dropFirst()) { filled += end + part }
            text = filled
        } else if let dims = model["sqlDimensions"]?.array, !dims.isEmpty {
            let names = dims.compactMap { $0.string ?? $0["fieldName"]?.string }
            guard names.count == dims.count, !dataSource.isEmpty else {
                throw DruidError.config("sqlDimensions must be column names or {fieldName} objects, with a dataSource")
            }
            text = "SELECT \(names.joined(separator: ",")) from \"druid\".\"\(dataSource)\" where __time >= '\(from)' AND __time < '\(to)'"
        } else {
            throw DruidError.config("exhaustQuery needs the query's sqlQueryStr or sqlDimensions")
        }
    }

    var usesRollupBroker: Bool { true }

    var body: JSONValue {
        .object([("query", .string(text)), ("resultFormat", .string("objectLines")), ("header", .bool(true))])
    }

    /// `2020-01-01T05:30:00+00:00` → `2020-01-01 05:30:00`; other text is kept.
    static func sqlTime(_ end: String) -> String {
        guard end.utf8.count >= 19, Array(end.utf8)[10] == UInt8(ascii: "T") else { return end }
        return String(end.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// One result line as a record: null and empty-string values become "unknown" (A4.5 step 5),
    /// other values are kept as Druid wrote them. No `date` is added: SQL rows have no timestamp.
    static func record(_ row: JSONValue) throws -> [UInt8] {
        guard let pairs = row.objectPairs else { throw DruidError.broker("a Druid SQL result line is not an object") }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, (key, value)) in pairs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .null, .string(""): out += #""unknown""#.utf8
            default: out += value.render().utf8
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Splits a streamed objectLines answer into lines as bytes arrive. Druid ends a complete answer
/// with a blank line; `finish()` fails without it (the answer was cut off).
struct JSONLinesStream {
    private var line: [UInt8] = []
    private var lastLineBlank = false
    private var lines = 0

    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onLine: (UnsafeRawBufferPointer) throws -> Void) throws {
        var start = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            line += bytes[start..<i]
            try checkSize()
            start = i + 1
            lastLineBlank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
            lines += 1
            if !lastLineBlank { try line.withUnsafeBytes { try onLine($0) } }
            line.removeAll(keepingCapacity: true)
        }
        line += bytes[start...]
        try checkSize()
    }

    /// One line (one row) is bounded as one element of a native answer is.
    private func checkSize() throws {
        guard line.count <= JSONArrayStream.maxElementBytes else {
            throw DruidError.broker("a Druid SQL answer line is longer than \(JSONArrayStream.maxElementBytes >> 20) MiB")
        }
    }

    func finish() throws {
        guard line.isEmpty, lastLineBlank else {
            throw DruidError.broker("the Druid SQL answer was cut off after \(lines) lines (no closing blank line)")
        }
    }
}
