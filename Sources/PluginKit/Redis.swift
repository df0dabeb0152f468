import PluginAPI

extension JobContext {
    /// Reads hashes from the host's Redis (the user cache), pipelined: `fields` of each key (HMGET),
    /// or the whole hash (HGETALL) when `fields` is empty — then the row's "fields" column is a JSON
    /// object. Rows arrive in the order of `keys`; columns: "key", then the fields (or "fields").
    public func redisRead(keys: [String], fields: [String] = [], _ body: (Row) throws -> Void) throws {
        try requireHost(\.redis_read, minor: 2, for: "Redis")
        let call = host.pointee.redis_read!
        let strings = StringArena()
        var k = keys.map { strings.dp($0) }
        var f = fields.map { strings.dp($0) }
        let names = RowColumns(["key"] + (fields.isEmpty ? ["fields"] : fields), source: "redis_read")
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink(names: names, body: body)
            let status = k.withUnsafeMutableBufferPointer { kb in
                f.withUnsafeMutableBufferPointer { fb in
                    call(
                        run, kb.baseAddress, kb.count, fb.baseAddress, fb.count, scanCallback,
                        Unmanaged.passUnretained(sink).toOpaque())
                }
            }
            if let error = sink.error { throw error }
            try check(status)
        }
    }

    /// Writes hashes: one HSET per row; column "key" names the hash, other non-null columns are fields.
    public func redisWrite(columns: [Field], rows: [[Value]]) throws {
        try requireHost(\.redis_write, minor: 2, for: "Redis")
        let call = host.pointee.redis_write!
        try withBatch(columns, rows) { schema, array in try check(call(run, schema, array)) }
    }
}

extension JobContext {
    /// Members of a set in the host's course cache (ABI 1.4), e.g. a course's optional nodes; nil when
    /// the host has no course cache configured (or is older than 1.4).
    public func courseCacheMembers(_ key: String) throws -> [String]? {
        guard (try? requireHost(\.course_cache_members, minor: 4, for: "the course cache")) != nil else { return nil }
        var members: [String] = []
        let sink = ScanSink(names: RowColumns(["member"], source: "course_cache_members")) { row in
            if let m = row.string("member") { members.append(m) }
        }
        let status = withDPStr(key) { host.pointee.course_cache_members!(run, $0, scanCallback, Unmanaged.passUnretained(sink).toOpaque()) }
        if let error = sink.error { throw error }
        if status == DP_ERROR_UNSUPPORTED { return nil }
        try check(status)
        return members
    }
}
