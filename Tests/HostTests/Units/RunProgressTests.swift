import XCTest
@testable import Host

/// The progress line's content, from what the host counted (drawing is tested on a real terminal in CLITests).
final class RunProgressTests: XCTestCase {
    func testLineSaysWhatWasReadAndWrittenAndTheJobsOwnCount() {
        let p = RunProgress(label: "progress-exhaust", environment: [:], terminal: true)
        p.read("user cache", rows: 1000)
        p.read("sunbird_courses.user_enrolments", rows: 4096)
        p.read("sunbird_courses.user_enrolments", rows: 4096)
        p.wrote("progress-exhaust/R1/batch-001_progress_20261201", rows: 1234567)
        p.job(done: 5, total: 20)
        let line = p.line(width: 1000)
        XCTAssertTrue(line.hasPrefix("progress-exhaust 0."), line)
        XCTAssertTrue(line.contains(" · read sunbird_courses.user_enrolments 8,192, user cache 1,000 · "), "biggest first: \(line)")
        XCTAssertTrue(line.contains(" · wrote progress-exhaust/R1/batch-001_progress_20261201 1,234,567 rows · "), line)
        XCTAssertTrue(line.hasSuffix(" · job 5/20 (25%)"), line)
        XCTAssertLessThanOrEqual(p.line(width: 40).count, 40)
        p.finish()
    }

    func testOffTerminalOrWhenTurnedOffNothingIsCounted() {
        let piped = RunProgress(label: "j", environment: [:], terminal: false)
        piped.read("t", rows: 10)
        XCTAssertFalse(piped.enabled)
        XCTAssertEqual(piped.line().components(separatedBy: " · ").count, 1)
        XCTAssertFalse(RunProgress(label: "j", environment: ["DATAPRODUCTS_PROGRESS": "0"], terminal: true).enabled)
        XCTAssertFalse(RunProgress(label: "j", environment: ["TERM": "dumb"], terminal: true).enabled)
    }
}
