import Foundation
import RowBatch
import XCTest
@testable import Host

/// A damaged record never stops the embedded queues (issue 18 item 1): a torn or hand-broken line of
/// the JSON-lines queue, a row of the SQLite queue whose JSON does not parse, is moved aside with its
/// position and reason, and every other request is served.
final class QueueQuarantineTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dp-test-quarantine-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func submitThree(_ q: RequestQueue) throws {
        for id in ["r1", "r2", "r3"] { try q.submit(JobRequest(tag: "do_1:batch-\(id)", requestId: id, jobId: "progress-exhaust")) }
    }

    func testAQueueFileTornAtEveryByteOfItsLastRecordStillServesTheOthers() throws {
        let path = dir + "/q.jsonl"
        try submitThree(RowRequestQueue(JSONLinesQueueRows(path: path)))
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let lastStart = whole.dropLast().lastIndex(of: UInt8(ascii: "\n"))! + 1
        for cut in lastStart..<whole.count {
            let torn = whole.prefix(cut)
            try torn.write(to: URL(fileURLWithPath: path))
            try? FileManager.default.removeItem(atPath: path + ".quarantine")
            let ids = try RowRequestQueue(JSONLinesQueueRows(path: path)).list(jobId: nil).map(\.requestId)
            let partial = String(decoding: whole[lastStart..<cut], as: UTF8.self)
            if cut == lastStart || partial.hasSuffix("}") {
                XCTAssertEqual(ids, cut == lastStart ? ["r1", "r2"] : ["r1", "r2", "r3"], "cut at \(cut)")
                continue
            }
            XCTAssertEqual(ids, ["r1", "r2"], "cut at \(cut)")
            let quarantined = try JSONParser.parse(try String(contentsOfFile: path + ".quarantine", encoding: .utf8))
            XCTAssertEqual(quarantined["line"], .int(3), "cut at \(cut)")
            XCTAssertEqual(quarantined["text"], .string(partial), "cut at \(cut): the torn bytes are kept")
            XCTAssertEqual(
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 2,
                "cut at \(cut): the queue file no longer holds them")
            // The queue goes on: a new request is added after the two good ones.
            try RowRequestQueue(JSONLinesQueueRows(path: path)).submit(JobRequest(tag: "t", requestId: "r4", jobId: "progress-exhaust"))
            XCTAssertEqual(try RowRequestQueue(JSONLinesQueueRows(path: path)).list(jobId: nil).map(\.requestId), ["r1", "r2", "r4"])
        }
    }

    func testAHandBrokenLineInTheMiddleIsQuarantinedWithItsReason() throws {
        let path = dir + "/q.jsonl"
        try submitThree(RowRequestQueue(JSONLinesQueueRows(path: path)))
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.insert(#"{"tag":"x"}"#, at: 1)  // JSON, but not a request
        lines.insert("not json", at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try RowRequestQueue(JSONLinesQueueRows(path: path)).list(jobId: nil).map(\.requestId), ["r1", "r2", "r3"])
        let moved = try String(contentsOfFile: path + ".quarantine", encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(moved.map { $0["line"] }, [.int(2), .int(3)])
        XCTAssertEqual(moved[0]["text"], .string("not json"))
        XCTAssertFalse(moved[1]["reason"]?.string?.isEmpty ?? true)
    }

    func testASQLiteRowWhoseJSONIsDamagedIsMovedToTheQuarantineTable() throws {
        let path = dir + "/q.sqlite"
        try submitThree(SQLiteRequestQueue(path: path))
        try SQLiteConnection(path).exec("UPDATE dp_job_request SET row = '{\"tag\":\"do_1:batch-r2\",\"request_id\":' WHERE request_id = 'r2'")
        XCTAssertEqual(try SQLiteRequestQueue(path: path).list(jobId: nil).map(\.requestId), ["r1", "r3"])
        let db = try SQLiteConnection(path)
        let q = try db.prepare("SELECT request_id, row, reason FROM dp_job_request_quarantine")
        XCTAssertTrue(try q.step())
        XCTAssertEqual(q.text(0), "r2")
        XCTAssertEqual(q.text(1), #"{"tag":"do_1:batch-r2","request_id":"#)
        XCTAssertFalse(q.text(2)?.isEmpty ?? true)
        XCTAssertFalse(try q.step(), "one row moved")
        try SQLiteRequestQueue(path: path).submit(JobRequest(tag: "do_1:batch-r2", requestId: "r2", jobId: "progress-exhaust"))
        XCTAssertEqual(
            try SQLiteRequestQueue(path: path).list(jobId: nil).map(\.requestId), ["r1", "r3", "r2"], "its key is free again")
    }
}
