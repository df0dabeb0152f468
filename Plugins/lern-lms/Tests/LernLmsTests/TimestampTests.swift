import Foundation
import XCTest

@testable import LernLms

/// The hand-made timestamp reader and printer against ICU's DateFormatter, which they stand in for.
final class TimestampTests: XCTestCase {
    /// The formatters' chain, as `Timestamp.parse` ran before the quick path.
    func reference(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let ms = Int64(t) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        for f in Timestamp.parsers { if let d = f.date(from: t) { return d } }
        return nil
    }

    func testQuickReadingAgreesWithTheFormatters() {
        var texts = [
            "1622505600001", "0", "-1", "1622505600000", "2021-06-01T00:00:00.001Z", "2021-06-01T05:30:00.999+05:30",
            "2021-06-01 00:00:00.001+00:00", "2021-06-01 10:11:12", "2021-06-01 10:11:12.345", "2021-06-01T10:11:12Z",
            "2021-06-01 10:11:12-08:00", "2020-02-29 23:59:59.999", "1999-12-31T23:59:59.000-00:30", "2000-01-01 00:00:00Z",
        ]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let ms = Int64.random(in: -30_000_000_000_000...250_000_000_000_000, using: &g)
            texts.append(String(ms))
            let d = Date(timeIntervalSince1970: Double(ms) / 1000)
            texts.append(Timestamp.isoOut.string(from: d))
            texts.append(Timestamp.millisOut.string(from: d))
            texts.append(Timestamp.plainOut.string(from: d))
        }
        for t in texts {
            guard let quick = Timestamp.quickParse(t) else { continue }
            XCTAssertEqual(quick.timeIntervalSinceReferenceDate, reference(t)?.timeIntervalSinceReferenceDate, t)
        }
        // Left to the formatters: whitespace, other zones, 'T' without a zone, impossible dates.
        for t in [" 2021-06-01 10:11:12", "2021-06-01T10:11:12", "2021-06-01 10:11:12+0530", "2021-02-30 10:11:12", "2021-06-01 24:00:00"] {
            XCTAssertNil(Timestamp.quickParse(t), t)
        }
        XCTAssertEqual(Timestamp.parse("2021-02-30 10:11:12"), reference("2021-02-30 10:11:12"))
    }

    func testPrintingAgreesWithTheFormatters() {
        var g = SystemRandomNumberGenerator()
        var dates = [0, 1, -1, 1_622_505_600_001, 253_402_300_799_999, -30_610_224_000_000].map { Date(timeIntervalSince1970: Double($0) / 1000) }
        for _ in 0..<2000 {
            let ms = Int64.random(in: -40_000_000_000_000...260_000_000_000_000, using: &g)
            dates.append(Date(timeIntervalSince1970: Double(ms) / 1000))
            dates.append(Date(timeIntervalSince1970: Double.random(in: -4e10...2.6e11, using: &g)))
        }
        for d in dates {
            XCTAssertEqual(Timestamp.string(d, .iso), Timestamp.isoOut.string(from: d), "\(d.timeIntervalSince1970)")
            XCTAssertEqual(Timestamp.string(d, .plain), Timestamp.plainOut.string(from: d), "\(d.timeIntervalSince1970)")
            XCTAssertEqual(Timestamp.string(d, .millis), Timestamp.millisOut.string(from: d), "\(d.timeIntervalSince1970)")
        }
    }
}
