import Foundation
import PluginKit

/// The course metrics reports' writer (lern-jobs-spec §8/9 "Report writer", CourseUtils.postDataToBlob):
/// columns renamed by the report config's labels, numeric nulls 0, text nulls "unknown", a `Status`
/// column's 0/1/2 spelled Upcoming/Ongoing/Expired, one CSV per `folderPrefix` tuple
/// (`<filePath>/<reportId>/<slug>/<reportName>.csv`), then each merged into its published report.
struct CourseReportWriter {
    let config: ReportConfig
    /// modelParams filePath (upstream's key), folderPrefix.
    let filePath: String
    let folderPrefix: [String]

    /// `columns` in record order with their types; `rows` one value per column.
    func write(_ job: JobContext, columns: [Field], rows: [[Value]]) throws {
        let label = { (c: String) in config.label(of: c) ?? c }
        let cells = rows.map { row in zip(columns, row).map { f, v in Self.filled(v, f, label(f.name)) } }
        let renamed = columns.map { f in Field(label(f.name), f.name == "status" && label(f.name) == "Status" ? .utf8 : f.type) }
        let prefix = folderPrefix.filter { p in columns.contains { $0.name == p } }
        let partition = prefix.map(label)
        let merge = try config.mergeConfig.map(MergeConfig.init)
        let outputs = config.output.isEmpty ? [nil] : config.output.map { Optional($0) }
        for output in outputs {
            let id = output?.label.map { config.id + "/" + $0 } ?? config.id
            let reportId = [filePath.split(separator: "/").joined(separator: "/"), id].filter { !$0.isEmpty }.joined(separator: "/")
            if let merge { try self.merge(job, merge, renamed, cells, partition) }
            let report = try job.openReport(reportId, format: .csv, columns: renamed, partitionBy: partition)
            for r in cells { try report.append(r) }
            try report.close()
        }
    }

    /// Nulls filled (numbers 0, text "unknown"), `Status` values named.
    static func filled(_ v: Value, _ f: Field, _ label: String) -> Value {
        if label == "Status" {
            let names = ["0": "Upcoming", "1": "Ongoing", "2": "Expired"]
            let text: String? = {
                switch v {
                case .string(let s): return s
                case .int(let i): return String(i)
                default: return nil
                }
            }()
            return .string(text.map { names[$0] ?? $0 } ?? "unknown")
        }
        guard case .null = v else { return v }
        switch f.type {
        case .int64: return .int(0)
        case .float64: return .double(0)
        default: return .string("unknown")
        }
    }

    /// Each file's rows (one per partition tuple) merged into `<dims but reportName>/<reportPath>`
    /// (A6: the path after reportId up to the file).
    private func merge(_ job: JobContext, _ m: MergeConfig, _ columns: [Field], _ rows: [[Value]], _ partition: [String]) throws {
        let store = ReportMergeStore(job, config: m)
        let parts = partition.compactMap { p in columns.firstIndex { $0.name == p } }
        let data = columns.indices.filter { !parts.contains($0) }
        var order: [[String]] = []
        var groups: [[String]: [[String]]] = [:]
        for r in rows {
            let tuple = parts.map { r[$0].reportText }
            if groups[tuple] == nil { order.append(tuple) }
            groups[tuple, default: []].append(data.map { r[$0].reportText })
        }
        let header = data.map { columns[$0].name }
        let metrics = Set(data.filter { columns[$0].type == .int64 || columns[$0].type == .float64 }.map { columns[$0].name })
        for tuple in order {
            let folder = tuple.dropLast().map { $0 + "/" }.joined()
            try store.merge(
                ReportText(columns: header, rows: groups[tuple]!), reportPath: folder + m.reportPath, columnOrder: header, metricLabels: metrics)
        }
    }
}
