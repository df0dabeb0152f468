import Foundation
import PluginAPI
import CLibFuzzer
import RowBatch

/// The batch reader a host reads every plugin batch with, fed Arrow structs built from the fuzz input
/// the way a buggy plugin might build them: wrong formats, child counts, buffer counts, missing
/// buffers, negative or too long lengths and offsets, string offsets that go backwards. Each buffer is
/// exactly as large as its own array claims, so AddressSanitizer catches any read a valid view makes
/// outside what the plugin handed over; the reader must refuse what it cannot read safely. (What no
/// reader can catch is left out: buffers shorter than their array's own length, or of another type
/// than the schema says.)
func fuzzArrow(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = Input(bytes: UnsafeBufferPointer(start: data, count: size))
    let arena = Arena()
    defer { arena.free() }
    let columns = Int(input.byte() % 5)
    let formats = ["b", "l", "g", "u", "+s", "z", ""]
    // A column's buffers follow its schema format: buffers of another type than the schema says
    // cannot be told from right ones (the interface carries no buffer sizes).
    let columnFormats = (0..<columns).map { _ in formats[Int(input.byte()) % formats.count] }
    let schema = arena.schema(
        format: "+s", name: "",
        children: columnFormats.enumerated().map { i, f in
            arena.schema(format: f, name: "c\(i)", children: [])
        })
    let length = input.small(), offset = input.small()
    var children: [UnsafeMutablePointer<ArrowArray>?] = columnFormats.map { f in
        input.byte() % 16 == 0 ? nil : arena.column(format: f, &input)
    }
    if input.byte() % 8 == 0 { children.append(nil) }  // a child count that disagrees with the schema
    let array = arena.array(length: length, nullCount: 0, offset: offset, buffers: [nil], children: children)
    guard let view = try? BatchView(schema: schema, array: array) else { return 0 }
    for row in 0..<view.count {
        for column in 0..<view.fields.count {
            _ = view.value(column, row)
            _ = view.withUTF8(column, row) { $0.count }
        }
    }
    return 0
}

/// Fuzz bytes as small decisions; zeros once they run out.
struct Input {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return at < bytes.count ? bytes[at] : 0
    }
    /// -8 ... 23: mostly small lengths and offsets, sometimes negative.
    mutating func small() -> Int64 { Int64(byte() % 32) - 8 }
}

/// Everything one input allocates, freed together.
final class Arena {
    var blocks: [UnsafeMutableRawPointer] = []

    func raw(_ bytes: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 1))
        blocks.append(p)
        return p
    }

    func cString(_ s: String) -> UnsafePointer<CChar> {
        let utf8 = Array(s.utf8CString)
        let p = raw(utf8.count).bindMemory(to: CChar.self, capacity: utf8.count)
        p.update(from: utf8, count: utf8.count)
        return UnsafePointer(p)
    }

    func pointers<T>(_ items: [UnsafeMutablePointer<T>?]) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?> {
        let p = raw(items.count * MemoryLayout<UnsafeMutablePointer<T>?>.stride).bindMemory(
            to: UnsafeMutablePointer<T>?.self, capacity: max(items.count, 1))
        for (i, item) in items.enumerated() { p[i] = item }
        return p
    }

    func schema(format: String, name: String, children: [UnsafeMutablePointer<ArrowSchema>]) -> UnsafeMutablePointer<ArrowSchema> {
        let s = raw(MemoryLayout<ArrowSchema>.stride).bindMemory(to: ArrowSchema.self, capacity: 1)
        s.pointee = ArrowSchema()
        s.pointee.format = cString(format)
        s.pointee.name = cString(name)
        s.pointee.n_children = Int64(children.count)
        s.pointee.children = pointers(children.map { Optional($0) })
        return s
    }

    func array(
        length: Int64, nullCount: Int64, offset: Int64, buffers: [UnsafeRawPointer?], children: [UnsafeMutablePointer<ArrowArray>?],
        dropBuffers: Bool = false
    ) -> UnsafeMutablePointer<ArrowArray> {
        let a = raw(MemoryLayout<ArrowArray>.stride).bindMemory(to: ArrowArray.self, capacity: 1)
        a.pointee = ArrowArray()
        (a.pointee.length, a.pointee.null_count, a.pointee.offset) = (length, nullCount, offset)
        a.pointee.n_buffers = Int64(buffers.count)
        if !dropBuffers {
            let b = raw(buffers.count * MemoryLayout<UnsafeRawPointer?>.stride).bindMemory(
                to: UnsafeRawPointer?.self, capacity: max(buffers.count, 1))
            for (i, x) in buffers.enumerated() { b[i] = x }
            a.pointee.buffers = b
        }
        a.pointee.n_children = Int64(children.count)
        a.pointee.children = pointers(children)
        return a
    }

    /// One column as its own claims size it: `offset + length` slots (none when that is negative).
    func column(format: String, _ input: inout Input) -> UnsafeMutablePointer<ArrowArray> {
        let length = input.small(), offset = input.small()
        let slots = Int(max(0, offset + length))
        let nullCount = [0, 1, -1][Int(input.byte() % 3)]
        var buffers: [UnsafeRawPointer?] = [UnsafeRawPointer(raw((slots + 7) / 8))]
        for i in 0..<slots / 8 + 1 where i < (slots + 7) / 8 {
            buffers[0].map { UnsafeMutableRawPointer(mutating: $0).storeBytes(of: input.byte(), toByteOffset: i, as: UInt8.self) }
        }
        switch format {
        case "u":
            let offsets = raw((slots + 1) * 4).bindMemory(to: Int32.self, capacity: slots + 1)
            var at: Int32 = 0
            for i in 0...slots {
                offsets[i] = at
                at += Int32(Int8(bitPattern: input.byte())) / 16  // now and then backwards
            }
            let dataBytes = Int((0...slots).map { offsets[$0] }.max() ?? 0)
            buffers += [UnsafeRawPointer(offsets), UnsafeRawPointer(raw(dataBytes))]
        case "b": buffers.append(UnsafeRawPointer(raw((slots + 7) / 8)))
        default: buffers.append(UnsafeRawPointer(raw(slots * 8)))
        }
        switch input.byte() % 16 {
        case 0: buffers.removeLast()  // a buffer short
        case 1: buffers.append(nil)  // a buffer too many
        case 2: buffers[buffers.count - 1] = nil  // a required buffer missing
        default: break
        }
        return array(length: length, nullCount: Int64(nullCount), offset: offset, buffers: buffers, children: [], dropBuffers: input.byte() % 32 == 0)
    }

    func free() { for b in blocks { b.deallocate() } }
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzArrow))
