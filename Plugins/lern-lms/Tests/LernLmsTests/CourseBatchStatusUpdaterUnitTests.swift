import XCTest

@testable import LernLms

/// The unit cases of upstream's TestCourseBatchStatusUpdater (lern-jobs-spec §4); the job's cases on
/// the stores are host tests (Tests/HostTests/LernJobs).
final class CourseBatchStatusUpdaterUnitTests: XCTestCase {
    func testEnrolmentEndDate() {
        XCTAssertEqual(BatchDates.enrolmentEndDate(nil, endDate: "2030-06-30"), "2030-06-29")
        XCTAssertEqual(BatchDates.enrolmentEndDate("2030-06-30", endDate: nil), "2030-06-30")
        XCTAssertNil(BatchDates.enrolmentEndDate(nil, endDate: nil))
    }

    /// `getCollectionBatchDF` on the fixture: the typed column, converted to its IST day, wins over the text one.
    func testLatestValueForDate() {
        let rows: [(typed: String?, text: String?)] = [
            ("2021-04-28 00:00:00.000000+0000", "2021-04-28"), ("2020-05-26 00:00:00.000000+0000", nil),
            ("2020-05-29 00:00:00.000000+0000", nil), ("2020-05-25 00:00:00.000000+0000", "2020-05-23"),
        ]
        XCTAssertEqual(
            rows.map { BatchDates.latest(BatchDates.istDay(typed: $0.typed), $0.text) }, ["2021-04-28", "2020-05-26", "2020-05-29", "2020-05-25"])
        // PostgreSQL hands timestamps over as ISO text; 18:29:59 UTC is still the same IST day, 18:30 the next.
        XCTAssertEqual(BatchDates.istDay(typed: "2030-06-30T18:29:59.000Z"), "2030-06-30")
        XCTAssertEqual(BatchDates.istDay(typed: "2030-06-30 18:30:00+0000"), "2030-07-01")
        XCTAssertNil(BatchDates.istDay(typed: "2030-06-30"))
        XCTAssertEqual(BatchDates.latest(nil, "2020-01-01"), "2020-01-01")
        XCTAssertEqual(BatchDates.latest("", "2020-01-01"), "2020-01-01")
    }

    /// The hand-made conversion against the formatters it stands in for.
    func testIstDaysAgreeWithTheFormatters() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let d = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...7_000_000_000, using: &g)))
            let text = BatchDates.utcSeconds.string(from: d) + ".000000+0000"
            XCTAssertEqual(
                BatchDates.istDay(typed: text), BatchDates.istDayFormat.string(from: BatchDates.utcSeconds.date(from: String(text.prefix(19)))!), text
            )
            XCTAssertEqual(BatchDates.istDay(d), BatchDates.istDayFormat.string(from: d))
        }
    }

    func testStatusRule() {
        func batch(_ start: String?, _ end: String?, _ status: Int?) -> BatchRow {
            BatchRow(courseId: "c", batchId: "b", startDate: start, endDate: end, status: status)
        }
        XCTAssertEqual(batch("2021-04-28", "2030-06-30", 0).updatedStatus(today: "2024-01-01"), 1)
        XCTAssertEqual(batch("2020-05-29", "2019-06-30", 1).updatedStatus(today: "2024-01-01"), 2)
        XCTAssertEqual(batch("2030-05-26", "2030-06-30", 0).updatedStatus(today: "2024-01-01"), 0)
        XCTAssertEqual(batch(nil, nil, 1).updatedStatus(today: "2024-01-01"), 1)  // a null date never matches
        XCTAssertEqual(batch("2024-01-01", "2024-01-01", 0).updatedStatus(today: "2024-01-01"), 1)  // the end day is still ongoing
        XCTAssertNil(batch("2020-01-01", nil, nil).updatedStatus(today: "2024-01-01"))
    }
}
