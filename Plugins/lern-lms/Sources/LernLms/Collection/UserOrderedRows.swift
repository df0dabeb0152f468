import Foundation
import PluginKit

/// One table's rows of a batch in user order (an ABI 1.5 pull scan, column 0 = user id), handed out a
/// chunk of learners at a time: the merge side of the progress reports' join with the learners, so
/// neither side is ever held whole (V1: `assessment_aggregator`, V2: `user_activity_agg`).
final class UserOrderedRows {
    private let cursor: ScanCursor
    private var batch: BatchView?
    private var row = 0
    private var ended = false

    init(_ cursor: ScanCursor) { self.cursor = cursor }

    /// V1's attempts of the batch.
    static func attempts(_ job: JobContext, batch: CollectionBatch, settings: ExhaustSettings) throws -> UserOrderedRows {
        var columns = [
            Field("user_id", .utf8), Field("content_id", .utf8), Field("total_max_score", .float64),
            Field("total_score", .float64), Field("grand_total", .utf8),
        ]
        if !settings.bestScoreReport { columns.append(Field("last_attempted_on", .json)) }  // only the latest-attempt rule reads it
        // Read ahead about a chunk of learners' attempts, so the server works while the job reads the cache.
        return UserOrderedRows(
            try job.openScan(
                "\(settings.courseKeyspace).assessment_aggregator", columns: columns,
                where: [.eq("course_id", .string(batch.collectionId)), .eq("batch_id", .string(batch.batchId))],
                orderBy: ["user_id"], readAhead: 128))
    }

    /// V2's activity aggregates of the batch (user_id, aggregates).
    static func activity(_ job: JobContext, batch: CollectionBatch, settings: ExhaustSettings) throws -> UserOrderedRows {
        UserOrderedRows(
            try job.openScan(
                "\(settings.courseKeyspace).user_activity_agg", columns: [Field("user_id", .utf8), Field("aggregates", .json)],
                where: [.eq("context_id", .string("cb:" + batch.batchId)), .eq("activity_id", .string(batch.collectionId))],
                orderBy: ["user_id"], readAhead: 16))
    }

    func close() { cursor.close() }

    /// Hands over every row (with its user_id bytes, nil when null) whose user_id is at most `last`
    /// (UTF-8 bytes, the scan's order) and keeps the first later row for the next call; nil `last`:
    /// every remaining row.
    func forEach(upTo last: [UInt8]?, _ body: (BatchView, Int, UnsafeRawBufferPointer?) throws -> Void) throws {
        try (last ?? []).withUnsafeBytes { bound in
            while !ended {
                guard let b = batch, row < b.count else {
                    batch = try cursor.next()
                    row = 0
                    if batch == nil { ended = true }
                    continue
                }
                while row < b.count {
                    let u = b.utf8(0, row)
                    if let u, last != nil, Self.compare(u, bound) > 0 { return }
                    try body(b, row, u)
                    row += 1
                }
            }
        }
    }

    /// Byte order of two UTF-8 strings (memcmp, then length).
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}
