import Foundation
import PluginAPI

/// What a running job sees of the host: config, logging, tables, reports, counters.
/// Valid only inside `Job.run`.
public final class JobContext {
    let run: OpaquePointer
    let host: UnsafePointer<dp_host_api>

    init(run: OpaquePointer, host: UnsafePointer<dp_host_api>) {
        self.run = run
        self.host = host
    }

    public var jobId: String { host.pointee.job_id(run).string }

    /// The effective model config (`search`, `model`, `modelParams`, `output`, ...).
    public private(set) lazy var modelConfig: JSONValue = {
        (try? JSONParser.parse(host.pointee.model_config(run).string)) ?? .object([])
    }()

    /// `modelParams` of the config as written (an empty object when absent). Declared keys are
    /// better read typed, through `params`.
    public var modelParams: JSONValue { modelConfig["modelParams"] ?? .object([]) }

    /// The job's declared parameters, checked and with defaults filled in: `job.params[Self.limit]`.
    public internal(set) var params = ResolvedParameters()

    public func log(_ message: String, level: LogLevel = .info) {
        withDPStr(message) { host.pointee.log(run, level.rawValue, $0) }
    }

    public enum LogLevel: Int32 { case debug = 0, info = 1, warn = 2, error = 3 }

    /// Adds to a counter reported in JOB_END (e.g. "inputEvents", "outputEvents").
    public func count(_ name: String, _ delta: Int64 = 1) {
        withDPStr(name) { host.pointee.count(run, $0, delta) }
    }

    public func progress(done: UInt64, total: UInt64 = 0) { host.pointee.progress(run, done, total) }

    public var isCancelled: Bool { host.pointee.is_cancelled(run) != 0 }

    /// The run clock: the instant the job takes as now for every date rule (the operator's `--now`,
    /// else when the host started). A 1.5 host has no run clock: then the wall clock.
    public var now: Date {
        let end = MemoryLayout<dp_host_api>.offset(of: \dp_host_api.now_ms)! + MemoryLayout<UnsafeRawPointer>.size
        guard Int(host.pointee.size) >= end, let nowMs = host.pointee.now_ms else { return Date() }
        return Date(timeIntervalSince1970: Double(nowMs(run)) / 1000)
    }

    /// Throws `.unsupported` unless the host's function table (older hosts' is shorter) reaches
    /// `field`, a call added in ABI `minor`.
    func requireHost<T>(_ field: KeyPath<dp_host_api, T?>, minor: Int, for what: String) throws {
        let end = MemoryLayout<dp_host_api>.offset(of: field)! + MemoryLayout<UnsafeRawPointer>.size
        guard Int(host.pointee.size) >= end, host.pointee[keyPath: field] != nil else {
            throw JobError(.unsupported, "this host speaks ABI \(host.pointee.abi_major).\(host.pointee.abi_minor); \(what) needs 1.\(minor)")
        }
    }

    /// Throws the host's error for a failed call.
    func check(_ status: dp_status) throws {
        guard status != DP_OK else { return }
        throw JobError.host(status, host.pointee.last_error(run).string)
    }

    // MARK: Tables

    /// Streams the rows of `table` ("keyspace.table") that pass every filter, `batchRows` at a time.
    /// Memory stays bounded by one batch; an error thrown by `body` stops the scan and is rethrown.
    /// `orderBy` (columns of `columns`, not JSON ones) delivers the rows in ascending key order, so a
    /// job can merge-join tables and stream per key (ABI 1.5). `body` may run further scans.
    public func scan(
        _ table: String, columns: [Field], where filters: [Filter] = [], orderBy: [String] = [], batchRows: Int = 0,
        _ body: (Row) throws -> Void
    ) throws {
        let names = RowColumns(columns.map(\.name), source: "scan of \(table)")
        try scanBatches(table, columns: columns, where: filters, orderBy: orderBy, batchRows: batchRows) { batch in
            for i in 0..<batch.count {
                try body(Row(batch: batch, index: i, names: names))
                try names.checkMissing()
            }
        }
    }

    /// `scan`, a batch at a time: for loops over millions of rows that read cells by position
    /// (`batch.utf8(column, row)`, `batch.double(column, row)`) without a Row per row.
    public func scanBatches(
        _ table: String, columns: [Field], where filters: [Filter] = [], orderBy: [String] = [],
        batchRows: Int = 0, _ body: (BatchView) throws -> Void
    ) throws {
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink(batches: body)
            let status = try withScanRequest(table, columns: columns, where: filters, orderBy: orderBy, batchRows: batchRows) { request in
                host.pointee.scan(run, request, scanCallback, Unmanaged.passUnretained(sink).toOpaque())
            }
            if let error = sink.error { throw error }
            try check(status)
        }
    }

    /// A dp_scan for the call `body` makes (its strings and arrays live for the call only).
    func withScanRequest(
        _ table: String, columns: [Field], where filters: [Filter], orderBy: [String], batchRows: Int,
        _ body: (UnsafeMutablePointer<dp_scan>) -> dp_status
    ) throws -> dp_status {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw JobError(.invalidArgument, "table '\(table)' is not keyspace.table") }
        let strings = StringArena()
        var cols = columns.map { dp_column(name: strings.dp($0.name), type: $0.type.rawValue) }
        var values: [[dp_str]] = filters.map { $0.values.map { strings.dp(JSONText.literal($0)) } }
        var order = orderBy.map { strings.dp($0) }
        return cols.withUnsafeMutableBufferPointer { colBuf in
            order.withUnsafeMutableBufferPointer { orderBuf in
                withArrayOfBufferPointers(&values) { valueBufs in
                    var fs = zip(filters, valueBufs).map { f, v in
                        dp_filter(column: strings.dp(f.column), op: f.op.rawValue, values: v.baseAddress, n_values: v.count)
                    }
                    return fs.withUnsafeMutableBufferPointer { fBuf in
                        var request = dp_scan(
                            size: UInt32(MemoryLayout<dp_scan>.size), keyspace: strings.dp(parts[0]),
                            table: strings.dp(parts[1]), columns: colBuf.baseAddress, n_columns: colBuf.count,
                            filters: fBuf.baseAddress, n_filters: fBuf.count, batch_rows: UInt32(clamping: batchRows),
                            order_by: orderBuf.baseAddress, n_order_by: orderBuf.count)
                        return body(&request)
                    }
                }
            }
        }
    }

    // MARK: Reports

    /// Opens a report; rows appended to it are published when the job succeeds. `zip`: each file is
    /// published as `<name>.zip` holding it (ABI 1.11; refused as unsupported by an older host).
    public func openReport(
        _ id: String, format: ReportFormat, columns: [Field],
        partitionBy: [String] = [], zip: Bool = false
    ) throws -> ReportWriter {
        if zip { try requireHost(\.druid_query, minor: 11, for: "zipped reports") }
        let strings = StringArena()
        var parts = partitionBy.map { strings.dp($0) }
        var handle: OpaquePointer?
        let status = parts.withUnsafeMutableBufferPointer { p in
            var spec = dp_report_spec(
                size: UInt32(MemoryLayout<dp_report_spec>.size), report_id: strings.dp(id),
                format: format.rawValue, partition_by: p.baseAddress, n_partition_by: p.count, flags: zip ? DP_REPORT_ZIP : 0)
            return host.pointee.report_open(run, &spec, &handle)
        }
        try check(status)
        return ReportWriter(context: self, handle: handle!, fields: columns)
    }
}

public enum ReportFormat: Int32 { case csv = 1, jsonl = 2, jsonArray = 3 }

/// A filter pushed down to the store. Values compare by the column's stored type.
public struct Filter {
    public enum Op: Int32 { case eq = 1, `in` = 2, lt = 3, le = 4, gt = 5, ge = 6 }
    public var column: String
    public var op: Op
    public var values: [Value]

    public static func eq(_ column: String, _ value: Value) -> Filter { Filter(column: column, op: .eq, values: [value]) }
    public static func `in`(_ column: String, _ values: [Value]) -> Filter { Filter(column: column, op: .in, values: values) }
    public static func lt(_ column: String, _ value: Value) -> Filter { Filter(column: column, op: .lt, values: [value]) }
    public static func le(_ column: String, _ value: Value) -> Filter { Filter(column: column, op: .le, values: [value]) }
    public static func gt(_ column: String, _ value: Value) -> Filter { Filter(column: column, op: .gt, values: [value]) }
    public static func ge(_ column: String, _ value: Value) -> Filter { Filter(column: column, op: .ge, values: [value]) }
}

/// One row of a scan, read by column name or position. Valid only inside the scan's body.
/// Reading a column the scan did not ask for answers nil, and the scan then fails naming it (the
/// job ends with its error, exit 67) instead of crashing the job's process.
public struct Row {
    let batch: BatchView
    let index: Int
    let names: RowColumns

    private func column(_ name: String) -> Int? { names.index(of: name) }

    public func string(_ name: String) -> String? { column(name).flatMap { batch.string($0, index) } }
    public func int(_ name: String) -> Int64? { column(name).flatMap { batch.int($0, index) } }
    public func double(_ name: String) -> Double? { column(name).flatMap { batch.double($0, index) } }
    public func bool(_ name: String) -> Bool? { column(name).flatMap { batch.bool($0, index) } }
    public func value(_ name: String) -> Value { column(name).map { batch.value($0, index) } ?? .null }
    public func isNull(_ name: String) -> Bool { column(name).map { batch.isNull($0, index) } ?? true }

    // By position (the scan's column order): no name lookup, for loops over millions of rows.
    public func string(at column: Int) -> String? { batch.string(column, index) }
    public func double(at column: Int) -> Double? { batch.double(column, index) }
    /// The UTF-8 bytes of a text or JSON cell, valid inside the scan's body only; nil when null.
    public func utf8(at column: Int) -> UnsafeRawBufferPointer? { batch.utf8(column, index) }
    /// The UTF-8 bytes of a text or JSON cell without building a String; nil when null.
    public func withUTF8<R>(at column: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        try batch.withUTF8(column, index, body)
    }
}

/// Buffers rows and hands them to the host in Arrow batches.
public final class ReportWriter {
    private let context: JobContext
    private var handle: OpaquePointer?
    private let builder: BatchBuilder
    public private(set) var rowsWritten = 0
    static let batchRows = 4096

    init(context: JobContext, handle: OpaquePointer, fields: [Field]) {
        self.context = context
        self.handle = handle
        self.builder = BatchBuilder(fields: fields)
    }

    public func append(_ row: [Value]) throws {
        do { try builder.append(row) } catch { throw JobError(.data, "\(error)") }
        rowsWritten += 1
        if builder.count >= Self.batchRows { try flush() }
    }

    // A row cell by cell, without a [Value]: set every column once, then `endRow`. For rows replayed
    // from bytes (no String per cell). The bytes must be valid UTF-8 for a utf8 column.
    public func setUTF8(_ column: Int, _ bytes: UnsafeRawBufferPointer) { builder.setUTF8(column, bytes) }
    public func setInt(_ column: Int, _ value: Int64) { builder.set(column, .int(value)) }
    public func setNull(_ column: Int) { builder.set(column, .null) }
    public func endRow() throws {
        builder.endRow()
        rowsWritten += 1
        if builder.count >= Self.batchRows { try flush() }
    }

    private func flush(evenIfEmpty: Bool = false) throws {
        guard builder.count > 0 || evenIfEmpty, let handle else { return }
        try builder.withExported { try context.check(context.host.pointee.report_write(handle, $0, $1)) }
    }

    /// Writes what is buffered and finishes the report's files.
    public func close() throws {
        // A report without rows still sends one empty batch: the host learns its columns and writes
        // the header-only file (upstream writes one for an empty DataFrame).
        try flush(evenIfEmpty: rowsWritten == 0)
        guard let h = handle else { return }
        handle = nil
        try context.check(context.host.pointee.report_close(h))
    }
}

// MARK: - Plumbing

final class ScanSink {
    let batches: (BatchView) throws -> Void
    var error: Error?
    init(batches: @escaping (BatchView) throws -> Void) { self.batches = batches }
    convenience init(names: RowColumns, body: @escaping (Row) throws -> Void) {
        self.init { batch in
            for i in 0..<batch.count {
                try body(Row(batch: batch, index: i, names: names))
                try names.checkMissing()
            }
        }
    }
}

func scanCallback(
    _ user: UnsafeMutableRawPointer?, _ schema: UnsafeMutablePointer<ArrowSchema>?,
    _ array: UnsafeMutablePointer<ArrowArray>?
) -> dp_status {
    let sink = Unmanaged<ScanSink>.fromOpaque(user!).takeUnretainedValue()
    do {
        let batch = try BatchView(schema: schema!, array: array!)
        try sink.batches(batch)
        return DP_OK
    } catch {
        sink.error = error
        return DP_ERROR_CANCELLED
    }
}

/// Keeps C copies of strings alive for the duration of one host call.
final class StringArena {
    private var storage: [UnsafeMutablePointer<CChar>] = []
    func dp(_ s: String) -> dp_str {
        let p = strdup(s)!
        storage.append(p)
        return dp_str(data: p, len: strlen(p))
    }
    deinit { for p in storage { free(p) } }
}

func withDPStr<R>(_ s: String, _ body: (dp_str) -> R) -> R {
    var s = s
    return s.withUTF8 { buf in
        buf.withMemoryRebound(to: CChar.self) { body(dp_str(data: $0.baseAddress, len: $0.count)) }
    }
}

func withArrayOfBufferPointers<R>(
    _ arrays: inout [[dp_str]],
    _ body: ([UnsafeMutableBufferPointer<dp_str>]) -> R
) -> R {
    // Copy into stable allocations: nested withUnsafe... calls would not compose over a dynamic count.
    let buffers = arrays.map { a -> UnsafeMutableBufferPointer<dp_str> in
        let b = UnsafeMutableBufferPointer<dp_str>.allocate(capacity: max(a.count, 1))
        _ = b.initialize(from: a)
        return UnsafeMutableBufferPointer(rebasing: b[0..<a.count])
    }
    defer { for b in buffers { b.baseAddress.map { $0.deallocate() } } }
    return body(buffers)
}
