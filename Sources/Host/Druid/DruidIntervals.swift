import Foundation

/// Upstream's interval macros (spec A4.2): relative to the run clock's day, shifted by the IST offset
/// (5:30) unless the data source is a roll-up or distinct one, and back by `intervalSlider` days.
/// Anything that is not a macro is a literal `start/end` interval, sent as it is.
enum DruidIntervals {
    static let istOffset: TimeInterval = 5.5 * 3600
    private static let day: TimeInterval = 86_400

    static func resolve(_ intervals: String, dataSource: String, slider: Int, now: Date) -> String {
        let off = dataSource.contains("rollup") || dataSource.contains("distinct") ? 0 : istOffset
        let today0 = utcDayStart(now)
        let lastDays = ["LastDay": 1, "Last2Days": 2, "Last7Days": 7, "Last30Days": 30]
        if let n = lastDays[intervals] {
            let end = today0 - Double(slider) * day + off
            return format(end - Double(n) * day) + "/" + format(end)
        }
        let c = today0 + off
        switch intervals {
        case "LastWeek": return format(monday(of: c - 7 * day)) + "/" + format(monday(of: c))
        case "LastMonth": return format(firstOfMonth(c - 30 * day)) + "/" + format(firstOfMonth(c))
        default: return intervals
        }
    }

    static func utcDayStart(_ d: Date) -> Date {
        Date(timeIntervalSince1970: (d.timeIntervalSince1970 / day).rounded(.down) * day)
    }

    /// The Monday of `d`'s ISO week, at `d`'s time of day (Joda's withDayOfWeek keeps the time).
    static func monday(of d: Date) -> Date {
        let weekday = utc.component(.weekday, from: d)  // 1 = Sunday
        return d - Double((weekday + 5) % 7) * day
    }

    static func firstOfMonth(_ d: Date) -> Date { d - Double(utc.component(.day, from: d) - 1) * day }

    static func format(_ d: Date) -> String { stamp.string(from: d) }

    /// Made once: scan answers format a day per row (the connector runs on one thread).
    static let stamp = DateFormatter.utc("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
    static let dayFormat = DateFormatter.utc("yyyy-MM-dd")

    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()
}
