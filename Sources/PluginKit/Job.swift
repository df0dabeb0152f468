@_exported import JobParameters
@_exported import RowBatch
import PluginAPI

/// One data-product job. A plugin author writes one type per job and lists it in `PluginExport`.
///
///     struct MyReport: Job {
///         static let id = "my-report"
///         static let title = "What it reports"
///         func run(_ job: JobContext) throws { ... }
///     }
public protocol Job {
    /// The id operators schedule, e.g. "admin-geo-reports".
    static var id: String { get }
    /// One line for humans.
    static var title: String { get }
    /// Upstream class names accepted as the config's `model`.
    static var legacyNames: [String] { get }
    /// The modelParams the job reads, each declared once (`Param<Int>("x", default: 20, doc: "…")`).
    /// The host checks the rendered config against them before the job starts (exit 65 naming the
    /// key), the manifest publishes them, and the job reads typed values: `job.params[Self.x]`.
    static var parameters: [any ParameterDeclaring] { get }

    init()
    func run(_ job: JobContext) throws
}

extension Job {
    public static var legacyNames: [String] { [] }
    public static var parameters: [any ParameterDeclaring] { [] }
}

/// An error a job throws; it becomes the run's ABI status and message. Any other Swift error
/// becomes DP_ERROR_INTERNAL with its description.
public struct JobError: Error, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        case invalidArgument = 1, notFound = 2, io = 3, data = 4, unsupported = 5, cancelled = 6, `internal` = 7
    }

    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Wraps a failed host call's status and message.
    static func host(_ status: dp_status, _ message: String) -> JobError {
        JobError(Kind(rawValue: status) ?? .internal, message)
    }
}
