import Foundation
import RowBatch

/// The interval a report's queries run over (framework-spec A4.5 step 2): `staticInterval` as it is
/// (a macro or a literal), else `interval.startDate/endDate` at 00:00, back `intervalSlider` days and
/// shifted by the IST offset unless the data source is a roll-up or distinct one.
public enum ReportInterval {
    public static func resolve(_ dateRange: JSONValue, dataSource: String) throws -> String {
        if let s = dateRange["staticInterval"]?.string, !s.isEmpty { return s }
        guard let iv = dateRange["interval"], let start = iv["startDate"]?.string, let end = iv["endDate"]?.string else {
            throw JobError(.invalidArgument, "Both staticInterval and interval cannot be missing. Either of them should be specified")
        }
        let slider = Double(dateRange["intervalSlider"]?.int ?? 0)
        let off: TimeInterval = dataSource.contains("rollup") || dataSource.contains("distinct") ? 0 : 5.5 * 3600
        func shifted(_ day: String) throws -> String {
            guard let d = dayFormat.date(from: day) else {
                throw JobError(.invalidArgument, "dateRange.interval: \(day) is not a day yyyy-MM-dd")
            }
            return stamp.string(from: d.addingTimeInterval(-slider * 86_400 + off))
        }
        return try shifted(start) + "/" + shifted(end)
    }

    static let dayFormat = UTCDates.formatter("yyyy-MM-dd")
    static let stamp = UTCDates.formatter("yyyy-MM-dd'T'HH:mm:ss")
}
