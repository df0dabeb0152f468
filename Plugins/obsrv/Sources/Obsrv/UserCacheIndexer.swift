import PluginKit

/// `user-cache-indexer` (lern-jobs-spec §13 UserCacheIndexerJob, framework-spec B9 Obsrv's
/// UserCacheIndexer): rebuilds the `user:<userid>` hashes every report and exhaust reads from the
/// user, org and location tables, or copies anonymous users from the input database.
///
/// Both upstream modes in one job: Lern's (modelParams) and Obsrv's positional arguments (`arguments`:
/// specificUserId, fromSpecificDate, populateAnonymousData, refreshUserData; `null` = not given).
///
/// Decisions:
/// - A refresh never leaves readers with an empty or partial cache: it is built into a staging
///   database (the host's refresh writer; SWAPDB on Redis, a table rename on the embedded cache)
///   with the anonymous users copied over from the live cache, then switched in at once — instead
///   of upstream's drop-all, rebuild, restore from a CSV backup (no backup file is needed: a failed
///   run leaves the live cache untouched). Users marked Anonymous keep their whole hash (upstream
///   restored only usersignintype and userlogintype); hashes without a usersignintype keep only
///   their userlogintype, as upstream.
/// - QUIRK (§13): an empty `fromSpecificDate` means "no date filter" (every user), as Obsrv's `null`;
///   upstream's comparison with "" was null, so only users never updated were indexed.
/// - Lern mode ignores `specificUserId`, as upstream (the deployed config passes a bucket name there);
///   Obsrv mode honours it: only that user, merged, its old hash deleted first.
/// - The three upstream stages are one pass in user order (user ⋈ user_organisation), one HSET per
///   user holding all the fields; a field with no value is not written.
struct UserCacheIndexer: Job {
    static let id = "user-cache-indexer"
    static let title = "User cache indexer: user:<id> hashes from the user, org and location tables, merged or refreshed"
    static let legacyNames = ["org.sunbird.userorg.job.report.UserCacheIndexerJob", "org.sunbird.analytics.jobs.UserCacheIndexer"]

    static let fromDate = Param<String>("fromSpecificDate", default: "", doc: "index users updated on or after this day (yyyy-MM-dd); empty: all")
    static let anonymous = Param<String>(
        "populateAnonymousData", default: "false", doc: "true: copy anonymous users from redis.user.input.index instead of indexing")
    static let refresh = Param<String>("refreshUserData", default: "false", doc: "true: rebuild the cache whole (switched in at once)")
    static let specificUser = Param<String?>("specificUserId", doc: "ignored in Lern mode, as upstream; see arguments")
    static let arguments = Param<[String]?>(
        "arguments", doc: "Obsrv's positional arguments: specificUserId fromSpecificDate populateAnonymousData refreshUserData (null = not given)")
    static let inputDb = Param<Int>("redis.user.input.index", default: 4, in: 0...65535, doc: "database the anonymous users are copied from")
    static let keyspace = Param<String>("sunbirdKeyspace", default: "sunbird", doc: "keyspace of user, user_organisation, organisation, location")
    static let window = Param<Int>("redis.max.pipeline.size", default: 10_000, in: 1...1_000_000, doc: "hashes buffered per write to the cache")
    static let parameters: [any ParameterDeclaring] = [fromDate, anonymous, refresh, specificUser, arguments, inputDb, keyspace, window]

    /// What to do, from either mode.
    struct Options: Equatable {
        var userId: String?
        var fromDate: String?
        var populateAnonymous = false
        var refresh = false
    }

    static func options(_ p: ResolvedParameters) throws -> Options {
        if let args = p[arguments] {
            guard args.count == 4 else {
                throw JobError(
                    .invalidArgument,
                    "arguments: expected 4 (specificUserId fromSpecificDate populateAnonymousData refreshUserData), got \(args.count)")
            }
            func given(_ s: String) -> String? { s.lowercased() == "null" || s.isEmpty ? nil : s }
            // Obsrv: a refresh of one user is a merge, its old hash deleted first.
            return Options(
                userId: given(args[0]), fromDate: given(args[1]), populateAnonymous: args[2] == "true", refresh: args[3] == "true")
        }
        let date = p[fromDate]
        return Options(userId: nil, fromDate: date.isEmpty ? nil : date, populateAnonymous: p[anonymous] == "true", refresh: p[refresh] == "true")
    }

    func run(_ job: JobContext) throws {
        let o = try Self.options(job.params)
        if let d = o.fromDate, !Self.isDay(d) {
            throw JobError(.invalidArgument, "fromSpecificDate must be a day yyyy-MM-dd, got \"\(d)\"")
        }
        if o.populateAnonymous {
            let n = try AnonymousUsers.copy(job, from: job.params[Self.inputDb], window: job.params[Self.window])
            job.count("outputEvents", Int64(n))
            job.log("user cache: \(n) anonymous users copied from database \(job.params[Self.inputDb])")
            return
        }
        let wholeRefresh = o.refresh && o.userId == nil
        let writer = try job.openCacheWriter(refresh: wholeRefresh, columns: UserHash.columns, window: job.params[Self.window])
        if let user = o.userId, o.refresh { try writer.delete(["user:" + user]) }
        let kept = wholeRefresh ? try AnonymousUsers.keep(job, into: writer) : 0
        let (read, written) = try UserHashes(job, keyspace: job.params[Self.keyspace]).write(to: writer, only: o.userId, from: o.fromDate)
        let hashes = try writer.commit()
        job.count("inputEvents", read)
        job.count("outputEvents", Int64(written + kept))
        job.log(
            "user cache \(wholeRefresh ? "refreshed" : "merged"): \(written) users indexed of \(read) read, \(kept) anonymous kept, \(hashes) hashes written"
        )
    }

    static func isDay(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 10 && b[4] == 0x2D && b[7] == 0x2D
            && b.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) }
    }
}
