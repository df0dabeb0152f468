import Foundation
import PluginKit

/// The progress reports' merge sides (V1: `assessment_aggregator`, V2: `user_activity_agg`).
extension UserOrderedRows {
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
}
