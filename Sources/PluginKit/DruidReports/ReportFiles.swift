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
    /// `locations` gives the valid (state, district) pairs for entries with locationMapping. Every
    /// entry is checked (and its locations fetched) before the first file opens: a report that fails
    /// leaves no file behind, even in a run that goes on with other reports.
    /// With `merge`, every CSV file's rows are first merged into its published report (A4.7).
    public func write(_ job: JobContext, merge: MergeConfig? = nil, locations: () throws -> Set<LocationPair>) throws -> [String] {
        var plans: [Plan] = []
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
            plans.append(try plan(output, table))
        }
        if let merge {
            let store = ReportMergeStore(job, config: merge)
            for p in plans where p.output.type == "csv" { try self.merge(p, into: store, merge) }
        }
        for p in plans { try write(p, job) }
        return plans.map(\.reportId)
    }

    /// One output entry's file layout, checked against the data.
    struct Plan {
        var output: ReportConfig.Output
        var table: ReportTable
        var reportId: String
        /// Source columns in file order, and their labels.
        var columns: [String]
        var labels: [String]
        /// Labels of the dims that split files, and the source column of each.
        var dims: [String]
        var dimColumns: [String]
    }

    private func plan(_ output: ReportConfig.Output, _ table: ReportTable) throws -> Plan {
        let fields = distinct(records.dimensions + output.metrics + ["date"])
        if let missing = fields.first(where: { !table.columns.contains($0) }) {
            throw JobError(
                .data, "\(config.id): column \(missing) of the output is not in the Druid data (it has \(table.columns.joined(separator: ", ")))")
        }
        let label = { (f: String) in config.label(of: f) ?? f }
        let dims = distinct(config.labels.filter { output.dims.contains($0.0) }.map(\.1) + (output.fileParameters.contains("date") ? ["Date"] : []))
        let order = ["date"] + records.dimensions.filter { !output.metrics.contains($0) } + output.metrics
        let columns = dims.isEmpty ? fields : distinct(order)
        let byLabel = Dictionary(fields.map { (label($0), $0) }, uniquingKeysWith: { a, _ in a })
        let dimColumns = try dims.map { d -> String in
            guard let c = byLabel[d] else { throw JobError(.data, "\(config.id): dimension \(d) is not a column of the output") }
            return c
        }
        let reportId = [key, output.label.map { config.id + "/" + $0 } ?? config.id].filter { !$0.isEmpty }.joined(separator: "/")
        return Plan(
            output: output, table: table, reportId: reportId, columns: columns, labels: columns.map(label), dims: dims, dimColumns: dimColumns)
    }

    private func write(_ p: Plan, _ job: JobContext) throws {
        let schema =
            zip(p.columns, p.labels).map { c, l in quoteColumns.contains(l) ? Field(l, .utf8) : p.table.field(c, as: l) }
            + p.dims.map { Field($0 + "Duplicate", .utf8) }
        let report = try job.openReport(
            p.reportId, format: p.output.type == "json" ? .jsonl : .csv, columns: schema, partitionBy: p.dims.map { $0 + "Duplicate" },
            zip: p.output.zip)
        for row in p.table.rows {
            var values = zip(p.columns, p.labels).map { c, l -> Value in
                let v = p.table.cell(row, c)
                return quoteColumns.contains(l) ? .string("'" + v.reportText + "'") : v
            }
            values += p.dimColumns.map { .string(p.table.cell(row, $0).reportText) }
            try report.append(values)
        }
        try report.close()
    }

    /// Each file of a plan (one per dims tuple) merged into its report: `key/reportPath` when the
    /// files are per Date only, else `<dims but the last>/<reportPath>` (A4.5 step 6).
    private func merge(_ p: Plan, into store: ReportMergeStore, _ m: MergeConfig) throws {
        var order: [[String]] = []
        var groups: [[String]: [[String]]] = [:]
        for row in p.table.rows {
            let tuple = p.dimColumns.map { p.table.cell(row, $0).reportText }
            let cells = zip(p.columns, p.labels).map { c, l in
                quoteColumns.contains(l) ? "'" + p.table.cell(row, c).reportText + "'" : p.table.cell(row, c).reportText
            }
            if groups[tuple] == nil { order.append(tuple) }
            groups[tuple, default: []].append(cells)
        }
        let metricLabels = Set(p.output.metrics.map { config.label(of: $0) ?? $0 })
        for tuple in order {
            let path: String
            if p.dims == ["Date"] {
                path = key.isEmpty ? m.reportPath : key + "/" + m.reportPath
            } else {
                path = (tuple.dropLast().map { $0 + "/" }.joined()) + m.reportPath
            }
            try store.merge(ReportText(columns: p.labels, rows: groups[tuple]!), reportPath: path, columnOrder: p.labels, metricLabels: metricLabels)
        }
    }

    private func distinct(_ xs: [String]) -> [String] {
        var out: [String] = []
        for x in xs where !out.contains(x) { out.append(x) }
        return out
    }
}
