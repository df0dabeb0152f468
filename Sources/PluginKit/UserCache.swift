import PluginAPI

/// The user cache maintained by a job (ABI 1.9): scan a database, merge hashes into it, or refresh it
/// whole — readers see the old cache until `commit` switches the new one in.
extension JobContext {
    /// Hashes of database `db` (nil: the run's user cache) whose key matches `pattern` (a Redis glob),
    /// with `fields` — or, when empty, the whole hash as the json column "fields". Rows have "key" first.
    public func cacheScan(db: Int? = nil, pattern: String, fields: [String] = [], count: Int = 0, _ body: (Row) throws -> Void) throws {
        try requireHost(\.cache_abort, minor: 9, for: "user-cache maintenance")
        let strings = StringArena()
        var f = fields.map { strings.dp($0) }
        let names = RowColumns(["key"] + (fields.isEmpty ? ["fields"] : fields), source: "cache_scan")
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink(names: names, body: body)
            let status = f.withUnsafeMutableBufferPointer { fb in
                host.pointee.cache_scan!(
                    run, Int32(db ?? -1), strings.dp(pattern), fb.baseAddress, fb.count, UInt32(clamping: count), scanCallback,
                    Unmanaged.passUnretained(sink).toOpaque())
            }
            if let error = sink.error { throw error }
            try check(status)
        }
    }

    /// A writer on database `db` (nil: the run's user cache). `refresh`: what is written replaces
    /// the database's whole content at `commit`; otherwise each hash is merged in as it goes.
    public func openCacheWriter(db: Int? = nil, refresh: Bool, columns: [Field], window: Int = 10_000) throws -> UserCacheWriter {
        try requireHost(\.cache_abort, minor: 9, for: "user-cache maintenance")
        var handle: OpaquePointer?
        try check(host.pointee.cache_open!(run, Int32(db ?? -1), refresh ? DP_CACHE_REFRESH : DP_CACHE_MERGE, &handle))
        return UserCacheWriter(context: self, handle: handle!, columns: columns, window: window)
    }
}

/// Hashes buffered `window` rows at a time (column "key" names the hash, other non-null columns are
/// its fields), so memory stays bounded however many are written.
public final class UserCacheWriter {
    private let context: JobContext
    private var host: UnsafePointer<dp_host_api> { context.host }
    private var handle: OpaquePointer?
    private let columns: [Field]
    private let window: Int
    private var builder: BatchBuilder

    init(context: JobContext, handle: OpaquePointer, columns: [Field], window: Int) {
        (self.context, self.handle, self.columns, self.window) = (context, handle, columns, max(window, 1))
        builder = BatchBuilder(fields: columns)
    }

    deinit { abort() }

    public func append(_ row: [Value]) throws {
        do { try builder.append(row) } catch { throw JobError(.data, "\(error)") }
        if builder.count >= window { try flush() }
    }

    /// Whole hashes of any fields (e.g. carried over as they are): one batch whose columns are the
    /// union of their fields, after whatever rows are buffered.
    public func appendHashes(_ hashes: [(key: String, fields: [(String, String)])]) throws {
        try flush()
        guard !hashes.isEmpty else { return }
        var names: [String] = [], seen: Set<String> = []
        for h in hashes { for (f, _) in h.fields where seen.insert(f).inserted { names.append(f) } }
        let batch = BatchBuilder(fields: [Field("key", .utf8)] + names.map { Field($0, .utf8) })
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) })
        for h in hashes {
            var row = [Value](repeating: .null, count: names.count + 1)
            row[0] = .string(h.key)
            for (f, v) in h.fields { row[index[f]!] = .string(v) }
            do { try batch.append(row) } catch { throw JobError(.data, "\(error)") }
        }
        try write(batch)
    }

    public func delete(_ keys: [String]) throws {
        try flush()
        let strings = StringArena()
        var k = keys.map { strings.dp($0) }
        let h = try live()
        try context.check(k.withUnsafeMutableBufferPointer { host.pointee.cache_delete!(h, $0.baseAddress, $0.count) })
    }

    /// Switches a refresh in (a merge is already visible); returns the hashes written.
    @discardableResult
    public func commit() throws -> Int {
        try flush()
        var n: UInt64 = 0
        let h = try live()
        handle = nil
        try context.check(host.pointee.cache_commit!(h, &n))
        return Int(n)
    }

    /// Gives up: a refresh leaves the cache as it was. Idempotent.
    public func abort() {
        guard let h = handle else { return }
        handle = nil
        host.pointee.cache_abort!(h)
    }

    private func flush() throws {
        guard builder.count > 0 else { return }
        let full = builder
        builder = BatchBuilder(fields: columns)
        try write(full)
    }

    private func write(_ batch: BatchBuilder) throws {
        let writer = try live()
        try batch.withExported { try context.check(host.pointee.cache_write!(writer, $0, $1)) }
    }

    private func live() throws -> OpaquePointer {
        guard let handle else { throw JobError(.invalidArgument, "the user-cache writer was already committed or aborted") }
        return handle
    }
}
