import Foundation

/// Runs a job in a child process (this same executable, `_child --spec FILE`), so a plugin that
/// crashes or hangs fails only its job: the host sees a signal or a timeout, never its own death.
enum ChildProcess {
    enum Exit: Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Killed after exceeding its timeout.
        case timedOut(seconds: Double)
    }

    /// How long a child asked to stop (SIGTERM) may take before SIGKILL.
    static let gracePeriod: TimeInterval = 3

    static func run(specPath: String, timeout: TimeInterval?) throws -> Exit {
        let exe = "/proc/self/exe"  // re-exec ourselves, whatever PATH or argv[0] say
        let args = [CommandLine.arguments.first ?? "dataproducts", "_child", "--spec", specPath]
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, nil, nil, &cargs, environ)
        guard rc == 0 else { throw HostError.internal("cannot start the job process: \(String(cString: strerror(rc)))") }

        let started = Date()
        var terminateSentAt: Date?
        var timedOut = false
        var delay: useconds_t = 500
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                if timedOut { return .timedOut(seconds: timeout ?? 0) }
                let sig = status & 0x7f
                return sig == 0 ? .exited((status >> 8) & 0xff) : .signaled(sig)
            }
            if r < 0 && errno != EINTR {
                throw HostError.internal("waiting for the job process failed: \(String(cString: strerror(errno)))")
            }
            let now = Date()
            if terminateSentAt == nil {
                if let timeout, now.timeIntervalSince(started) >= timeout { timedOut = true }
                if timedOut || cancelRequested != 0 {
                    kill(pid, SIGTERM)  // the job sees is_cancelled and may stop cleanly
                    terminateSentAt = now
                }
            } else if now.timeIntervalSince(terminateSentAt!) >= gracePeriod {
                kill(pid, SIGKILL)
            }
            usleep(delay)
            delay = min(delay * 2, 20_000)
        }
    }

    static func signalName(_ sig: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGBUS: "SIGBUS",
            SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP",
        ]
        return "\(names[sig] ?? "signal \(sig)") (\(String(cString: strsignal(sig))))"
    }
}

/// SIGTERM/SIGINT ask the running job to stop (is_cancelled) instead of killing the host outright.
func installCancellationHandlers() {
    signal(SIGTERM) { _ in cancelRequested = 1 }
    signal(SIGINT) { _ in cancelRequested = 1 }
}
