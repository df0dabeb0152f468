import Foundation
import XCTest
@testable import Host

/// Issue 31 class 3: one rule for every path component that comes from data, applied where the path
/// is built, and a download URL recorded only for a file that was published. A request id with `//`
/// or `/./` used to record SUCCESS with a URL for a file never uploaded (the staged file's normalised
/// name was uploaded instead).
final class RequestPathTests: XCTestCase {
    func testTheRule() {
        for good in ["a", "a/b.csv", "progress-exhaust/REQ-1/batch-001_progress_20201019.csv", "a b/ü.csv", "...", ".hidden"] {
            XCTAssertNil(DataPath.problem(relative: good), good)
        }
        let bad: [(String, String)] = [
            ("", "is empty"), ("/etc/passwd", "must be relative"), ("a//b", "empty component"), ("a/./b", "'.' component"),
            ("a/../b", "'..' component"), ("..", "'..' component"), ("a/", "empty component"), ("a\nb", "control character"),
            ("a\u{0}b", "control character"), (String(repeating: "x", count: 256), "longer than 255"),
            (Array(repeating: "x", count: 600).joined(separator: "/"), "longer than 1024"),
        ]
        for (path, why) in bad {
            XCTAssertTrue(
                DataPath.problem(relative: path)?.contains(why) ?? false, "\(path.debugDescription): \(DataPath.problem(relative: path) ?? "nil")")
        }
        XCTAssertEqual(DataPath.shown("a\nb\u{1b}[31m"), "a\\u{a}b\\u{1b}[31m")
    }

    /// What the portal shows of an error names the report, not the host's folders.
    func testErrorMessagesLoseTheStagingFolders() throws {
        let staging = try Staging.create(output: NSTemporaryDirectory() + "dp-test-out-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(atPath: staging.output) }
        let message = "cannot write \(staging.files)/progress-exhaust/R1/batch-001.csv: No space left on device"
        XCTAssertEqual(Staging.hidingFolders(message), "cannot write progress-exhaust/R1/batch-001.csv: No space left on device")
        XCTAssertEqual(Staging.hidingFolders("in '\(staging.directory)/x'"), "in 'x'")
    }

    /// Through the real binary on the embedded store: every odd request id fails alone with the rule's
    /// reason, publishes nothing and records no URL; the plain one behind them is served.
    func testOddRequestIdsFailAloneAndPublishNothing() throws {
        let b = try ExhaustBench.progressQueue(.local)
        let odd = ["R//1", "R/./2", "R/../../3", "R\u{1b}[2J4"]
        for (i, id) in odd.enumerated() {
            try b.insertRequest(10 + i, extra: ["request_id": id, "requested_by": "odd-user-\(i)"])
        }
        try b.insertRequest(1)
        let r = try b.run("progress-exhaust")
        XCTAssertTrue(r.stdout.contains("5 request(s): 1 success, 4 failed"), r.stdout + r.stderr)
        for id in odd {
            let row = try b.row(id)
            XCTAssertEqual(row.status, "FAILED", id)
            XCTAssertEqual(row.downloadUrls, [], id)
            XCTAssertTrue(row.errMessage?.contains("report id") ?? false, "\(id): \(row.errMessage ?? "")")
        }
        XCTAssertEqual(try b.row("REQ-1").status, "SUCCESS")
        let published = (FileManager.default.enumerator(atPath: b.blob)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".zip") }
        XCTAssertEqual(published, try b.row("REQ-1").downloadUrls, "only the plain request's file")
        XCTAssertFalse(r.stderr.contains("\u{1b}"), "no raw escape code on the terminal")
    }
}
