import Foundation

/// `yyyy-MM-dd HH:mm:ss.SSS` in UTC: how PostgreSQL prints the table's `timestamp` columns.
enum Timestamps {
    static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return f
    }()

    static func now() -> String { formatter.string(from: Date()) }

    /// The forms a stored timestamp takes, parsed with formatters made once (claims parse every row).
    static let parsers: [DateFormatter] = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SS", "yyyy-MM-dd HH:mm:ss.S"].map { format in
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }

    static func parse(_ s: String) -> Date? {
        if let d = formatter.date(from: s) { return d }
        for f in parsers { if let d = f.date(from: s) { return d } }
        return nil
    }

    /// The report-name date: yyyyMMdd in UTC+05:30 (upstream's wall clock, lern-exhaust-spec §2.8, Q34).
    static func reportDate(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 19800)
        f.dateFormat = "yyyyMMdd"
        return f.string(from: date)
    }
}
