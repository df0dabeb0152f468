import Foundation
import XCTest
@testable import Host

/// Interval macros (spec A4.2) on a pinned run clock.
final class DruidIntervalsTests: XCTestCase {
    // Wednesday 2020-05-06, 13:00 UTC.
    let now = Date(timeIntervalSince1970: 1_588_770_000)

    func resolve(_ m: String, _ ds: String = "telemetry-events", slider: Int = 0) -> String {
        DruidIntervals.resolve(m, dataSource: ds, slider: slider, now: now)
    }

    func testLastDaysWithTheISTOffsetAndTheSlider() {
        XCTAssertEqual(resolve("LastDay"), "2020-05-05T05:30:00+00:00/2020-05-06T05:30:00+00:00")
        XCTAssertEqual(resolve("Last7Days"), "2020-04-29T05:30:00+00:00/2020-05-06T05:30:00+00:00")
        XCTAssertEqual(resolve("Last30Days", slider: 2), "2020-04-04T05:30:00+00:00/2020-05-04T05:30:00+00:00")
        XCTAssertEqual(resolve("Last2Days", "summary-rollup-syncts"), "2020-05-04T00:00:00+00:00/2020-05-06T00:00:00+00:00")
        XCTAssertEqual(resolve("LastDay", "summary-distinct-counts"), "2020-05-05T00:00:00+00:00/2020-05-06T00:00:00+00:00")
    }

    func testLastWeekAndLastMonth() {
        XCTAssertEqual(resolve("LastWeek"), "2020-04-27T05:30:00+00:00/2020-05-04T05:30:00+00:00")
        XCTAssertEqual(resolve("LastMonth"), "2020-04-01T05:30:00+00:00/2020-05-01T05:30:00+00:00")
        XCTAssertEqual(resolve("LastMonth", "x-rollup"), "2020-04-01T00:00:00+00:00/2020-05-01T00:00:00+00:00")
    }

    func testLiteralIntervalsPassUnchanged() {
        XCTAssertEqual(resolve("2020-05-02T00:00:00/2020-05-06T00:00:00"), "2020-05-02T00:00:00/2020-05-06T00:00:00")
    }
}
