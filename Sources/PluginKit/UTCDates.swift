import Foundation
import RowBatch

/// Dates as the reports write them: fixed locale, UTC, a Java-style pattern.
public enum UTCDates {
    public static func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = pattern
        return f
    }
}

extension Value {
    /// The value as a report cell's text: doubles as the JVM prints them, null as "".
    public var reportText: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return NumberText.java(d)
        case .bool(let b): return b ? "true" : "false"
        default: return ""
        }
    }
}
