import PluginAPI
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A malloc'd byte buffer that grows by doubling. Its memory moves into an exported batch, whose
/// Arrow `release` callback frees it — so exporting never copies column data.
struct GrowableBuffer {
    private(set) var pointer: UnsafeMutableRawPointer?
    private(set) var count = 0
    private var capacity = 0

    mutating func reserve(_ extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        var newCapacity = max(64, capacity * 2)
        while newCapacity < needed { newCapacity *= 2 }
        // 64-byte alignment is what Arrow recommends; realloc gives at least 16, which every
        // consumer we have accepts (Arrow requires only 8).
        pointer = realloc(pointer, newCapacity)
        precondition(pointer != nil, "out of memory")
        capacity = newCapacity
    }

    mutating func append<T>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        pointer!.storeBytes(of: value, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        (pointer! + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    /// Gives up ownership of the memory (the caller frees it).
    mutating func take() -> UnsafeMutableRawPointer? {
        let p = pointer
        pointer = nil
        count = 0
        capacity = 0
        return p
    }

    func free() { Glibc.free(pointer) }
}

/// A bit-packed buffer (validity bitmaps, boolean values), least-significant bit first as Arrow wants.
struct BitBuffer {
    var bytes = GrowableBuffer()
    private(set) var bitCount = 0

    mutating func append(_ bit: Bool) {
        if bitCount % 8 == 0 { bytes.append(UInt8(0)) }
        if bit {
            let p = bytes.pointer!.assumingMemoryBound(to: UInt8.self)
            p[bitCount / 8] |= UInt8(1) << UInt8(bitCount % 8)
        }
        bitCount += 1
    }

    mutating func take() -> UnsafeMutableRawPointer? {
        bitCount = 0
        return bytes.take()
    }
}

/// Collects rows column by column and exports them as one Arrow struct array.
///
/// Not thread-safe. After `export` the builder is empty and can be reused for the next batch.
public final class BatchBuilder {
    public let fields: [Field]
    public private(set) var count = 0
    private var columns: [ColumnBuffers]

    public init(fields: [Field]) {
        self.fields = fields
        self.columns = fields.map { ColumnBuffers(type: $0.type) }
    }

    deinit { for c in columns { c.free() } }

    /// Appends one row; `row` has one value per field, of the field's type or null.
    /// A value of another type is an error (nothing is appended then).
    public func append(_ row: [Value]) throws {
        guard row.count == fields.count else {
            throw RowBatchError("row has \(row.count) values, batch has \(fields.count) columns")
        }
        for (i, value) in row.enumerated() where !ColumnBuffers.accepts(fields[i].type, value) {
            throw RowBatchError("column '\(fields[i].name)' is \(fields[i].type), got \(value)")
        }
        for (i, value) in row.enumerated() { columns[i].append(value) }
        count += 1
    }

    /// Appends one value to one column; call it for every column, in any order, then `endRow()`.
    /// Faster than `append(_:)` for producers that already know the types are right.
    public func set(_ column: Int, _ value: Value) {
        precondition(ColumnBuffers.accepts(fields[column].type, value), "type mismatch in column \(fields[column].name)")
        columns[column].append(value)
    }

    /// Appends a text cell's UTF-8 bytes without building a String (stores copying from a driver's
    /// buffer). The column must be utf8 or json, and the bytes valid UTF-8.
    public func setUTF8(_ column: Int, _ bytes: UnsafeRawBufferPointer) {
        precondition(fields[column].type == .utf8 || fields[column].type == .json, "setUTF8 on a \(fields[column].type) column")
        columns[column].appendUTF8(bytes)
    }

    public func endRow() { count += 1 }

    /// The rows exported for `body` (a call that borrows them) and released after it, whatever `body` did.
    public func withExported<T>(_ body: (UnsafeMutablePointer<ArrowSchema>, UnsafeMutablePointer<ArrowArray>) throws -> T) rethrows -> T {
        var schema = ArrowSchema(), array = ArrowArray()
        export(schema: &schema, array: &array)
        defer {
            schema.release?(&schema)
            array.release?(&array)
        }
        return try body(&schema, &array)
    }

    /// Moves the rows into `schema`/`array` (Arrow C Data Interface; the receiver calls `release`).
    public func export(schema: UnsafeMutablePointer<ArrowSchema>, array: UnsafeMutablePointer<ArrowArray>) {
        exportSchema(fields: fields, into: schema)
        let owner = ExportedArray()
        let n = fields.count
        let children = UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>.allocate(capacity: n)
        owner.childPointers = children
        for i in 0..<n {
            let child = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            columns[i].export(length: count, into: child, owner: owner)
            children[i] = child
            owner.children.append(child)
        }
        let topBuffers = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: 1)
        topBuffers[0] = nil
        owner.buffers.append(UnsafeMutableRawPointer(topBuffers))
        array.pointee = ArrowArray(
            length: Int64(count), null_count: 0, offset: 0, n_buffers: 1, n_children: Int64(n),
            buffers: UnsafeMutablePointer(mutating: UnsafeRawPointer(topBuffers).assumingMemoryBound(to: UnsafeRawPointer?.self)),
            children: children, dictionary: nil,
            release: releaseTopArray,
            private_data: Unmanaged.passRetained(owner).toOpaque())
        count = 0
    }
}

/// The Swift-side buffers of one column.
private struct ColumnBuffers {
    let type: ColumnType
    var validity = BitBuffer()
    var nullCount = 0
    var values = GrowableBuffer()  // int64 / float64 data, or UTF-8 bytes
    var bits = BitBuffer()  // bool data
    var offsets = GrowableBuffer()  // utf8 offsets (int32)

    init(type: ColumnType) {
        self.type = type
        if type == .utf8 || type == .json { offsets.append(Int32(0)) }
    }

    static func accepts(_ type: ColumnType, _ value: Value) -> Bool {
        switch (type, value) {
        case (_, .null), (.bool, .bool), (.int64, .int), (.float64, .double), (.float64, .int),
            (.utf8, .string), (.json, .json), (.json, .string):
            return true
        default:
            return false
        }
    }

    mutating func append(_ value: Value) {
        validity.append(!value.isNull)
        if value.isNull { nullCount += 1 }
        switch (type, value) {
        case (.bool, .bool(let b)): bits.append(b)
        case (.bool, _): bits.append(false)
        case (.int64, .int(let i)): values.append(i)
        case (.int64, _): values.append(Int64(0))
        case (.float64, .double(let d)): values.append(d)
        case (.float64, .int(let i)): values.append(Double(i))
        case (.float64, _): values.append(Double(0))
        case (.utf8, .string(var s)), (.json, .string(var s)), (.json, .json(var s)):
            s.withUTF8 { values.append(bytes: UnsafeRawBufferPointer($0)) }
            offsets.append(Int32(truncatingIfNeeded: values.count))
        case (.utf8, _), (.json, _):
            offsets.append(Int32(truncatingIfNeeded: values.count))
        }
    }

    mutating func appendUTF8(_ bytes: UnsafeRawBufferPointer) {
        validity.append(true)
        values.append(bytes: bytes)
        offsets.append(Int32(truncatingIfNeeded: values.count))
    }

    mutating func export(length: Int, into child: UnsafeMutablePointer<ArrowArray>, owner: ExportedArray) {
        let isString = type == .utf8 || type == .json
        let nBuffers = isString ? 3 : 2
        let buffers = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: nBuffers)
        owner.buffers.append(UnsafeMutableRawPointer(buffers))
        let validityBits = validity.take()
        owner.buffers.append(validityBits)
        buffers[0] = nullCount == 0 ? nil : UnsafeRawPointer(validityBits)
        switch type {
        case .bool:
            let b = bits.take()
            owner.buffers.append(b)
            buffers[1] = UnsafeRawPointer(b)
        case .int64, .float64:
            let v = values.take()
            owner.buffers.append(v)
            buffers[1] = UnsafeRawPointer(v)
        case .utf8, .json:
            let o = offsets.take()
            var v = values.take()
            if v == nil { v = malloc(1) }  // Arrow wants a non-null data buffer even when empty
            owner.buffers.append(o)
            owner.buffers.append(v)
            buffers[1] = UnsafeRawPointer(o)
            buffers[2] = UnsafeRawPointer(v)
            offsets.append(Int32(0))
        }
        child.pointee = ArrowArray(
            length: Int64(length), null_count: Int64(nullCount), offset: 0, n_buffers: Int64(nBuffers),
            n_children: 0, buffers: buffers, children: nil, dictionary: nil,
            release: releaseChildArray, private_data: nil)
        nullCount = 0
    }

    func free() {
        validity.bytes.free()
        values.free()
        bits.bytes.free()
        offsets.free()
    }
}

/// Owns every allocation of one exported batch; freed by the top-level release callback.
private final class ExportedArray {
    var buffers: [UnsafeMutableRawPointer?] = []
    var children: [UnsafeMutablePointer<ArrowArray>] = []
    var childPointers: UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>?

    deinit {
        for b in buffers { free(b) }
        for c in children { c.deallocate() }
        childPointers?.deallocate()
    }
}

// Children's memory belongs to the parent; their release only marks them released (Arrow spec).
private func releaseChildArray(_ array: UnsafeMutablePointer<ArrowArray>?) {
    array?.pointee.release = nil
}

private func releaseTopArray(_ array: UnsafeMutablePointer<ArrowArray>?) {
    guard let array, let data = array.pointee.private_data else { return }
    for i in 0..<Int(array.pointee.n_children) {
        if let child = array.pointee.children[i], let release = child.pointee.release { release(child) }
    }
    Unmanaged<ExportedArray>.fromOpaque(data).release()
    array.pointee.release = nil
}

// MARK: - Schema export

private final class ExportedSchema {
    var strings: [UnsafeMutablePointer<CChar>] = []
    var children: [UnsafeMutablePointer<ArrowSchema>] = []
    var childPointers: UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>?
    var metadata: [UnsafeMutableRawPointer] = []

    func cString(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        strings.append(p)
        return UnsafePointer(p)
    }

    deinit {
        for s in strings { free(s) }
        for m in metadata { free(m) }
        for c in children { c.deallocate() }
        childPointers?.deallocate()
    }
}

/// Arrow field metadata marking a UTF-8 column as the canonical `arrow.json` extension type.
private func jsonExtensionMetadata(_ owner: ExportedSchema) -> UnsafePointer<CChar> {
    var buffer = GrowableBuffer()
    buffer.append(Int32(1))
    for s in ["ARROW:extension:name", "arrow.json"] {
        var s = s
        buffer.append(Int32(s.utf8.count))
        s.withUTF8 { buffer.append(bytes: UnsafeRawBufferPointer($0)) }
    }
    let p = buffer.take()!
    owner.metadata.append(p)
    return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
}

/// Writes the struct schema of `fields` into `schema` (receiver calls `release`).
public func exportSchema(fields: [Field], into schema: UnsafeMutablePointer<ArrowSchema>) {
    let owner = ExportedSchema()
    let n = fields.count
    let children = UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>.allocate(capacity: n)
    owner.childPointers = children
    for (i, field) in fields.enumerated() {
        let child = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        child.pointee = ArrowSchema(
            format: owner.cString(field.type.arrowFormat), name: owner.cString(field.name),
            metadata: field.type == .json ? jsonExtensionMetadata(owner) : nil,
            flags: Int64(ARROW_FLAG_NULLABLE), n_children: 0, children: nil, dictionary: nil,
            release: { $0?.pointee.release = nil }, private_data: nil)
        children[i] = child
        owner.children.append(child)
    }
    schema.pointee = ArrowSchema(
        format: owner.cString("+s"), name: owner.cString(""), metadata: nil, flags: 0,
        n_children: Int64(n), children: children, dictionary: nil,
        release: releaseTopSchema, private_data: Unmanaged.passRetained(owner).toOpaque())
}

private func releaseTopSchema(_ schema: UnsafeMutablePointer<ArrowSchema>?) {
    guard let schema, let data = schema.pointee.private_data else { return }
    for i in 0..<Int(schema.pointee.n_children) {
        if let child = schema.pointee.children[i], let release = child.pointee.release { release(child) }
    }
    Unmanaged<ExportedSchema>.fromOpaque(data).release()
    schema.pointee.release = nil
}
