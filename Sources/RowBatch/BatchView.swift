import PluginAPI

/// A read-only view of a borrowed Arrow batch (struct array of the ABI's column formats).
///
/// Valid only while the batch is: inside the callback that received it. Reads go straight to the
/// Arrow buffers; nothing is copied until a value is asked for.
public struct BatchView {
    public let fields: [Field]
    public let count: Int
    private let columns: [ColumnView]

    /// Checks what the C Data Interface lets a reader check before any value is read: counts,
    /// lengths and offsets, required buffers, string offsets that never go backwards (a plugin's
    /// broken batch fails its call instead of crashing the process). Buffer sizes are not part of
    /// the interface: a buffer shorter than its array claims cannot be detected.
    public init(schema: UnsafePointer<ArrowSchema>, array: UnsafePointer<ArrowArray>) throws {
        let a = array.pointee
        let fields = try Self.fields(of: schema)
        guard fields.count == a.n_children else {
            throw RowBatchError("batch schema has \(fields.count) columns, array has \(a.n_children)")
        }
        guard fields.isEmpty || a.children != nil else { throw RowBatchError("batch array has \(fields.count) columns but no children") }
        guard a.length >= 0, a.offset >= 0, a.length <= Int64(Int32.max), a.offset <= Int64(Int32.max) else {
            throw RowBatchError("batch has length \(a.length) and offset \(a.offset)")
        }
        let columns = try fields.enumerated().map { i, field in
            guard let ca = a.children[i] else { throw RowBatchError("column \(i) is missing") }
            return try ColumnView(field: field, array: ca.pointee, rows: Int(a.length), parentOffset: Int(a.offset))
        }
        self.fields = fields
        self.columns = columns
        self.count = Int(a.length)
    }

    /// The columns a struct batch schema declares (for a writer told its columns before any batch).
    public static func fields(of schema: UnsafePointer<ArrowSchema>) throws -> [Field] {
        let s = schema.pointee
        guard let format = s.format, String(cString: format) == "+s" else {
            throw RowBatchError("batch schema must be a struct (\"+s\")")
        }
        return try (0..<Int(s.n_children)).map { i in
            guard let c = s.children[i] else { throw RowBatchError("column \(i) is missing") }
            return try field(c.pointee)
        }
    }

    private static func field(_ s: ArrowSchema) throws -> Field {
        let name = s.name.map { String(cString: $0) } ?? ""
        let format = s.format.map { String(cString: $0) } ?? ""
        switch format {
        case "b": return Field(name, .bool)
        case "l": return Field(name, .int64)
        case "g": return Field(name, .float64)
        case "u": return Field(name, isJSONExtension(s.metadata) ? .json : .utf8)
        default: throw RowBatchError("column '\(name)' has Arrow format '\(format)', not one of b, l, g, u")
        }
    }

    /// Whether Arrow metadata names the `arrow.json` extension type.
    private static func isJSONExtension(_ metadata: UnsafePointer<CChar>?) -> Bool {
        guard let metadata else { return false }
        let raw = UnsafeRawPointer(metadata)
        let pairs = Int(raw.loadUnaligned(as: Int32.self))
        var at = 4
        func next() -> String {
            let len = Int(raw.loadUnaligned(fromByteOffset: at, as: Int32.self))
            let s = String(decoding: UnsafeRawBufferPointer(start: raw + at + 4, count: len), as: UTF8.self)
            at += 4 + len
            return s
        }
        for _ in 0..<pairs {
            let key = next(), value = next()
            if key == "ARROW:extension:name" && value == "arrow.json" { return true }
        }
        return false
    }

    public func column(named name: String) -> Int? { fields.firstIndex { $0.name == name } }

    public func isNull(_ column: Int, _ row: Int) -> Bool { columns[column].isNull(row) }

    public func value(_ column: Int, _ row: Int) -> Value { columns[column].value(row) }

    public func string(_ column: Int, _ row: Int) -> String? { columns[column].string(row) }

    public func int(_ column: Int, _ row: Int) -> Int64? { columns[column].int(row) }

    public func double(_ column: Int, _ row: Int) -> Double? { columns[column].double(row) }

    public func bool(_ column: Int, _ row: Int) -> Bool? { columns[column].bool(row) }

    /// Raw UTF-8 bytes of a string/JSON cell, without building a String (for writers).
    public func withUTF8<R>(_ column: Int, _ row: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        try columns[column].withUTF8(row, body)
    }

    /// The same bytes as a pointer, valid while the batch is (no closure: for loops over millions of cells).
    public func utf8(_ column: Int, _ row: Int) -> UnsafeRawBufferPointer? { columns[column].utf8(row) }

    public func row(_ index: Int) -> [Value] { (0..<columns.count).map { columns[$0].value(index) } }
}

private struct ColumnView {
    let type: ColumnType
    let offset: Int
    let validity: UnsafePointer<UInt8>?
    let data: UnsafeRawPointer?
    let offsets: UnsafePointer<Int32>?
    let bytes: UnsafeRawPointer?

    /// `rows` rows of the parent from `parentOffset` on must lie within this column's own length.
    init(field: Field, array a: ArrowArray, rows: Int, parentOffset: Int) throws {
        func refuse(_ why: String) -> RowBatchError { RowBatchError("column '\(field.name)': \(why)") }
        type = field.type
        guard a.offset >= 0, a.length >= 0, a.offset <= Int64(Int32.max), a.length <= Int64(Int32.max) else {
            throw refuse("length \(a.length) and offset \(a.offset)")
        }
        guard Int(a.length) >= parentOffset + rows else {
            throw refuse("\(a.length) values, the batch needs \(parentOffset + rows)")
        }
        offset = Int(a.offset) + parentOffset
        let expected = (field.type == .utf8 || field.type == .json) ? 3 : 2
        guard a.n_buffers == expected else { throw refuse("\(a.n_buffers) buffers, expected \(expected)") }
        guard let buffers = a.buffers else { throw refuse("no buffers") }
        // Arrow lets the validity bitmap be absent only when nothing is null.
        guard a.null_count == 0 || buffers[0] != nil else { throw refuse("null_count \(a.null_count) without a validity bitmap") }
        validity = a.null_count == 0 ? nil : buffers[0]?.assumingMemoryBound(to: UInt8.self)
        let used = offset + rows  // slots read: [offset, used)
        if expected == 3 {
            guard let o = buffers[1]?.assumingMemoryBound(to: Int32.self) else { throw refuse("no offsets buffer") }
            if used > offset {
                guard o[offset] >= 0 else { throw refuse("string offset \(o[offset]) is negative") }
                for i in offset..<used where o[i + 1] < o[i] {
                    throw refuse("string offsets go backwards at value \(i - offset) (\(o[i]) then \(o[i + 1]))")
                }
                guard o[used] == o[offset] || buffers[2] != nil else { throw refuse("no string data buffer") }
            }
            offsets = o
            bytes = buffers[2] ?? UnsafeRawPointer(o)  // never read when every string is empty
            data = nil
        } else {
            guard rows == 0 || buffers[1] != nil else { throw refuse("no data buffer") }
            data = buffers[1]
            offsets = nil
            bytes = nil
        }
    }

    @inline(__always) func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        let i = row + offset
        return validity[i >> 3] & (1 << UInt8(i & 7)) == 0
    }

    func int(_ row: Int) -> Int64? {
        guard !isNull(row) else { return nil }
        switch type {
        case .int64: return data!.load(fromByteOffset: (row + offset) * 8, as: Int64.self)
        case .float64:
            let d = data!.load(fromByteOffset: (row + offset) * 8, as: Double.self)
            return Int64(exactly: d)
        default: return nil
        }
    }

    func double(_ row: Int) -> Double? {
        guard !isNull(row) else { return nil }
        switch type {
        case .float64: return data!.load(fromByteOffset: (row + offset) * 8, as: Double.self)
        case .int64: return Double(data!.load(fromByteOffset: (row + offset) * 8, as: Int64.self))
        default: return nil
        }
    }

    func bool(_ row: Int) -> Bool? {
        guard !isNull(row), type == .bool else { return nil }
        let i = row + offset
        return data!.load(fromByteOffset: i >> 3, as: UInt8.self) & (1 << UInt8(i & 7)) != 0
    }

    func withUTF8<R>(_ row: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard !isNull(row), let offsets, let bytes else { return nil }
        let start = Int(offsets[row + offset]), end = Int(offsets[row + offset + 1])
        return try body(UnsafeRawBufferPointer(start: bytes + start, count: end - start))
    }

    func utf8(_ row: Int) -> UnsafeRawBufferPointer? {
        guard !isNull(row), let offsets, let bytes else { return nil }
        let start = Int(offsets[row + offset]), end = Int(offsets[row + offset + 1])
        return UnsafeRawBufferPointer(start: bytes + start, count: end - start)
    }

    func string(_ row: Int) -> String? {
        switch type {
        case .utf8, .json: return withUTF8(row) { String(decoding: $0, as: UTF8.self) }
        case .int64: return int(row).map { String($0) }
        case .float64: return double(row).map { String($0) }
        case .bool: return bool(row).map { String($0) }
        }
    }

    func value(_ row: Int) -> Value {
        if isNull(row) { return .null }
        switch type {
        case .bool: return .bool(bool(row)!)
        case .int64: return .int(int(row)!)
        case .float64: return .double(double(row)!)
        case .utf8: return .string(string(row)!)
        case .json: return .json(string(row)!)
        }
    }
}
