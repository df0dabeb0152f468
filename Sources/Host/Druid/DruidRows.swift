import Foundation
import RowBatch

/// Druid result elements turned into upstream's records (spec A4.3): one JSON object per row, the
/// row's values converted, plus `"date"` (the row timestamp's day).
enum DruidRows {
    /// The records of one element of a native query's result array.
    static func records(of element: JSONValue, kind: DruidQuery.Kind) throws -> [[UInt8]] {
        switch kind {
        case .groupBy:
            return [record(element["event"], date: day(element["timestamp"]))]
        case .timeseries:
            return [record(element["result"], date: day(element["timestamp"]))]
        case .topN:
            let date = day(element["timestamp"])
            return (element["result"]?.array ?? []).map { record($0, date: date) }
        case .scan:
            // Scan events carry their time as __time (epoch ms); upstream adds date to each event.
            return (element["events"]?.array ?? []).map { e in record(e, date: e["__time"]?.int.map(epochDay)) }
        }
    }

    static func record(_ object: JSONValue?, date: String?) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (key, value) in object?.objectPairs ?? [] where key != "date" {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(value, to: &out)
        }
        if let date {
            if !first { out.append(UInt8(ascii: ",")) }
            out += #""date":"#.utf8
            JSONText.appendQuoted(date, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// null → "unknown"; numbers rounded half-up to one decimal, written as decimals ("2.0"), and as
    /// a string when that text is longer than 10 characters (QUIRK C1.2, kept: reports depend on it).
    static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += #""unknown""#.utf8
        case .int, .double:
            let text = rounded(value)
            if text.utf8.count > 10 { JSONText.appendQuoted(text, to: &out) } else { out += text.utf8 }
        default: out += value.render().utf8
        }
    }

    /// The number's decimal text at scale 1 (Java's BigDecimal.setScale(1, HALF_UP).toString() of the
    /// double's shortest decimal form), by rounding its digit string — no Decimal, no locale.
    static func rounded(_ value: JSONValue) -> String {
        switch value {
        case .int(let i): return "\(i).0"
        case .double(let d):
            guard d.isFinite else { return "\(d)" }
            if d == 0 { return "0.0" }
            var (digits, point) = NumberText.decimalDigits(abs(d))  // |d| = 0.DIGITS × 10^point
            var kept = Array(digits.utf8).map { $0 - 0x30 }
            let keep = point + 1  // digits up to the first decimal place
            if keep < 0 {
                kept = []
            } else if keep < kept.count {
                let up = kept[keep] >= 5
                kept.removeLast(kept.count - keep)
                if up {
                    var i = kept.count - 1
                    while i >= 0, kept[i] == 9 { kept[i] = 0; i -= 1 }
                    if i >= 0 { kept[i] += 1 } else { kept.insert(1, at: 0); point += 1 }
                }
            }
            while kept.count < point + 1 { kept.append(0) }
            // Now `kept` holds every digit down to the first decimal place: point integer digits.
            let integer = point > 0 ? String(decoding: kept[..<point].map { $0 + 0x30 }, as: UTF8.self) : "0"
            let fraction = point >= 0 && point < kept.count ? kept[point] : 0
            digits = integer + "." + String(fraction)
            return d < 0 && digits != "0.0" ? "-" + digits : digits
        default: return value.render()
        }
    }

    /// `yyyy-MM-dd` of an ISO timestamp in its own zone: its first ten characters.
    static func day(_ timestamp: JSONValue?) -> String? {
        guard let t = timestamp?.string, t.utf8.count >= 10 else { return nil }
        return String(t.prefix(10))
    }

    static func epochDay(_ ms: Int64) -> String {
        DruidIntervals.dayFormat.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
