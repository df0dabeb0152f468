import PluginKit

/// Anonymous users of the cache (lern-jobs-spec §13 flow B): hashes whose `usersignintype` is
/// `Anonymous` or missing. They are not in the user table, so a rebuild must carry them over.
enum AnonymousUsers {
    static let fields = ["usersignintype", "userlogintype"]

    static func isAnonymous(_ signIn: String?) -> Bool { signIn == nil || signIn == "Anonymous" }

    /// Flow B: the anonymous users of database `input` merged into the run's cache, their
    /// usersignintype and userlogintype (as upstream); returns how many were written.
    static func copy(_ job: JobContext, from input: Int, window: Int) throws -> Int {
        let writer = try job.openCacheWriter(refresh: false, columns: [Field("key", .utf8)] + fields.map { Field($0, .utf8) }, window: window)
        var n = 0
        try job.cacheScan(db: input, pattern: "user:*", fields: fields) { row in
            guard isAnonymous(row.string("usersignintype")), row.string("usersignintype") != nil || row.string("userlogintype") != nil,
                let key = row.string("key")
            else { return }
            try writer.append([.string(key), Value(row.string("usersignintype")), Value(row.string("userlogintype"))])
            n += 1
        }
        try writer.commit()
        return n
    }

    /// During a refresh, before the users are indexed (so the table's fields win): the live cache's
    /// anonymous users carried into the refresh. A hash marked `Anonymous` is kept whole; one without
    /// a usersignintype keeps its userlogintype only, as upstream's restore did (it may be a table
    /// user's stale hash, which must not shadow the fresh one). Returns how many were written.
    static func keep(_ job: JobContext, into writer: UserCacheWriter) throws -> Int {
        var n = 0
        var whole: [String] = []  // Anonymous keys whose whole hash is fetched, a window at a time
        func carryWhole() throws {
            guard !whole.isEmpty else { return }
            var hashes: [(key: String, fields: [(String, String)])] = []
            try job.redisRead(keys: whole) { row in
                guard let key = row.string("key"), let text = row.string("fields"), let hash = try? JSONParser.parse(text) else { return }
                hashes.append((key, (hash.objectPairs ?? []).compactMap { f, v in v.string.map { (f, $0) } }))
            }
            try writer.appendHashes(hashes)
            n += hashes.count
            whole.removeAll(keepingCapacity: true)
        }
        var loginOnly: [(key: String, fields: [(String, String)])] = []
        // Only the two fields of every hash are read; whole hashes only for the Anonymous ones.
        try job.cacheScan(pattern: "user:*", fields: fields) { row in
            guard let key = row.string("key") else { return }
            switch row.string("usersignintype") {
            case "Anonymous"?: whole.append(key)
            case nil: if let login = row.string("userlogintype") { loginOnly.append((key, [("userlogintype", login)])) }
            default: return
            }
            if whole.count >= 1000 { try carryWhole() }
            if loginOnly.count >= 1000 {
                try writer.appendHashes(loginOnly)
                n += loginOnly.count
                loginOnly.removeAll(keepingCapacity: true)
            }
        }
        try carryWhole()
        try writer.appendHashes(loginOnly)
        return n + loginOnly.count
    }
}
