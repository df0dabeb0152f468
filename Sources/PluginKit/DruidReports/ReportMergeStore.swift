import Foundation
import RowBatch

/// A4.7 steps 1 and 3 through the host's blob store (upstream's report container): the published
/// report `<folder>/<name>.csv` read, backed up as `report-backups/<folder>/<name>-<day>.csv|json`,
/// and replaced by the merged report as CSV and as the dashboard's JSON.
public struct ReportMergeStore {
    let job: JobContext
    let config: MergeConfig
    /// The run day, for backup names.
    let day: String

    public init(_ job: JobContext, config: MergeConfig) {
        self.job = job
        self.config = config
        day = UTCDates.formatter("yyyy-MM-dd").string(from: job.now)
    }

    /// Merges `delta` into the report at `reportPath`; `columnOrder` orders the CSV, `metricLabels`
    /// are the JSON's numeric columns. Returns the blob key of the merged CSV.
    @discardableResult
    public func merge(_ delta: ReportText, reportPath: String, columnOrder: [String], metricLabels: Set<String>) throws -> String {
        let (folder, stem) = Self.place(reportPath)
        let key = folder.isEmpty ? stem : folder + "/" + stem
        let old = try read(key + ".csv")
        let merged = ReportMerge.merged(report: old, delta: delta, config: config)
        if let old {
            let backup = "report-backups/" + (folder.isEmpty ? "" : folder + "/") + stem + "-" + day
            try job.blobPut(backup + ".csv", Self.csv(old, order: []))
            try job.blobPut(backup + ".json", Self.json(old, metrics: metricLabels))
        }
        try job.blobPut(key + ".json", Self.json(merged, metrics: metricLabels))
        try job.blobPut(key + ".csv", Self.csv(merged, order: columnOrder))
        return key + ".csv"
    }

    /// `<folder>/<name>` from a report path: the parent folder's name and the file name without
    /// its extension.
    static func place(_ reportPath: String) -> (String, String) {
        let parts = reportPath.split(separator: "/").map(String.init)
        let name = parts.last ?? reportPath
        let stem = name.hasSuffix(".csv") || name.hasSuffix(".json") ? String(name[..<name.lastIndex(of: ".")!]) : name
        return (parts.count > 1 ? parts[parts.count - 2] : "", stem)
    }

    private func read(_ key: String) throws -> ReportText? {
        let data: Data
        do { data = try job.blobGet(key) } catch let e as JobError where e.kind == .notFound { return nil }
        let records = try data.withUnsafeBytes { try CSVReader(.spark).records($0) }
        guard let header = records.first else { return nil }
        let rows = records.dropFirst().map { r in
            r.count >= header.count ? Array(r.prefix(header.count)) : r + Array(repeating: "", count: header.count - r.count)
        }
        return ReportText(columns: header, rows: Array(rows))
    }

    /// CSV in Spark's dialect; columns in `order` first when given (others dropped), else as they are.
    static func csv(_ t: ReportText, order: [String]) -> Data {
        let cols = order.isEmpty ? Array(t.columns.indices) : order.compactMap { t.columns.firstIndex(of: $0) }
        var out: [UInt8] = []
        func line(_ fields: [String]) {
            for (i, f) in fields.enumerated() {
                if i > 0 { out.append(0x2C) }
                var f = f
                f.withUTF8 { CSVDialect.spark.appendField(UnsafeRawBufferPointer($0), to: &out) }
            }
            out.append(0x0A)
        }
        line(cols.map { t.columns[$0] })
        for r in t.rows { line(cols.map { r[$0] }) }
        return Data(out)
    }

    /// The dashboard's JSON: `{"keys": [columns], "tableData": [[values]], "data": [{column: value}]}`,
    /// metric columns as plain decimal numbers (empty → 0), the others as strings.
    static func json(_ t: ReportText, metrics: Set<String>) -> Data {
        let isMetric = t.columns.map { metrics.contains($0) }
        var out: [UInt8] = Array(#"{"keys":["#.utf8)
        func value(_ text: String, _ metric: Bool) {
            if metric { out += plain(text).utf8 } else { JSONText.appendQuoted(text, to: &out) }
        }
        for (i, c) in t.columns.enumerated() {
            if i > 0 { out.append(0x2C) }
            JSONText.appendQuoted(c, to: &out)
        }
        out += #"],"tableData":["#.utf8
        for (n, r) in t.rows.enumerated() {
            out += (n > 0 ? ",[" : "[").utf8
            for (i, v) in r.enumerated() {
                if i > 0 { out.append(0x2C) }
                value(v, isMetric[i])
            }
            out.append(UInt8(ascii: "]"))
        }
        out += #"],"data":["#.utf8
        for (n, r) in t.rows.enumerated() {
            out += (n > 0 ? ",{" : "{").utf8
            for (i, v) in r.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONText.appendQuoted(t.columns[i], to: &out)
                out.append(UInt8(ascii: ":"))
                value(v, isMetric[i])
            }
            out.append(UInt8(ascii: "}"))
        }
        out += "]}".utf8
        return Data(out)
    }

    /// A number's text without an exponent (Java's toPlainString: "1.23456789E7" → "12345678.9");
    /// not a number → 0.
    static func plain(_ text: String) -> String {
        guard let d = Double(text), d.isFinite else { return "0" }
        guard text.contains(where: { $0 == "E" || $0 == "e" }) else { return text }
        let (digits, point) = NumberText.decimalDigits(abs(d))
        let sign = d < 0 ? "-" : ""
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        let i = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<i] + "." + digits[i...]
    }
}
