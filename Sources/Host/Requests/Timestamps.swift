import Foundation

/// `yyyy-MM-dd HH:mm:ss.SSS` in UTC: how PostgreSQL prints the table's `timestamp` columns.
enum Timestamps {
    static let formatter = DateFormatter.utc("yyyy-MM-dd HH:mm:ss.SSS")

    static func now() -> String { formatter.string(from: Date()) }

    /// The forms a stored timestamp takes, parsed with formatters made once (claims parse every row).
    static let parsers: [DateFormatter] = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SS", "yyyy-MM-dd HH:mm:ss.S"].map {
        DateFormatter.utc($0)
    }

    static func parse(_ s: String) -> Date? {
        if let d = formatter.date(from: s) { return d }
        for f in parsers { if let d = f.date(from: s) { return d } }
        return nil
    }

    /// The report-name date: yyyyMMdd in UTC+05:30 (upstream's wall clock, lern-exhaust-spec §2.8, Q34).
    static func reportDate(_ date: Date = Date()) -> String {
        DateFormatter.utc("yyyyMMdd", zone: TimeZone(secondsFromGMT: 19800)!).string(from: date)
    }
}
