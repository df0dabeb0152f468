import Foundation

/// Timestamps as the stores hold them, read and printed in UTC. The common forms (epoch
/// milliseconds; `yyyy-MM-dd[T ]HH:mm:ss[.SSS]` with `Z`, `±HH:MM` or no zone) are read and printed
/// by hand: ICU's DateFormatter costs ~100 µs a call and these run once per report row. Anything else
/// goes through the formatters, which stay the reference (TimestampTests compares the two).
enum Timestamp {
    static func utc(_ pattern: String, zone: TimeZone = TimeZone(identifier: "UTC")!) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = pattern
        return f
    }

    static let isoOut = utc("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    static let plainOut = utc("yyyy-MM-dd HH:mm:ss")
    static let millisOut = utc("yyyy-MM-dd HH:mm:ss.SSS")
    static let parsers = [
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd HH:mm:ss.SSSXXX", "yyyy-MM-dd HH:mm:ssXXX",
        "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd HH:mm:ssZ",
    ].map { utc($0) }

    /// Epoch milliseconds, or ISO-8601 / `yyyy-MM-dd HH:mm:ss[.SSS]` text (UTC unless it says otherwise).
    static func parse(_ text: String) -> Date? {
        if let d = quickParse(text) { return d }
        let t = text.trimmingCharacters(in: .whitespaces)
        if let ms = Int64(t) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        for f in parsers { if let d = f.date(from: t) { return d } }
        return nil
    }

    /// `parse`, also reading upstream's enrolment text form `yyyy-MM-dd HH:mm:ss:SSS[Z]` (a colon
    /// before the milliseconds, UTC); nil for empty text.
    static func lenient(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        var bytes = Array(text.utf8)
        if bytes.count >= 23, bytes[10] == 0x20, bytes[19] == 0x3A {
            bytes[19] = 0x2E
            return parse(String(decoding: bytes.prefix(23), as: UTF8.self))
        }
        return parse(text)
    }

    enum Style { case iso, plain, millis }

    /// What `isoOut`, `plainOut` or `millisOut` print, by hand for years 1600–9999 (ICU's calendar is
    /// Julian before 1582).
    static func string(_ date: Date, _ style: Style) -> String {
        // CFDateFormatter's arithmetic: milliseconds since 1970 as a double, rounded half up.
        let udate = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        guard udate.isFinite, abs(udate) < 2.6e14, case let f = Fields(epochMillis: Int64(udate)), (1600...9999).contains(f.year) else {
            return (style == .iso ? isoOut : style == .plain ? plainOut : millisOut).string(from: date)
        }
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int, _ digits: Int) {
            var d = 1
            for _ in 1..<digits { d *= 10 }
            while d > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / d % 10))
                d /= 10
            }
        }
        put(f.year, 4); out.append(UInt8(ascii: "-")); put(f.month, 2); out.append(UInt8(ascii: "-")); put(f.day, 2)
        out.append(UInt8(ascii: style == .iso ? "T" : " "))
        put(f.hour, 2); out.append(UInt8(ascii: ":")); put(f.minute, 2); out.append(UInt8(ascii: ":")); put(f.second, 2)
        if style != .plain {
            out.append(UInt8(ascii: "."))
            put(f.millis, 3)
        }
        if style == .iso { out.append(UInt8(ascii: "Z")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The forms one of `parsers` certainly reads the same way, without whitespace; nil for the rest.
    static func quickParse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            if let ms = epochMillis(b) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
            guard b.count >= 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
                let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
                let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
                year >= 1600, (1...12).contains(month), day >= 1, day <= Fields.days(inMonth: month, year: year),
                hour < 24, minute < 60, second < 60
            else { return nil }
            let t = b[10] == UInt8(ascii: "T")
            guard t || b[10] == UInt8(ascii: " ") else { return nil }
            var at = 19, millis = 0
            if at < b.count, b[at] == UInt8(ascii: ".") {
                guard let m = digits(b, at + 1, 3) else { return nil }
                millis = m
                at += 4
            }
            var offset = 0
            if at == b.count {
                guard !t else { return nil }  // every 'T' pattern has a zone
            } else if b[at] == UInt8(ascii: "Z"), at + 1 == b.count {
                offset = 0
            } else if b.count == at + 6, b[at] == UInt8(ascii: "+") || b[at] == UInt8(ascii: "-"), b[at + 3] == UInt8(ascii: ":"),
                let h = digits(b, at + 1, 2), let m = digits(b, at + 4, 2), h < 24, m < 60
            {
                offset = (h * 60 + m) * 60_000 * (b[at] == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
            let days = Fields.daysFromCivil(year: year, month: month, day: day)
            let ms = Int64(days) * 86_400_000 + Int64(((hour * 60 + minute) * 60 + second) * 1000 + millis - offset)
            // CFDateFormatter's arithmetic: milliseconds as a double, over 1000, minus the 1970 offset.
            return Date(timeIntervalSinceReferenceDate: Double(ms) / 1000 - 978_307_200)
        }
    }

    /// Plain digits (optionally signed) of at most 18: epoch milliseconds.
    private static func epochMillis(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        let start = b.first == UInt8(ascii: "-") ? 1 : 0
        guard b.count > start, b.count - start <= 18 else { return nil }
        var v: Int64 = 0
        for c in b[start...] {
            guard (0x30...0x39).contains(c) else { return nil }
            v = v * 10 + Int64(c - 0x30)
        }
        return start == 1 ? -v : v
    }

    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ n: Int) -> Int? {
        guard at + n <= b.count else { return nil }
        var v = 0
        for c in b[at..<(at + n)] {
            guard (0x30...0x39).contains(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// A UTC instant's calendar fields (Gregorian, as ICU's from 1582 on).
    struct Fields {
        var year, month, day, hour, minute, second, millis: Int

        init(epochMillis ms: Int64) {
            let dayMillis: Int64 = 86_400_000
            let days = ms >= 0 ? ms / dayMillis : -((-ms + dayMillis - 1) / dayMillis)
            let inDay = Int(ms - days * dayMillis)
            (year, month, day) = Self.civil(days: Int(days))
            hour = inDay / 3_600_000
            minute = inDay / 60_000 % 60
            second = inDay / 1000 % 60
            millis = inDay % 1000
        }

        /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
        static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146_097 + doe - 719_468
        }

        static func civil(days: Int) -> (Int, Int, Int) {
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp + (mp < 10 ? 3 : -9)
            return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }

        static func days(inMonth month: Int, year: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
    }
}
