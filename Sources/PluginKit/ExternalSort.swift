import Foundation

/// Rows of text sorted by a key, however many: rows gather in memory up to `runRows`, each full run
/// is sorted and written to an anonymous temporary file, and the runs are merged at the end. Memory
/// holds one run plus one row per run file. Equal keys keep the order the rows came in.
public final class ExternalSort {
    private let runRows: Int
    private var pending: [(key: [String], row: [String])] = []
    private var runs: [UnsafeMutablePointer<FILE>] = []
    public private(set) var count = 0

    public init(runRows: Int = 50_000) {
        precondition(runRows > 0)
        self.runRows = runRows
    }

    deinit { for f in runs { fclose(f) } }

    public func append(key: [String], row: [String]) throws {
        pending.append((key, row))
        count += 1
        if pending.count >= runRows { try spill() }
    }

    /// Every row in key order; once only.
    public func forEachSorted(_ body: ([String]) throws -> Void) throws {
        let last = Self.sorted(pending)
        pending = []
        if runs.isEmpty {
            for r in last { try body(r.row) }
            return
        }
        var sources = try runSources()
        sources.append(try RunSource(rows: last))
        try Self.merge(&sources) { try body($0.row) }
    }

    /// At most this many run files are open: more are first merged into one.
    static let maxRuns = 64

    private func spill() throws {
        let run = try RunWriter()
        for r in Self.sorted(pending) { try run.write(r) }
        try run.finish()
        pending.removeAll(keepingCapacity: true)
        runs.append(run.file)
        if runs.count >= Self.maxRuns {
            let merged = try RunWriter()
            var sources = try runSources()
            try Self.merge(&sources) { try merged.write($0) }
            try merged.finish()
            for f in runs { fclose(f) }
            runs = [merged.file]
        }
    }

    private func runSources() throws -> [RunSource] {
        try runs.map { f in
            rewind(f)
            return try RunSource(file: f)
        }
    }

    /// The smallest head wins; on equal keys the earlier source (rows that came first).
    private static func merge(_ sources: inout [RunSource], _ body: ((key: [String], row: [String])) throws -> Void) throws {
        while true {
            var best: Int? = nil
            for i in sources.indices where sources[i].head != nil {
                if let b = best, !less(sources[i].head!.key, sources[b].head!.key) { continue }
                best = i
            }
            guard let b = best else { return }
            try body(sources[b].head!)
            try sources[b].advance()
        }
    }

    /// One sorted run written to an anonymous temporary file: per row the key and cell counts, then
    /// each string's length and bytes.
    private final class RunWriter {
        let file: UnsafeMutablePointer<FILE>
        private var buffer: [UInt8] = []

        init() throws {
            guard let f = tmpfile() else { throw JobError(.io, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
            file = f
            buffer.reserveCapacity(1 << 20)
        }

        func write(_ r: (key: [String], row: [String])) throws {
            put(r.key.count)
            put(r.row.count)
            for var s in r.key + r.row {
                s.withUTF8 {
                    put($0.count)
                    buffer.append(contentsOf: $0)
                }
            }
            if buffer.count >= 1 << 20 { try flush() }
        }

        func finish() throws {
            try flush()
            guard fflush(file) == 0 else { throw JobError(.io, "cannot write a temporary file: \(String(cString: strerror(errno)))") }
        }

        private func put(_ n: Int) { withUnsafeBytes(of: UInt32(n).littleEndian) { buffer.append(contentsOf: $0) } }

        private func flush() throws {
            let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard written == buffer.count else { throw JobError(.io, "cannot write a temporary file: \(String(cString: strerror(errno)))") }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// A stable sort: equal keys stay in arrival order.
    private static func sorted(_ rows: [(key: [String], row: [String])]) -> [(key: [String], row: [String])] {
        rows.indices.sorted { a, b in less(rows[a].key, rows[b].key) || (!less(rows[b].key, rows[a].key) && a < b) }.map { rows[$0] }
    }

    static func less(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x < y }
        return a.count < b.count
    }

    /// The head of one sorted run: a temporary file read a record at a time, or the rows still in memory.
    private struct RunSource {
        var file: UnsafeMutablePointer<FILE>?
        var rows: [(key: [String], row: [String])] = []
        var next = 0
        var head: (key: [String], row: [String])?

        init(file: UnsafeMutablePointer<FILE>) throws {
            self.file = file
            try advance()
        }

        init(rows: [(key: [String], row: [String])]) throws {
            self.rows = rows
            try advance()
        }

        mutating func advance() throws {
            guard let file else {
                head = next < rows.count ? rows[next] : nil
                next += 1
                return
            }
            var header: (UInt32, UInt32) = (0, 0)
            guard fread(&header, 8, 1, file) == 1 else {
                head = nil
                return
            }
            func string() throws -> String {
                var n: UInt32 = 0
                guard fread(&n, 4, 1, file) == 1 else { throw JobError(.io, "temporary sort file truncated") }
                let length = Int(UInt32(littleEndian: n))
                return try String(unsafeUninitializedCapacity: length) { out in
                    guard length == 0 || fread(out.baseAddress, 1, length, file) == length else {
                        throw JobError(.io, "temporary sort file truncated")
                    }
                    return length
                }
            }
            let keys = Int(UInt32(littleEndian: header.0)), cells = Int(UInt32(littleEndian: header.1))
            head = (try (0..<keys).map { _ in try string() }, try (0..<cells).map { _ in try string() })
        }
    }
}
