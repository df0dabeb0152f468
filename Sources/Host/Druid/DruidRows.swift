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

    /// The number's decimal text at scale 1 (Java's BigDecimal.setScale(1, HALF_UP).toString()).
    static func rounded(_ value: JSONValue) -> String {
        switch value {
        case .int(let i): return "\(i).0"
        case .double(let d):
            guard d.isFinite, var exact = Decimal(string: "\(d)", locale: Locale(identifier: "en_US_POSIX")) else { return "\(d)" }
            var r = Decimal()
            NSDecimalRound(&r, &exact, 1, .plain)
            var text = r.description
            if !text.contains(".") { text += ".0" }
            return text == "-0.0" ? "0.0" : text
        default: return value.render()
        }
    }

    /// `yyyy-MM-dd` of an ISO timestamp in its own zone: its first ten characters.
    static func day(_ timestamp: JSONValue?) -> String? {
        guard let t = timestamp?.string, t.utf8.count >= 10 else { return nil }
        return String(t.prefix(10))
    }

    static func epochDay(_ ms: Int64) -> String {
        DruidIntervals.format(Date(timeIntervalSince1970: Double(ms) / 1000)).prefix(10).description
    }
}
