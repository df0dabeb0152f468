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

    /// `YYYY-MM-DD` (00:00 UTC), an ISO-8601 date-time with `Z` or an offset (fractional seconds
    /// allowed), or epoch milliseconds.
    static func parse(_ text: String) throws -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        if !t.isEmpty, t.allSatisfy(\.isNumber), let ms = Int64(t) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        if t.count == 10, let d = dayFormat.date(from: t) { return d }
        if let d = ISO8601DateFormatter().date(from: t) ?? ISO8601DateFormatter.withMilliseconds.date(from: t) { return d }
        throw HostError.config("--now \(text): expected YYYY-MM-DD, an ISO-8601 date-time with Z or an offset, or epoch milliseconds")
    }
}
