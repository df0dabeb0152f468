import Foundation

/// Runs a job in a child process (this same executable, `_child`), so a plugin that crashes or hangs
/// fails only its job: the host sees a signal or a timeout, never its own death. The run spec goes
/// to the child's stdin and its outcome comes back on fd 3 — pipes, not files — so a report disk
/// that fills up fails the job with the write error instead of losing the outcome.
enum ChildProcess {
    enum Exit: Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Killed after exceeding its timeout.
        case timedOut(seconds: Double)
    }

    /// The child's end of the outcome pipe.
    static let resultFD: Int32 = 3

    /// How long a child asked to stop (SIGTERM) may take before SIGKILL.
    static let gracePeriod: TimeInterval = 3

    /// Runs the child on `spec`; returns how it ended and the outcome bytes it sent (empty: none).
    static func run(spec: Data, timeout: TimeInterval?) throws -> (Exit, Data) {
        signal(SIGPIPE, SIG_IGN)  // a child that dies before reading its spec must not kill the host
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else {
            throw HostError.internal("cannot create the job process pipes: \(String(cString: strerror(errno)))")
        }
        // Only the dup2'd copies reach the child (another job's child must not inherit these).
        for fd in input + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = try spawn(stdin: input[0], result: output[1])
        close(input[0])
        close(output[1])
        defer { close(output[0]) }
        _ = fcntl(output[0], F_SETFL, fcntl(output[0], F_GETFL) | O_NONBLOCK)
        writeAll(input[1], spec)  // the child reads it whole before anything else; EPIPE: it died, waitpid says how
        close(input[1])
        var outcome = Data()
        let exit = try wait(pid, timeout: timeout) { drain(output[0], into: &outcome) }
        drain(output[0], into: &outcome)
        return (exit, outcome)
    }

    private static func spawn(stdin: Int32, result: Int32) throws -> pid_t {
        let exe = "/proc/self/exe"  // re-exec ourselves, whatever PATH or argv[0] say
        let args = [CommandLine.arguments.first ?? "dataproducts", "_child"]
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, result, resultFD)
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, nil, &cargs, environ)
        guard rc == 0 else { throw HostError.internal("cannot start the job process: \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Waits for `pid`, calling `poll` between checks; enforces the timeout (SIGTERM, then SIGKILL
    /// after the grace period) and forwards the operator's cancellation.
    private static func wait(_ pid: pid_t, timeout: TimeInterval?, poll: () -> Void) throws -> Exit {
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
            poll()
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

    /// Reads what the pipe holds now (non-blocking); a process the plugin started may still hold
    /// its write end, so the host never waits for end of file.
    static func drain(_ fd: Int32, into data: inout Data) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { data.append(contentsOf: buffer[0..<n]) } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// Writes all of `data` to `fd`; false when the reader is gone or the write failed.
    @discardableResult
    static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
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
