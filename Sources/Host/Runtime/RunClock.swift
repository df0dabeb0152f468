import Foundation

extension DateFormatter {
    /// A fixed-pattern formatter in UTC with the POSIX locale (no user settings leak into stored or
    /// logged dates). Made once per pattern by its callers: creating one is slow.
    static func utc(_ pattern: String, zone: TimeZone = TimeZone(identifier: "UTC")!) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = pattern
        return f
    }
}

/// The run clock: the instant a job takes as now. Every date rule of a job (today's batches, a
/// report's date, a request's date) reads it, so `--now` re-runs yesterday's job and pins a test's day.
enum RunClock {
    /// When this host process started its work: the default run clock, one value for a whole run.
    static let start = Date()

    /// `YYYY-MM-DD` in UTC, read (`--now`) and written (the metric event's report date).
    static let dayFormat: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return f
    }()

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instants a run clock may take: from 1970 to the last millisecond of year 9999 (every date
    /// rule writes four-digit years; the epoch-millisecond arithmetic of the jobs stays in range).
    static let range = Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 253_402_300_799.999)

    /// `YYYY-MM-DD` (00:00 UTC), an ISO-8601 date-time with `Z` or an offset (fractional seconds
    /// allowed), or epoch milliseconds. Every field is checked, not rolled over: 2024-02-30 or 24:00
    /// is an error, never a day in March.
    static func parse(_ text: String) throws -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        let expected = "expected YYYY-MM-DD, an ISO-8601 date-time with Z or an offset, or epoch milliseconds"
        var date: Date?
        if !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            date = Int64(t).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        } else {
            switch CalendarFields.check(t) {
            case .impossible(let why): throw HostError.config("--now \(text): \(why); \(expected)")
            case .notADate: throw HostError.config("--now \(text): \(expected)")
            case .real:
                date =
                    t.count == 10
                    ? dayFormat.date(from: t) : ISO8601DateFormatter().date(from: t) ?? ISO8601DateFormatter.withMilliseconds.date(from: t)
            }
        }
        guard let date else { throw HostError.config("--now \(text): \(expected)") }
        guard range.contains(date) else { throw HostError.config("--now \(text): must lie between 1970-01-01 and 9999-12-31") }
        return date
    }
}

/// The fields of an ISO-8601 date or date-time, each checked against its calendar range (the system
/// parsers roll 2024-02-30 over into March).
enum CalendarFields {
    private static let shape = try! NSRegularExpression(
        pattern: #"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?(?:Z|[+-]([0-9]{2}):?([0-9]{2})))?$"#)

    enum Verdict: Equatable {
        case real, notADate
        /// Shaped like a date, naming a field that does not exist.
        case impossible(String)
    }

    static func check(_ text: String) -> Verdict {
        guard let m = shape.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return .notADate }
        func field(_ i: Int) -> Int? { Range(m.range(at: i), in: text).flatMap { Int(text[$0]) } }
        let (year, month, day) = (field(1)!, field(2)!, field(3)!)
        guard (1...12).contains(month) else { return .impossible("month \(month) does not exist") }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return .impossible("day \(day) does not exist in \(year)-\(String(format: "%02d", month))") }
        if let h = field(4), h > 23 { return .impossible("hour \(h) does not exist") }
        if let mi = field(5), mi > 59 { return .impossible("minute \(mi) does not exist") }
        if let s = field(6), s > 59 { return .impossible("second \(s) does not exist") }
        if let oh = field(7), let om = field(8), oh > 14 || om > 59 { return .impossible("offset \(oh):\(om) does not exist") }
        return .real
    }
}
