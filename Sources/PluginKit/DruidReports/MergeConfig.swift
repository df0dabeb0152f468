import Foundation
import RowBatch

/// A report's `mergeConfig` (framework-spec A4.4/A4.7): how each day's files are rolled into the
/// report dashboards read.
public struct MergeConfig {
    /// 0: the report is the latest delta; > 0: deltas are appended to the report, older rows dropped.
    public var rollup: Int
    /// ACADEMIC_YEAR, GEN_YEAR, MONTH, WEEK, DAY (anything else keeps everything).
    public var rollupAge: String?
    /// How many periods of `rollupAge` the report keeps (1: the current one).
    public var rollupRange: Int
    /// The column rows are rolled up by, and its Java date pattern (`Date||%d-%m-%Y` → `dd-MM-yyyy`).
    public var rollupCol: String
    public var rollupFormat: String
    /// The report's path; its folder and name say where the merged report is published.
    public var reportPath: String

    public init(_ json: JSONValue) throws {
        guard let path = json["reportPath"]?.string, !path.isEmpty else {
            throw JobError(.invalidArgument, "mergeConfig.reportPath is missing")
        }
        reportPath = path
        rollup = Int(json["rollup"]?.int ?? 0)
        rollupAge = json["rollupAge"]?.string
        rollupRange = Int(json["rollupRange"]?.int ?? 1)
        let col = (json["rollupCol"]?.string ?? "Date").components(separatedBy: "||")
        rollupCol = col[0].isEmpty ? "Date" : col[0]
        rollupFormat = col.count > 1 ? Self.javaPattern(col[1]) : "yyyy-MM-dd"
    }

    static func javaPattern(_ p: String) -> String {
        p.replacingOccurrences(of: "%Y", with: "yyyy").replacingOccurrences(of: "%m", with: "MM").replacingOccurrences(of: "%d", with: "dd")
    }
}

/// A report's content as its CSV holds it: a header and rows of text.
public struct ReportText: Equatable {
    public var columns: [String]
    public var rows: [[String]]
    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }
}
