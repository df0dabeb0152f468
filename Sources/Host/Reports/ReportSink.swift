import Foundation
import PluginAPI
import RowBatch

/// One open report (dp_report): routes rows to one file per partition tuple and encodes them.
final class ReportSink {
    let reportId: String
    let format: dp_format
    let partitionBy: [String]
    let dialect: CSVDialect
    private let root: String
    private var fields: [Field]?
    private var partitionColumns: [Int] = []
    private var dataColumns: [Int] = []
    private var files: [String: BufferedFile] = [:]
    /// Partitioned reports may have thousands of files: at most this many stay open (LRU).
    static let maxOpenFiles = 64
    private var openOrder: [String] = []
    private(set) var rows: Int64 = 0
    /// Bytes of every file, known once the report is closed (ABI report_size).
    private(set) var closedBytes: UInt64 = 0

    static let nullPartition = "__HIVE_DEFAULT_PARTITION__"  // what Spark names a null partition value

    /// DP_REPORT_ZIP: each file replaced by `<name>.zip` holding it, once written.
    let zipped: Bool

    init(
        reportId: String, format: dp_format, partitionBy: [String], stagingFiles: String, dialect: CSVDialect = .spark, zipped: Bool = false
    ) throws {
        self.zipped = zipped
        if let why = DataPath.problem(relative: reportId) {
            throw HostCallError.invalid("report id '\(DataPath.shown(reportId))' \(why)")
        }
        guard [DP_FORMAT_CSV, DP_FORMAT_JSONL, DP_FORMAT_JSON_ARRAY].contains(format) else {
            throw HostCallError.invalid("unknown report format \(format)")
        }
        self.reportId = reportId
        self.format = format
        self.partitionBy = partitionBy
        self.dialect = dialect
        self.root = stagingFiles
    }

    var fileExtension: String { format == DP_FORMAT_CSV ? "csv" : "json" }

    func write(_ batch: BatchView) throws {
        if let fields {
            guard fields == batch.fields else {
                throw HostCallError.invalid(
                    "report \(reportId): batch columns \(batch.fields.map(\.name)) differ from the first batch's \(fields.map(\.name))")
            }
        } else {
            fields = batch.fields
            partitionColumns = try partitionBy.map { name in
                guard let i = batch.column(named: name) else {
                    throw HostCallError.invalid("report \(reportId): partition column '\(name)' is not in the batch")
                }
                return i
            }
            dataColumns = batch.fields.indices.filter { !partitionColumns.contains($0) }
        }
        for row in 0..<batch.count {
            let file = try fileFor(batch, row)
            switch format {
            case DP_FORMAT_CSV: CSVEncoding.appendRow(batch, row, dataColumns, dialect: dialect, to: file)
            default:
                if format == DP_FORMAT_JSON_ARRAY { file.append(file.rows == 0 ? "[" : ",") }
                JSONEncoding.appendObject(batch, row, dataColumns, to: file)
                if format == DP_FORMAT_JSONL { file.append("\n") }
            }
            file.rows += 1
            rows += 1
        }
    }

    // Rows usually arrive grouped by partition: remember the last tuple's file.
    private var lastTuple: [String?] = []
    private var lastFile: BufferedFile?

    private func fileFor(_ batch: BatchView, _ row: Int) throws -> BufferedFile {
        if !partitionColumns.isEmpty {
            let tuple = partitionColumns.map { batch.string($0, row) }
            if tuple == lastTuple, let f = lastFile, f.isOpen { return f }
            lastTuple = tuple
            lastFile = try fileFor(tuple)
            return lastFile!
        }
        return try fileFor([])
    }

    private func fileFor(_ tuple: [String?]) throws -> BufferedFile {
        var rel = reportId
        if !tuple.isEmpty {
            let parts = try tuple.map { v -> String in
                guard let v else { return Self.nullPartition }
                if let why = DataPath.problem(component: v) {
                    throw HostCallError.data("report \(reportId): partition value '\(DataPath.shown(v))' cannot be a file name: it \(why)")
                }
                return v
            }
            rel += "/" + parts.joined(separator: "/")
        }
        return try file(at: rel + "." + fileExtension)
    }

    private func file(at rel: String) throws -> BufferedFile {
        if let f = files[rel] {
            if !f.isOpen { try makeRoom(); try f.reopen(); openOrder.append(rel) }
            return f
        }
        try makeRoom()
        openOrder.append(rel)
        let f = try BufferedFile(path: (root as NSString).appendingPathComponent(rel))
        if format == DP_FORMAT_CSV, let fields {
            CSVEncoding.appendHeader(dataColumns.map { fields[$0].name }, dialect: dialect, to: f)
        }
        files[rel] = f
        return f
    }

    private func makeRoom() throws {
        while openOrder.count >= Self.maxOpenFiles {
            let victim = openOrder.removeFirst()
            try files[victim]?.suspend()
        }
    }

    /// `dir/name.ext` replaced by `dir/name.zip` holding `name.ext`; returns the zip's path.
    static func zip(_ path: String) throws -> String {
        let zipPath = (path as NSString).deletingPathExtension + ".zip"
        try ZipWriter.write(entry: (path as NSString).lastPathComponent, from: path, to: zipPath, password: nil)
        unlink(path)
        return zipPath
    }

    /// Finishes every file. A report that received no rows and has no partitions still gets its file
    /// (a CSV with only the header), as an empty DataFrame would upstream.
    func close() throws {
        if files.isEmpty && partitionBy.isEmpty { _ = try file(at: reportId + "." + fileExtension) }
        for f in files.values {
            if !f.isOpen { try f.reopen() }
            if format == DP_FORMAT_JSON_ARRAY { f.append(f.rows == 0 ? "[]" : "]") }
            try f.close()
            let path = zipped ? try Self.zip(f.path) : f.path
            var st = stat()
            if stat(path, &st) == 0 { closedBytes += UInt64(st.st_size) }
        }
        files.removeAll()
        openOrder.removeAll()
        lastFile = nil
    }
}
