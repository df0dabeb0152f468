import Foundation
import RowBatch

/// Upstream's report merge (framework-spec A4.7): a day's delta rolled into the published report,
/// the old report backed up first, the new one written as CSV and as the dashboard's JSON.
public enum ReportMerge {
    /// Step 2: the new report from the published one (nil: none yet) and a delta.
    public static func merged(report: ReportText?, delta: ReportText, config: MergeConfig) -> ReportText {
        let delta = dated(distinctRows(delta), config)
        guard config.rollup > 0 else { return delta }
        let base = report ?? ReportText(columns: delta.columns, rows: [])
        let deltaRows = delta.rows.map { row in base.columns.map { c in delta.columns.firstIndex(of: c).map { row[$0] } ?? "" } }
        guard let col = base.columns.firstIndex(of: config.rollupCol) else {
            return ReportText(columns: base.columns, rows: base.rows + deltaRows)
        }
        let replaced = Set(deltaRows.map { $0[col] })
        var rows = base.rows.filter { !replaced.contains($0[col]) } + deltaRows
        var dates = DayCache(config.rollupFormat)
        if let newest = rows.compactMap({ dates.date($0[col]) }).max() {
            let start = startDate(newest: newest, config)
            rows = rows.filter { dates.date($0[col]).map { $0 >= start } ?? false }
        }
        return ReportText(columns: base.columns, rows: stableSorted(rows, by: col))
    }

    /// Step 1: a delta's Date written into the rollup column in its format; duplicate rows dropped.
    static func dated(_ delta: ReportText, _ config: MergeConfig) -> ReportText {
        guard let date = delta.columns.firstIndex(of: "Date") else { return delta }
        var t = delta
        var col = t.columns.firstIndex(of: config.rollupCol)
        if col == nil {
            t.columns.append(config.rollupCol)
            t.rows = t.rows.map { $0 + [""] }
            col = t.columns.count - 1
        }
        var from = DayCache("yyyy-MM-dd")
        let to = UTCDates.formatter(config.rollupFormat)
        var texts: [String: String] = [:]
        t.rows = t.rows.map { r in
            var r = r
            if let d = from.date(r[date]) {
                if texts[r[date]] == nil { texts[r[date]] = to.string(from: d) }
                r[col!] = texts[r[date]]!
            }
            return r
        }
        return t
    }

    static func distinctRows(_ t: ReportText) -> ReportText {
        var seen = Set<[String]>()
        return ReportText(columns: t.columns, rows: t.rows.filter { seen.insert($0).inserted })
    }

    /// The oldest day the report keeps, from its newest day (A4.7 step 2).
    static func startDate(newest: Date, _ c: MergeConfig) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let back = max(c.rollupRange - 1, 0)
        let y = cal.component(.year, from: newest), m = cal.component(.month, from: newest)
        func day(_ year: Int, _ month: Int, _ d: Int) -> Date { cal.date(from: DateComponents(year: year, month: month, day: d))! }
        switch (c.rollupAge ?? "").uppercased() {
        case "ACADEMIC_YEAR": return day(y - back - (m <= 5 ? 1 : 0), 6, 1)
        case "GEN_YEAR": return day(y - back, 1, 1)
        case "MONTH": return cal.date(byAdding: .month, value: -back, to: day(y, m, 1))!
        case "WEEK":
            let monday = cal.date(byAdding: .day, value: -((cal.component(.weekday, from: newest) + 5) % 7), to: newest)!
            return cal.date(byAdding: .day, value: -7 * back, to: monday)!
        case "DAY": return cal.date(byAdding: .day, value: -back, to: newest)!
        default: return Date(timeIntervalSince1970: 0)
        }
    }

    static func stableSorted(_ rows: [[String]], by col: Int) -> [[String]] {
        rows.enumerated().sorted { a, b in a.element[col] == b.element[col] ? a.offset < b.offset : a.element[col] < b.element[col] }.map(\.element)
    }

    /// Parses dates of one pattern, each distinct text once (a report holds a few hundred distinct
    /// days over millions of rows; DateFormatter costs microseconds a call).
    struct DayCache {
        let formatter: DateFormatter
        var seen: [String: Date?] = [:]
        init(_ pattern: String) { formatter = UTCDates.formatter(pattern) }
        mutating func date(_ text: String) -> Date? {
            if let d = seen[text] { return d }
            let d = formatter.date(from: text)
            seen[text] = d
            return d
        }
    }
}
