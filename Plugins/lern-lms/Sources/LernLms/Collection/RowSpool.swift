import Foundation
import PluginKit

/// Report rows parked in an anonymous temporary file until the report's header is known (the V1
/// progress score columns are the contents someone attempted, known only after the last learner).
/// Memory stays one buffer; the file vanishes when closed or when the process dies.
final class RowSpool {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private(set) var rows = 0

    init() throws {
        guard let f = tmpfile() else { throw JobError(.io, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        file = f
        buffer.reserveCapacity(1 << 20)
    }

    deinit { fclose(file) }

    /// Cells are strings, integers or null: all a CSV row holds.
    func append(_ row: [Value]) throws {
        append32(UInt32(row.count))
        for v in row {
            switch v {
            case .string(let s):
                var s = s
                buffer.append(1)
                s.withUTF8 {
                    append32(UInt32($0.count)); buffer.append(contentsOf: $0)
                }
            case .int(let i):
                buffer.append(2)
                withUnsafeBytes(of: i.littleEndian) { buffer.append(contentsOf: $0) }
            default:
                buffer.append(0)  // null (the progress report has no other kinds)
            }
        }
        rows += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes the rows to `out` in order, straight from the file's bytes: cell i goes to column
    /// `columnOf[i]`, or nowhere when that is nil. An integer cell of a column in `texts` is written as
    /// the text at that index (a value known only after the last row, like a title looked up late).
    func replay(into out: ReportWriter, columnOf: [Int?], texts: [Int: [[UInt8]]] = [:]) throws {
        try flush()
        rewind(file)
        let capacity = 1 << 20
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { data.deallocate() }
        var at = 0, end = 0
        /// Makes `n` bytes readable at `at` (a cell never exceeds the buffer: rows are report cells).
        func need(_ n: Int) throws {
            guard end - at < n else { return }
            guard n <= capacity else { throw JobError(.io, "a spooled cell of \(n) bytes exceeds the buffer") }
            if at > 0 {
                if end > at {
                    UnsafeMutableRawBufferPointer(rebasing: data[0..<(end - at)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: data[at..<end]))
                }
                end -= at
                at = 0
            }
            while end < n {
                let got = fread(data.baseAddress! + end, 1, capacity - end, file)
                guard got > 0 else { throw JobError(.io, "temporary row file truncated") }
                end += got
            }
        }
        func u32() throws -> Int {
            try need(4)
            defer { at += 4 }
            return Int(data.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
        }
        for _ in 0..<rows {
            let n = try u32()
            for i in 0..<n {
                try need(1)
                let tag = data[at]
                at += 1
                let column = i < columnOf.count ? columnOf[i] : nil
                switch tag {
                case 1:
                    let len = try u32()
                    try need(len)
                    if let column { out.setUTF8(column, UnsafeRawBufferPointer(rebasing: data[at..<(at + len)])) }
                    at += len
                case 2:
                    try need(8)
                    let value = Int64(littleEndian: data.loadUnaligned(fromByteOffset: at, as: Int64.self))
                    if let column, !texts.isEmpty, let text = texts[column] {
                        text[Int(value)].withUnsafeBytes { out.setUTF8(column, $0) }
                    } else if let column {
                        out.setInt(column, value)
                    }
                    at += 8
                default:
                    if let column { out.setNull(column) }
                }
            }
            try out.endRow()
        }
    }

    private func append32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == buffer.count else { throw JobError(.io, "cannot write a temporary file: \(String(cString: strerror(errno)))") }
        buffer.removeAll(keepingCapacity: true)
    }
}
