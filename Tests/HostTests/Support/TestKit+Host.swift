@_exported import DataproductsTestKit
import Foundation
import RowBatch
import XCTest

@testable import Host

/// The host's own reads of what a bench's run left (the queue's typed rows, a store's tables): they
/// use the host's internals, so they stay with the host's tests; a block's tests read the same through
/// the binary (`requestRow`).
extension ExhaustBench {
    /// The request's row as the queue reads it.
    func row(_ requestId: String, file: StaticString = #filePath, line: UInt = #line) throws -> JobRequest {
        let q = try RequestQueueFactory.make(queue)
        return try XCTUnwrap(try q.list(jobId: nil).first { $0.requestId == requestId }, "no request \(requestId)", file: file, line: line)
    }

    /// The embedded store's queue in SQLite instead of a JSON-lines file (local backend).
    func useSQLiteQueue() {
        let path = home.path + "/requests/job_request.sqlite"
        useQueue("sqlite:" + path) { try SQLiteRequestQueue(path: path).submit(try QueuedRow(json: $0).request) }
    }
}
