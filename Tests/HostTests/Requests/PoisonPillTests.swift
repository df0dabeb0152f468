import Foundation
import XCTest
@testable import Host
import RowBatch

/// Issue 31 class 1: a request row nested deeper than the JSON parser's bound (100,000 arrays, which
/// PostgreSQL's `json` type stores without complaint) was a poison pill — the host crashed on it,
/// the lease expired, the next host claimed it and crashed too, and every request behind it waited.
/// Now it fails alone with the parser's reason and the requests behind it are served.
final class PoisonPillTests: XCTestCase {
    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
    static let deep = nested(100_000)
    /// The deepest `json` value PostgreSQL takes with its default max_stack_depth (2 MB) is about 14,000.
    static let deepForPostgres = nested(12_000)

    func bench(_ backend: Backend, sqlite: Bool = false) throws -> ExhaustBench {
        let b = try ExhaustBench.progressQueue(backend)
        if sqlite { b.useSQLiteQueue() }
        try b.insertRequest(1, data: backend == .postgres ? Self.deepForPostgres : Self.deep)
        try b.insertRequest(2)
        return b
    }

    func assertFailedAloneAndTheNextServed(_ b: ExhaustBench) throws {
        let r = try b.run("progress-exhaust")
        XCTAssertTrue(r.stdout.contains("2 request(s): 1 success, 1 failed"), r.stdout + r.stderr)
        XCTAssertEqual(try b.row("REQ-1").status, "FAILED")
        XCTAssertEqual(
            try b.row("REQ-1").errMessage,
            "Internal Server Error: request_data is not valid JSON (nested deeper than \(JSONParser.maxDepth) levels at byte \(JSONParser.maxDepth))")
        XCTAssertEqual(try b.row("REQ-2").status, "SUCCESS")
    }

    func testOnPostgreSQL() throws { try assertFailedAloneAndTheNextServed(try bench(.postgres)) }

    func testOnTheSQLiteQueue() throws { try assertFailedAloneAndTheNextServed(try bench(.local, sqlite: true)) }

    func testOnTheJSONLinesQueue() throws { try assertFailedAloneAndTheNextServed(try bench(.local)) }

    /// A whole SQLite queue row nested too deep is not a request: quarantined with the reason.
    func testASQLiteRowNestedTooDeepIsQuarantined() throws {
        let b = try ExhaustBench.progressQueue(.local)
        b.useSQLiteQueue()
        try b.insertRequest(2)
        let path = String(b.queue.dropFirst("sqlite:".count))
        let db = try SQLiteConnection(path)
        try db.exec("INSERT INTO dp_job_request (tag, request_id, row) VALUES ('t', 'REQ-1', '\(Self.deep)')")
        let r = try b.run("progress-exhaust")
        XCTAssertTrue(r.stdout.contains("1 request(s): 1 success"), r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("nested deeper than \(JSONParser.maxDepth) levels"), r.stderr)
        let q = try db.prepare("SELECT request_id, reason FROM dp_job_request_quarantine")
        XCTAssertTrue(try q.step())
        XCTAssertEqual(q.text(0), "REQ-1")
    }
}
