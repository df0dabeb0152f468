import Foundation
import RowBatch

/// The embedded default store: a directory of JSON-lines tables named `keyspace.table.jsonl`, one
/// JSON object per row (the format of the upstream fixtures). Rows stream from disk in 1 MiB reads;
/// memory is bounded by one read plus one batch whatever the table's size.
///
/// `"now()"` in a text column (the fixtures' stand-in for CQL time functions) reads as the scan's
/// start time, ISO-8601 UTC with milliseconds.
struct LocalStore: TableStore {
    let directory: String

    func path(of request: ScanRequest) -> String {
        (directory as NSString).appendingPathComponent("\(request.qualifiedName).jsonl")
    }

    func scan(_ request: ScanRequest, emit: (BatchBuilder) throws -> Void) throws {
        let file = path(of: request)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                throw HostCallError.notFound(
                    "table \(request.qualifiedName) not found in local store \(directory) (no file \(request.qualifiedName).jsonl)")
            }
            throw HostCallError.io("cannot open \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let now = ISO8601DateFormatter.withMilliseconds.string(from: Date())
        let builder = BatchBuilder(fields: request.columns)
        let limit = request.batchRows > 0 ? request.batchRows : ScanRequest.defaultBatchRows
        // Only the requested and filtered columns are built from each line.
        var wanted = request.columns.map(\.name)
        for f in request.filters where !wanted.contains(f.column) { wanted.append(f.column) }
        let keys = wanted.map { Array($0.utf8) }
        let filterSlots = request.filters.map { f in wanted.firstIndex(of: f.column)! }
        var lineNumber = 0
        // Ordered scans (ABI 1.5) collect the matching rows and sort them: fine for the embedded
        // store's sizes; a database store sorts on its side.
        let sortKeys = request.orderBy.compactMap { name in request.columns.firstIndex { $0.name == name } }
        var sorted: [[Value]]? = sortKeys.isEmpty ? nil : []
        try LineReader(fd: fd).forEachLine { line in
            lineNumber += 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
            let cells: [JSONValue]
            do { cells = try JSONParser.project(line, keys: keys) } catch {
                throw HostCallError.data("\(request.qualifiedName) line \(lineNumber): invalid JSON object: \(error)")
            }
            for (f, slot) in zip(request.filters, filterSlots) {
                guard try Self.matches(cells[slot], f, where: "\(request.qualifiedName) line \(lineNumber)") else { return }
            }
            let row = try request.columns.enumerated().map { i, field in
                try Self.convert(cells[i], to: field.type, now: now) {
                    "\(request.qualifiedName) line \(lineNumber) column \(field.name): \($0)"
                }
            }
            if sorted != nil {
                sorted!.append(row)
                return
            }
            for (i, v) in row.enumerated() { builder.set(i, v) }
            builder.endRow()
            if builder.count >= limit { try emit(builder) }
        }
        if let rows = sorted {
            // Stable: rows equal on the keys keep their file order.
            let order = rows.indices.sorted { a, b in
                for k in sortKeys {
                    switch Self.compare(rows[a][k], rows[b][k]) {
                    case .orderedAscending: return true
                    case .orderedDescending: return false
                    case .orderedSame: continue
                    }
                }
                return a < b
            }
            for r in order {
                for (i, v) in rows[r].enumerated() { builder.set(i, v) }
                builder.endRow()
                if builder.count >= limit { try emit(builder) }
            }
        }
        if builder.count > 0 { try emit(builder) }
    }

    /// The scan order of ABI 1.5: strings by UTF-8 bytes, numbers numerically, false < true, nulls last.
    static func compare(_ a: Value, _ b: Value) -> ComparisonResult {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult { x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        switch (a, b) {
        case (.null, .null): return .orderedSame
        case (.null, _): return .orderedDescending
        case (_, .null): return .orderedAscending
        case (.string(let x), .string(let y)), (.json(let x), .json(let y)):
            if x.utf8.elementsEqual(y.utf8) { return .orderedSame }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? .orderedAscending : .orderedDescending
        case (.int(let x), .int(let y)): return cmp(x, y)
        case (.double(let x), .double(let y)): return cmp(x, y)
        case (.bool(let x), .bool(let y)): return cmp(x ? 1 : 0, y ? 1 : 0)
        default: return .orderedSame  // one column has one type after conversion
        }
    }

    /// JSON value → the requested column type, lossless conversions only.
    static func convert(_ v: JSONValue, to type: ColumnType, now: String, context: (String) -> String) throws -> Value {
        switch (type, v) {
        case (_, .null): return .null
        case (.bool, .bool(let b)): return .bool(b)
        case (.int64, .int(let i)): return .int(i)
        case (.int64, .double(let d)) where Int64(exactly: d) != nil: return .int(Int64(exactly: d)!)
        case (.float64, .double(let d)): return .double(d)
        case (.float64, .int(let i)): return .double(Double(i))
        case (.utf8, .string(let s)): return .string(s == "now()" ? now : s)
        case (.json, _): return .json(v.render())
        default: throw HostCallError.data(context("cannot read \(v.render().prefix(60)) as \(type)"))
        }
    }

    /// A filter on one cell. Null never matches; comparing different kinds of value is an error,
    /// as it would be in a typed database.
    static func matches(_ cell: JSONValue, _ f: ScanRequest.Filter, where place: String) throws -> Bool {
        if cell.isNull { return false }
        func order(_ literal: JSONValue) throws -> Int {
            switch (cell, literal) {
            case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
            case (.int, .double), (.double, .int), (.double, .double):
                let a = Self.number(cell)!, b = Self.number(literal)!
                return a < b ? -1 : (a == b ? 0 : 1)
            case (.string(let a), .string(let b)):
                return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a == b ? 0 : 1)
            case (.bool(let a), .bool(let b)): return a == b ? 0 : (a ? 1 : -1)
            default:
                throw HostCallError.invalid("\(place): filter on \(f.column) compares \(cell.render().prefix(40)) with \(literal.render())")
            }
        }
        switch f.op {
        case .eq: return try order(f.values[0]) == 0
        case .in: return try f.values.contains { try order($0) == 0 }
        case .lt: return try order(f.values[0]) < 0
        case .le: return try order(f.values[0]) <= 0
        case .gt: return try order(f.values[0]) > 0
        case .ge: return try order(f.values[0]) >= 0
        }
    }

    private static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// Reads a file descriptor line by line with large reads; lines are handed out as borrowed bytes.
struct LineReader {
    let fd: Int32
    var chunk = 1 << 20

    func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: chunk)
        var start = 0, end = 0
        while true {
            if start > 0 {  // move the partial line to the front
                buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start) }
                end -= start
                start = 0
            }
            if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }  // a very long line
            let n = buffer.withUnsafeMutableBytes { b in read(fd, b.baseAddress! + end, b.count - end) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostCallError.io("read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                if end > start { try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) } }
                return
            }
            end += n
            try buffer.withUnsafeBytes { b in
                while let nl = memchr(b.baseAddress! + start, 0x0A, end - start) {
                    let lineEnd = b.baseAddress!.distance(to: UnsafeRawPointer(nl))
                    try body(UnsafeRawBufferPointer(rebasing: b[start..<lineEnd]))
                    start = lineEnd + 1
                }
            }
        }
    }
}

extension ISO8601DateFormatter {
    static let withMilliseconds: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}

// MARK: Writes

extension LocalStore {
    /// Rewrites `keyspace.table.jsonl` under an exclusive lock, atomically (temp file + rename).
    private func rewrite(_ qualified: String, _ body: (inout [[(String, JSONValue)]]) throws -> Void) throws {
        let file = (directory as NSString).appendingPathComponent("\(qualified).jsonl")
        let lockFD = open(file + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw HostCallError.io("cannot lock \(file): \(String(cString: strerror(errno)))") }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 { guard errno == EINTR else { throw HostCallError.io("flock \(file) failed") } }
        var rows: [[(String, JSONValue)]] = []
        if let data = FileManager.default.contents(atPath: file) {
            for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard case .object(let pairs) = try JSONParser.parse(String(line)) else {
                    throw HostCallError.data("\(qualified) line \(n + 1) is not a JSON object")
                }
                rows.append(pairs)
            }
        }
        try body(&rows)
        let text = rows.map { JSONValue.object($0).render() + "\n" }.joined()
        let tmp = file + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, file) == 0 else {
            throw HostCallError.io("cannot write \(file)")
        }
    }

    private static func value(_ row: [(String, JSONValue)], _ column: String) -> JSONValue {
        row.first { $0.0 == column }?.1 ?? .null
    }

    func upsert(keyspace: String, table: String, key: [String], batch: BatchView) throws {
        try rewrite("\(keyspace).\(table)") { rows in
            for r in 0..<batch.count {
                let new = batch.jsonRow(r)
                let k = key.map { Self.value(new, $0) }
                if let i = rows.firstIndex(where: { old in key.map { Self.value(old, $0) } == k }) {
                    for (c, v) in new {
                        if let j = rows[i].firstIndex(where: { $0.0 == c }) { rows[i][j].1 = v } else { rows[i].append((c, v)) }
                    }
                    rows[i].removeAll { $0.1.isNull }
                } else {
                    rows.append(new.filter { !$0.1.isNull })
                }
            }
        }
    }

    func delete(keyspace: String, table: String, batch: BatchView) throws -> Int {
        var deleted = 0
        try rewrite("\(keyspace).\(table)") { rows in
            let targets = (0..<batch.count).map { batch.jsonRow($0) }
            let before = rows.count
            rows.removeAll { row in targets.contains { t in t.allSatisfy { Self.value(row, $0.0) == $0.1 } } }
            deleted = before - rows.count
        }
        return deleted
    }
}
