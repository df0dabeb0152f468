import PluginKit

/// `admin-user-reports` (upstream StateAdminReportJob, lern-jobs-spec §12): per tenant channel, the
/// users who self-declared details to an organisation and gave it active consent, with their profile
/// location, types and root org, as `declared_user_detail/<channel>.csv`, then secured as the
/// tenant's data-security policy says (the host's report_secure: a zip beside it for PLAIN_DATASET).
///
/// Streams: declarations, consents and users are read ordered by user id and merge-joined, so only one
/// user's rows are held at a time; locations and organisations (far fewer than users) are kept in
/// memory, as the geo report does.
///
/// Decisions: the decrypted declared email/phone is one value per user, that of the user's last
/// declaration in (orgid, persona) order (upstream: "the last one wins", in Spark's order), and every
/// declaration row of the user carries it, as upstream; a channel whose declared orgs name several
/// root orgs is secured once, with the smallest root org id (upstream builds a map, so one of them
/// wins), and a WARN names the others.
struct StateAdminUserReport: Job {
    static let id = "admin-user-reports"
    static let title = "State admin user report: self-declared user details per tenant channel, secured per tenant policy"
    static let legacyNames = [
        "org.sunbird.userorg.job.report.StateAdminReportJob",
        "org.ekstep.analytics.job.report.StateAdminReportJob",  // the model name in deployed configs
    ]
    static let keyspace = Param<String>(
        "sunbirdKeyspace", default: "sunbird",
        doc: "keyspace of user_declarations, user_consent, user, organisation and location (upstream course.metrics.cassandra.sunbirdKeyspace)")
    static let parameters: [any ParameterDeclaring] = [keyspace]

    static let reportId = "declared_user_detail"
    static let header = [
        "Name", "Diksha UUID", "State", "District", "Block", "Cluster", "School Name", "School UDISE ID",
        "State provided ext. ID", "Profile Email", "Profile Phone number", "Org Phone", "Org Email ID", "User Type",
        "User-Sub Type", "Root Org of user",
    ]

    struct Org {
        var channel: String
        var name: String?
        var rootOrgId: String?
    }

    func run(_ job: JobContext) throws {
        let keyspace = job.params[Self.keyspace]
        let locations = try SunbirdProfiles.locations(job, keyspace: keyspace)
        let orgs = try Self.organisations(job, keyspace: keyspace)
        let report = try job.openReport(
            Self.reportId, format: .csv, columns: (Self.header + ["provider"]).map { Field($0, .utf8) }, partitionBy: ["provider"])
        let declarations = PeekableRows(
            try job.openScan(
                "\(keyspace).user_declarations",
                columns: [Field("userid", .utf8), Field("orgid", .utf8), Field("userinfo", .json), Field("persona", .utf8)],
                orderBy: ["userid", "orgid", "persona"]))
        let consents = PeekableRows(
            try job.openScan(
                "\(keyspace).user_consent", columns: [Field("user_id", .utf8), Field("consumer_id", .utf8), Field("object_type", .utf8)],
                where: [.eq("status", .string("ACTIVE"))], orderBy: ["user_id"]))
        let users = PeekableRows(
            try job.openScan(
                "\(keyspace).user",
                columns: ["userid", "firstname", "lastname", "email", "phone", "rootorgid", "profilelocation", "profileusertypes"].map {
                    Field($0, .utf8)
                },
                orderBy: ["userid"]))
        defer { [declarations, consents, users].forEach { $0.close() } }

        var rootOrgs: [String: Set<String>] = [:]  // channel → root org ids of its declared orgs
        var read: Int64 = 0, written: Int64 = 0
        while let declared = try Self.nextUser(declarations, read: &read) {
            let active = try Self.activeConsents(consents, user: declared.userId)
            let kept = declared.rows.filter { active.contains($0.orgId) }
            guard !kept.isEmpty else { continue }
            let profile = try Self.profile(users, user: declared.userId, locations: locations, orgs: orgs, job: job)
            // One decrypted declared email and phone per user: the last declaration's.
            let info = kept.last!.info
            let orgEmail = try job.decryptPII(info["declared-email"]?.string ?? "")
            let orgPhone = try job.decryptPII(info["declared-phone"]?.string ?? "")
            for d in kept {
                guard let org = orgs[d.orgId] else { continue }  // no channel: upstream drops the null provider
                if let root = org.rootOrgId { rootOrgs[org.channel, default: []].insert(root) }
                try report.append(
                    [
                        profile.map { Value($0.name) } ?? .null, .string(declared.userId),
                    ] + (profile?.places ?? ["", "", "", ""]).map { Value.string($0) } + [
                        Value(d.info["declared-school-name"]?.string), Value(d.info["declared-school-udise-code"]?.string),
                        Value(d.info["declared-ext-id"]?.string), Value(profile?.email), Value(profile?.phone),
                        .string(orgPhone), .string(orgEmail), Value(profile?.userType), Value(profile?.userSubType),
                        Value(profile?.rootOrgName), .string(org.channel),
                    ])
                written += 1
            }
        }
        try report.close()
        try Self.secure(job, rootOrgs: rootOrgs)
        job.count("inputEvents", read)
        job.count("outputEvents", written)
        job.log("admin user report: \(written) declared users for \(rootOrgs.count) channels")
    }

    /// Each channel's file secured once, as the tenant of its declared orgs' root org asks.
    static func secure(_ job: JobContext, rootOrgs: [String: Set<String>]) throws {
        for channel in rootOrgs.keys.sorted() {
            let roots = rootOrgs[channel]!.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if roots.count > 1 {
                job.log("channel \(channel): declared orgs of several root orgs \(roots); secured as \(roots[0]) says", level: .warn)
            }
            try job.secureReportFile("\(reportId)/\(channel).csv", orgId: roots[0])
        }
    }
}

// MARK: The merge, a user at a time

extension StateAdminUserReport {
    struct Declaration {
        var orgId: String
        var info: JSONValue
    }

    /// The next user's declarations (rows without a user id are skipped: no consent can match them).
    static func nextUser(_ rows: PeekableRows, read: inout Int64) throws -> (userId: String, rows: [Declaration])? {
        while let (b, r) = try rows.peek() {
            guard let user = b.string(0, r) else {
                rows.advance()
                read += 1
                continue
            }
            var out: [Declaration] = []
            try rows.forEach(equalTo: [Array(user.utf8)]) { b, r in
                read += 1
                guard let org = b.string(1, r) else { return }
                out.append(Declaration(orgId: org, info: (try? JSONParser.parse(b.string(2, r) ?? "{}")) ?? .object([])))
            }
            return (user, out)
        }
        return nil
    }

    /// The orgs this user gave an ACTIVE consent of object type organisation (any case).
    static func activeConsents(_ rows: PeekableRows, user: String) throws -> Set<String> {
        var out: Set<String> = []
        try rows.forEach(equalTo: [Array(user.utf8)]) { b, r in
            if b.string(2, r)?.lowercased() == "organisation", let org = b.string(1, r) { out.insert(org) }
        }
        return out
    }
}
