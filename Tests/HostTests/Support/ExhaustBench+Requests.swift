import Foundation
import XCTest
@testable import Host

/// The queue tests' world: the progress exhaust with throttles high enough for many requests, and
/// requests REQ-<n> for batch-001 that differ only in what a test says.
extension ExhaustBench {
    static let batch001 = #"{"batchId": "batch-001"}"#

    static func progressQueue(_ backend: Backend, httpDir: String = "http-progress", redisAuth: RedisServer.Auth? = nil) throws -> ExhaustBench {
        let b = try ExhaustBench(
            backend, fixture: "lern/exhaust/report_data", userCache: "usercache-progress.jsonl", httpDir: httpDir, redisAuth: redisAuth)
        try b.config("progress-exhaust", RequestQueueTests.config)
        return b
    }

    /// Request REQ-`n` of user-`n` (so no two are duplicates), key test12, for `data`; `extra` overrides columns.
    func insertRequest(_ n: Int, data: String = batch001, extra: [String: String?] = [:]) throws {
        try insert(
            [
                "tag": "do_1130928636168192001667_batch-001:channel-01", "request_id": "REQ-\(n)", "job_id": "progress-exhaust",
                "request_data": data, "requested_by": "user-\(n)", "requested_channel": "b00bc992ef25f1a9a8d63291e20efc8d",
                "encryption_key": "test12",
            ].merging(extra) { $1 })
    }
}
