import PluginKit

/// The summary's counting spread over hosts (ABI 1.10 work items): with a shared queue (PostgreSQL)
/// one item per batch, each host counting the batches it claims through the store's batchid index;
/// in process one item for all batches (a single scan of the enrolments). The host that finds every
/// item done gets the counts back, item by item, and writes the report; the others write nothing.
enum SpreadSummary {
    static let columns: [Field] =
        ["batchid", "courseid", "state", "district"].map { Field($0, .utf8) }
        + ["enrolled", "completed", "certified"].map { Field($0, .int64) }
        + ["orgname", "usertype", "usersubtype"].map { Field($0, .utf8) }
    static let allBatches = "all:"

    /// The run's counts, or nil when another host combines the run.
    static func counts(_ job: JobContext, table: String, batches: [String: SummaryBatch]) throws -> SummaryCounts? {
        let work = try job.work()
        try work.declare(work.shared ? batches.keys.sorted().map { "batch:" + $0 } : [allBatches])
        let combines = try work.drain(columns: columns) { item in
            let counts = SummaryCounts(job)
            if item == allBatches {
                try counts.read(table, batches: batches)
            } else {
                let id = String(item.dropFirst("batch:".count))
                // A batch another host selected and this one did not (its clock or data differ): no rows.
                if let batch = batches[id] { try counts.read(table, batches: [id: batch], only: id) }
            }
            return rows(of: counts)
        }
        guard combines else { return nil }
        let all = SummaryCounts(job)
        try work.outputs { r in
            guard let batch = r.string("batchid"), let course = r.string("courseid"), let state = r.string("state") else { return }
            let key = SummaryKey(batchId: batch, courseId: course, state: state, district: r.string("district"))
            let count = SummaryCount(enrolled: r.int("enrolled") ?? 0, completed: r.int("completed") ?? 0, certified: r.int("certified") ?? 0)
            let who = SummaryLearner(
                state: state, district: nil, orgName: r.string("orgname"), userType: r.string("usertype"), userSubtype: r.string("usersubtype"))
            all.merge(key, count, representative: who)
        }
        return all
    }

    /// An item's counts as rows, in key order, each carrying its batch's representative learner.
    static func rows(of counts: SummaryCounts) -> [[Value]] {
        counts.counts.keys.sorted().map { key in
            let n = counts.counts[key]!
            let who = counts.representatives[key.batchId]?.learner
            return [
                .string(key.batchId), .string(key.courseId), .string(key.state), Value(key.district), .int(n.enrolled), .int(n.completed),
                .int(n.certified), Value(who?.orgName), Value(who?.userType), Value(who?.userSubtype),
            ]
        }
    }
}
