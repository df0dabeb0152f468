import Foundation
import XCTest
@testable import Host
import RowBatch

/// What must hold after any fault a queue drain goes through: every request ended in SUCCESS or
/// FAILED with a reason, no report key recorded as published twice, every recorded download exists,
/// and (read from every host's log) how often each request's outcome was recorded.
enum QueueInvariants {
    struct Tally {
        var finished: [String: Int] = [:]
        var published: [String: Int] = [:]
        var uploaded: [String: Int] = [:]
    }

    /// Outcome, publish and upload events of all `*.log` files in `dir`.
    static func tally(logsIn dir: String) throws -> Tally {
        var t = Tally()
        for log in try FileManager.default.contentsOfDirectory(atPath: dir) where log.hasSuffix(".log") {
            for line in try String(contentsOfFile: dir + "/" + log, encoding: .utf8).split(separator: "\n") {
                guard let data = (try? JSONParser.parse(String(line)))?["edata"]?["data"] else { continue }
                if let id = data["request_id"]?.string, data["status"] != nil { t.finished[id, default: 0] += 1 }
                if let key = data["published"]?.string { t.published[key, default: 0] += 1 }
                if let key = data["uploaded"]?.string { t.uploaded[key, default: 0] += 1 }
            }
        }
        return t
    }

    /// Checks the rows and logs of `b` after its hosts have finished; returns the tally.
    @discardableResult
    static func check(_ b: ExhaustBench, requests n: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Tally {
        let rows = try RequestQueueFactory.make(b.queue).list(jobId: nil)
        XCTAssertEqual(rows.count, n, file: file, line: line)
        let open = rows.filter { $0.status != "SUCCESS" && $0.status != "FAILED" }
        XCTAssertEqual(open.map(\.requestId), [], "requests left unfinished", file: file, line: line)
        let reasonless = rows.filter { $0.status == "FAILED" && ($0.errMessage ?? "").isEmpty }
        XCTAssertEqual(reasonless.map(\.requestId), [], "FAILED without a reason", file: file, line: line)
        let t = try tally(logsIn: b.home.path)
        XCTAssertEqual(t.published.filter { $0.value != 1 }, [:], "reports published more than once", file: file, line: line)
        for r in rows where r.status == "SUCCESS" {
            XCTAssertEqual(r.downloadUrls.count, 1, r.requestId, file: file, line: line)
            for key in r.downloadUrls {
                XCTAssertTrue(FileManager.default.fileExists(atPath: b.blob + "/" + key), "\(r.requestId): \(key)", file: file, line: line)
            }
        }
        return t
    }
}
