import Foundation
import RowBatch

/// A report's records written as its `output` entries say (framework-spec A4.5 postProcess): per
/// entry, the columns it names renamed by `labels`, one file per value tuple of its `dims`
/// (`<key>/<reportId>/<v1>/<v2>.<csv|json>`, the dims kept inside the file) or one file
/// `<key>/<reportId>.<ext>` without dims.
public struct ReportFiles {
    public let config: ReportConfig
    public let records: ReportRecords
    /// modelParams.key: the folder reports go under (upstream's blob prefix).
    public let key: String
    /// modelParams.quoteColumns: columns (by label) whose values are wrapped in single quotes.
    public let quoteColumns: Set<String>

    public init(config: ReportConfig, records: ReportRecords, key: String, quoteColumns: [String]) {
        self.config = config
        self.records = records
        self.key = key.split(separator: "/").joined(separator: "/")
        self.quoteColumns = Set(quoteColumns)
    }

    /// Writes every output entry; returns the report ids written (an entry without rows writes none).
    /// `locations` gives the valid (state, district) pairs for entries with locationMapping.
    public func write(_ job: JobContext, locations: () throws -> Set<LocationPair>) throws -> [String] {
        var written: [String] = []
        for output in config.output {
            var table = ReportTable(records.records)
            if output.locationMapping {
                let pairs = try locations()
                if !pairs.isEmpty {
                    table.filter {
                        pairs.contains(
                            LocationPair(state: ReportRecords.text($0["state"] ?? .null), district: ReportRecords.text($0["district"] ?? .null)))
                    }
                }
            }
            guard !table.rows.isEmpty else {
                job.log("\(config.id): No data found from druid")
                continue
            }
            written.append(try write(output, table, job))
        }
        return written
    }

    private func write(_ output: ReportConfig.Output, _ table: ReportTable, _ job: JobContext) throws -> String {
        guard !output.zip else { throw JobError(.unsupported, "\(config.id): output zip is not supported yet") }
        var fields: [String] = []
        for f in records.dimensions + output.metrics + ["date"] where !fields.contains(f) { fields.append(f) }
        if let missing = fields.first(where: { !table.columns.contains($0) }) {
            throw JobError(
                .data, "\(config.id): column \(missing) of the output is not in the Druid data (it has \(table.columns.joined(separator: ", ")))")
        }
        let label = { (f: String) in config.label(of: f) ?? f }
        let dims = distinct(config.labels.filter { output.dims.contains($0.0) }.map(\.1) + (output.fileParameters.contains("date") ? ["Date"] : []))
        let order = ["date"] + records.dimensions.filter { !output.metrics.contains($0) } + output.metrics
        let columns = dims.isEmpty ? fields : distinct(order)
        let byLabel = Dictionary(fields.map { (label($0), $0) }, uniquingKeysWith: { a, _ in a })
        for d in dims where byLabel[d] == nil {
            throw JobError(.data, "\(config.id): dimension \(d) is not a column of the output")
        }
        let reportId = [key, output.label.map { config.id + "/" + $0 } ?? config.id].filter { !$0.isEmpty }.joined(separator: "/")
        let schema =
            columns.map { quoteColumns.contains(label($0)) ? Field(label($0), .utf8) : table.field($0, as: label($0)) }
            + dims.map { Field($0 + "Duplicate", .utf8) }
        let report = try job.openReport(
            reportId, format: output.type == "json" ? .jsonl : .csv, columns: schema, partitionBy: dims.map { $0 + "Duplicate" })
        for row in table.rows {
            var values = columns.map { c -> Value in
                let v = table.cell(row, c)
                guard quoteColumns.contains(label(c)) else { return v }
                return .string("'" + text(v) + "'")
            }
            values += dims.map { .string(text(table.cell(row, byLabel[$0]!))) }
            try report.append(values)
        }
        try report.close()
        return reportId
    }

    private func text(_ v: Value) -> String {
        switch v {
        case .string(let s): return s
        case .double(let d): return NumberText.java(d)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        default: return ""
        }
    }

    private func distinct(_ xs: [String]) -> [String] {
        var out: [String] = []
        for x in xs where !out.contains(x) { out.append(x) }
        return out
    }
}
