import Foundation
import RowBatch

/// A scan straight off a JSON-lines file (the local store's fast path): lines read in 1 MiB reads,
/// cells taken in place (JSONLineCells), filters checked per line, rows in file order. Used when
/// the file's order is already the scan's; an ordered scan of a file out of order goes through the
/// SQLite import instead. Both give the same cells: lossless conversions only, JSON documents as
/// compact text, `"now()"` in a text column as the scan's start time; errors name the line.
struct JSONLinesScan {
    let file: String
    let request: ScanRequest

    func run(_ emit: (BatchBuilder) throws -> Void) throws {
        let fd = try Self.open(file, table: request.qualifiedName)
        defer { close(fd) }
        let now = ISO8601DateFormatter.withMilliseconds.string(from: Date())
        let builder = BatchBuilder(fields: request.columns)
        let limit = request.batchRows > 0 ? request.batchRows : ScanRequest.defaultBatchRows
        var wanted = request.columns.map(\.name)
        for f in request.filters where !wanted.contains(f.column) { wanted.append(f.column) }
        let keys = wanted.map { Array($0.utf8) }
        let filterSlots = request.filters.map { f in wanted.firstIndex(of: f.column)! }
        var cells = [JSONLineCells.Cell](repeating: .null, count: keys.count)
        var lineNumber = 0
        try LineReader(fd: fd).forEachLine { line in
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            for i in cells.indices { cells[i] = .null }
            do {
                try JSONLineCells.forEach(line) { k, cell in
                    if let slot = keys.firstIndex(where: { $0.elementsEqual(k) }) { cells[slot] = cell }
                }
            } catch let e as JSONParseError {
                throw HostCallError.data("\(request.qualifiedName) line \(lineNumber): invalid JSON object: \(e)")
            }
            for (f, slot) in zip(request.filters, filterSlots) {
                guard try Self.matches(try Self.value(cells[slot]), f, where: "\(request.qualifiedName) line \(lineNumber)") else { return }
            }
            for (i, field) in request.columns.enumerated() {
                try Self.set(cells[i], as: field.type, into: builder, column: i, now: now) {
                    "\(request.qualifiedName) line \(lineNumber) column \(field.name): \($0)"
                }
            }
            builder.endRow()
            if builder.count >= limit { try emit(builder) }
        }
        if builder.count > 0 { try emit(builder) }
    }

    static func open(_ file: String, table: String) throws -> Int32 {
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                let dir = (file as NSString).deletingLastPathComponent
                throw HostCallError.notFound("table \(table) not found in local store \(dir) (no file \(table).jsonl)")
            }
            throw HostCallError.io("cannot open \(file): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// A cell as a JSON value (filters and the rare slow paths).
    static func value(_ c: JSONLineCells.Cell) throws -> JSONValue {
        switch c {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .text(let b): return .string(String(decoding: b, as: UTF8.self))
        case .document(let b): return try JSONParser.parse(b)
        case .value(let v): return v
        }
    }

    /// One cell into the batch as `type`: the conversions the JSON-lines store always made.
    static func set(
        _ c: JSONLineCells.Cell, as type: ColumnType, into b: BatchBuilder, column i: Int, now: String, context: (String) -> String
    ) throws {
        switch (type, c) {
        case (_, .null), (_, .value(.null)): b.set(i, .null)
        case (.utf8, .text(let bytes)):
            if bytes.elementsEqual("now()".utf8) { b.set(i, .string(now)) } else { b.setUTF8(i, bytes) }
        case (.json, .document(let bytes)): b.setUTF8(i, bytes)
        case (.int64, .int(let v)): b.set(i, .int(v))
        case (.float64, .int(let v)): b.set(i, .double(Double(v)))
        case (.float64, .double(let v)): b.set(i, .double(v))
        default:
            let v = try value(c)
            switch (type, v) {
            case (.bool, .bool(let x)): b.set(i, .bool(x))
            case (.int64, .int(let x)): b.set(i, .int(x))
            case (.int64, .double(let d)) where Int64(exactly: d) != nil: b.set(i, .int(Int64(exactly: d)!))
            case (.float64, .double(let d)): b.set(i, .double(d))
            case (.float64, .int(let x)): b.set(i, .double(Double(x)))
            case (.utf8, .string(let s)): b.set(i, .string(s == "now()" ? now : s))
            case (.json, _): b.set(i, .json(v.render()))
            default: throw HostCallError.data(context("cannot read \(v.render().prefix(60)) as \(type)"))
            }
        }
    }

    /// A filter on one cell. Null never matches; comparing different kinds of value is an error,
    /// as it would be in a typed database.
    static func matches(_ cell: JSONValue, _ f: ScanRequest.Filter, where place: String) throws -> Bool {
        if cell.isNull { return false }
        func order(_ literal: JSONValue) throws -> Int {
            guard let o = compare(cell, literal) else {
                throw HostCallError.invalid("\(place): filter on \(f.column) compares \(cell.render().prefix(40)) with \(literal.render())")
            }
            return o
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

    /// The scan order of two scalars of one kind (strings by UTF-8 bytes, numbers numerically,
    /// false < true); nil when they are of different kinds or not scalars.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return cmp(x, y)
        case (.int(let x), .double(let y)): return cmp(Double(x), y)
        case (.double(let x), .int(let y)): return cmp(x, Double(y))
        case (.double(let x), .double(let y)): return cmp(x, y)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.bool(let x), .bool(let y)): return cmp(x ? 1 : 0, y ? 1 : 0)
        default: return nil
        }
    }

    /// Whether the file's rows are already in the order of `keys` (nulls last); false as soon as a
    /// row is out of order or two rows' keys cannot be compared. Reads only the keys.
    static func isInOrder(_ file: String, table: String, by keys: [String]) throws -> Bool {
        let fd = try open(file, table: table)
        defer { close(fd) }
        let names = keys.map { Array($0.utf8) }
        var previous: [JSONValue]?
        var current = [JSONValue](repeating: .null, count: keys.count)
        var inOrder = true
        try LineReader(fd: fd).forEachLine { line in
            guard inOrder, line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            for i in current.indices { current[i] = .null }
            do {
                var found = 0
                try JSONLineCells.members(line) { k, cell in
                    if let slot = names.firstIndex(where: { $0.elementsEqual(k) }) {
                        current[slot] = try value(cell)
                        found += 1
                    }
                    return found == names.count  // the rest of the line is the scan's to read
                }
            } catch is JSONParseError {
                inOrder = false  // the scan that follows reports the line
                return
            }
            if let p = previous { inOrder = !isBefore(current, p) && comparable(current, p) }
            previous = current
        }
        return inOrder
    }

    private static func isBefore(_ a: [JSONValue], _ b: [JSONValue]) -> Bool {
        for (x, y) in zip(a, b) {
            switch (x.isNull, y.isNull) {
            case (true, true): continue
            case (true, false): return false  // nulls last
            case (false, true): return true
            case (false, false):
                guard let o = compare(x, y) else { return false }
                if o != 0 { return o < 0 }
            }
        }
        return false
    }

    private static func comparable(_ a: [JSONValue], _ b: [JSONValue]) -> Bool {
        zip(a, b).allSatisfy { x, y in x.isNull || y.isNull || compare(x, y) != nil }
    }
}
