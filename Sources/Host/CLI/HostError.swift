/// Every way the host can fail, each with its documented exit code (README "Exit codes").
enum HostError: Error, CustomStringConvertible {
    /// The model config or its variables are wrong (template, JSON, unknown job in config). Exit 65.
    case config(String)
    /// A plugin was refused: unknown job, missing file, checksum, ABI, symbol, duplicate claim. Exit 66.
    case pluginRefused(String)
    /// The job ran and reported an error. Exit 67.
    case jobFailed(String)
    /// The job's process died of a signal (crash). Exit 68.
    case jobCrashed(String)
    /// The job exceeded its timeout and was killed. Exit 69.
    case jobTimedOut(String)
    /// Anything else: I/O on the host side, a bug. Exit 70.
    case `internal`(String)

    var description: String {
        switch self {
        case .config(let m), .pluginRefused(let m), .jobFailed(let m), .jobCrashed(let m),
            .jobTimedOut(let m), .internal(let m):
            return m
        }
    }

    var exitCode: Int32 {
        switch self {
        case .config: return ExitCodes.badConfig
        case .pluginRefused: return ExitCodes.pluginRefused
        case .jobFailed: return ExitCodes.jobFailed
        case .jobCrashed: return ExitCodes.jobCrashed
        case .jobTimedOut: return ExitCodes.jobTimedOut
        case .internal: return ExitCodes.internalError
        }
    }
}

/// Exit codes: cron-friendly, distinct per failure class (sysexits.h range for the host's own).
enum ExitCodes {
    static let ok: Int32 = 0
    static let usage: Int32 = 64  // bad command line (swift-argument-parser's default)
    static let badConfig: Int32 = 65
    static let pluginRefused: Int32 = 66
    static let jobFailed: Int32 = 67
    static let jobCrashed: Int32 = 68
    static let jobTimedOut: Int32 = 69
    static let internalError: Int32 = 70
}
