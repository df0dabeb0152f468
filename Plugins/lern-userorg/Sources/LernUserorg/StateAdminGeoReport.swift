import PluginKit

/// `admin-geo-reports` (upstream StateAdminGeoReportJob, lern-jobs-spec §11): for each tenant slug,
/// its schools with district and block, plus per-slug and per-district summaries for the state-admin
/// portal.
///
/// Decision on the spec's "ties: any order" (QUIRK): within a slug, rows sort by district name, then
/// school id, then block id (byte order), so the report is the same on every run and every store.
struct StateAdminGeoReport: Job {
    static let id = "admin-geo-reports"
    static let title = "State admin geo report: schools per tenant with district and block, and summaries"
    static let legacyNames = [
        "org.sunbird.userorg.job.report.StateAdminGeoReportJob",
        "org.ekstep.analytics.job.report.StateAdminGeoReportJob",  // the model name in deployed configs
    ]
    static let keyspace = Param<String>(
        "sunbirdKeyspace", default: "sunbird",
        doc: "keyspace of organisation and location (upstream course.metrics.cassandra.sunbirdKeyspace)")
    static let parameters: [any ParameterDeclaring] = [keyspace]

    /// One output row: a school with its district and (optional) block.
    struct SchoolRow {
        var slug: String
        var schoolId: String
        var schoolName: String?
        var channel: String?
        var externalId: String?
        var districtId: String
        var districtName: String?
        var blockId: String?
        var blockName: String?
    }

    func run(_ job: JobContext) throws {
        let keyspace = job.params[Self.keyspace]

        // Locations are few (a country's districts and blocks): keep id → (name, type) in memory.
        let locations = try SunbirdProfiles.locations(job, keyspace: keyspace)

        // Organisations stream; only those that end up as district rows are kept (they must be sorted).
        var rows: [SchoolRow] = []
        var scanned: Int64 = 0
        let orgColumns = ["id", "channel", "orgname", "externalid", "orglocation", "slug"].map { Field($0, .utf8) }
        try job.scan("\(keyspace).organisation", columns: orgColumns, where: [.eq("status", .int(1))]) { row in
            scanned += 1
            guard let slug = row.string("slug"), let schoolId = row.string("id") else { return }
            var districts: [(String, String?)] = [], blocks: [(String, String?)] = []
            for id in SunbirdProfiles.locationIds(row.string("orglocation")) {
                guard let loc = locations[id] else { continue }
                if loc.type == "district" { districts.append((id, loc.name)) }
                if loc.type == "block" { blocks.append((id, loc.name)) }
            }
            // Right outer join of blocks onto districts by school: a school without a block keeps nulls.
            for (districtId, districtName) in districts {
                let matches: [(String?, String?)] = blocks.isEmpty ? [(nil, nil)] : blocks.map { ($0.0, $0.1) }
                for (blockId, blockName) in matches {
                    rows.append(
                        SchoolRow(
                            slug: slug, schoolId: schoolId, schoolName: row.string("orgname"),
                            channel: row.string("channel"), externalId: row.string("externalid"),
                            districtId: districtId, districtName: districtName,
                            blockId: blockId, blockName: blockName))
                }
            }
        }
        job.count("inputEvents", scanned)
        Self.sortForReport(&rows)
        try writeDetail(job, rows)
        try writeSummaries(job, rows)
        job.count("outputEvents", Int64(rows.count))
        job.log("geo report: \(rows.count) school rows for \(Set(rows.map(\.slug)).count) slugs")
    }

    /// Report order: slug, district name (null first, as Spark sorts), school id, block id; all by
    /// UTF-8 bytes. Slugs and district names are few, so they are ranked once and compared as
    /// integers; indices are sorted, then the rows permuted in place (no second copy of them).
    static func sortForReport(_ rows: inout [SchoolRow]) {
        func ranks(_ values: Set<String>) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.enumerated().map { ($1, $0 + 1) })
        }
        let slugRank = ranks(Set(rows.map(\.slug)))
        let districtRank = ranks(Set(rows.compactMap(\.districtName)))
        let keys = rows.map { (slugRank[$0.slug]!, $0.districtName.map { districtRank[$0]! } ?? 0) }
        let order = rows.indices.sorted { i, j in
            if keys[i] != keys[j] { return keys[i] < keys[j] }
            let a = rows[i], b = rows[j]
            if a.schoolId != b.schoolId { return a.schoolId.utf8.lexicographicallyPrecedes(b.schoolId.utf8) }
            return (a.blockId ?? "").utf8.lexicographicallyPrecedes((b.blockId ?? "").utf8)
        }
        // Apply the permutation cycle by cycle: rows[k] becomes the old rows[order[k]].
        var placed = [Bool](repeating: false, count: rows.count)
        for start in rows.indices where !placed[start] {
            var k = start
            let first = rows[start]
            while true {
                placed[k] = true
                let next = order[k]
                if next == start { rows[k] = first; break }
                rows[k] = rows[next]
                k = next
            }
        }
    }

    /// `<base>geo-detail/<slug>.csv`.
    private func writeDetail(_ job: JobContext, _ rows: [SchoolRow]) throws {
        let columns =
            [Field("index", .int64)]
            + [
                "School id", "School name", "Channels", "District id", "District name", "Block id", "Block name",
                "slug", "externalid",
            ].map { Field($0, .utf8) }
        let report = try job.openReport("geo-detail", format: .csv, columns: columns, partitionBy: ["slug"])
        var index = 0
        var slug = ""
        for r in rows {
            if r.slug != slug { (slug, index) = (r.slug, 0) }
            index += 1
            try report.append([
                .int(Int64(index)), .string(r.schoolId), Value(r.schoolName), Value(r.channel),
                .string(r.districtId), Value(r.districtName), Value(r.blockId), Value(r.blockName),
                .string(r.slug), Value(r.externalId),
            ])
        }
        try report.close()
    }

    /// `<base>geo-summary/<slug>.json` and `<base>geo-summary-district/<slug>.json`.
    private func writeSummaries(_ job: JobContext, _ rows: [SchoolRow]) throws {
        let summary = try job.openReport(
            "geo-summary", format: .jsonl,
            columns: [Field("slug", .utf8), Field("schools", .int64), Field("districts", .int64), Field("blocks", .int64)],
            partitionBy: ["slug"])
        let perDistrict = try job.openReport(
            "geo-summary-district", format: .jsonArray,
            columns: [
                Field("slug", .utf8), Field("index", .int64), Field("districtName", .utf8),
                Field("blocks", .int64), Field("schools", .int64),
            ],
            partitionBy: ["slug"])
        var start = rows.startIndex
        while start < rows.endIndex {
            let slug = rows[start].slug
            let end = rows[start...].firstIndex { $0.slug != slug } ?? rows.endIndex
            let group = rows[start..<end]
            try summary.append([
                .string(slug), .int(Int64(Set(group.map(\.schoolId)).count)),
                .int(Int64(Set(group.map(\.districtId)).count)),
                .int(Int64(Set(group.compactMap(\.blockId)).count)),
            ])
            // Rows are sorted by district name within the slug, so districts come in index order.
            var index = 0
            var d = group.startIndex
            while d < group.endIndex {
                let name = group[d].districtName
                let dEnd = group[d...].firstIndex { $0.districtName != name } ?? group.endIndex
                let district = group[d..<dEnd]
                index += 1
                try perDistrict.append([
                    .string(slug), .int(Int64(index)), Value(name),
                    .int(Int64(Set(district.compactMap(\.blockId)).count)),
                    .int(Int64(Set(district.compactMap(\.externalId)).count)),
                ])
                d = dEnd
            }
            start = end
        }
        try summary.close()
        try perDistrict.close()
    }

}
