import Foundation

/// What a running job has done, as the host sees it — rows read per table, rows written per report,
/// elapsed time and rate, plus the job's own done/total when it reports one — drawn as one line on a
/// terminal and rewritten in place. Nothing is drawn when stderr is not a terminal (cron, pipes, CI),
/// and the line is cleared before any log line is written, so the two never mix.
///
/// `DATAPRODUCTS_PROGRESS=0` turns it off; `DATAPRODUCTS_PROGRESS_INTERVAL` (seconds, default 0.5)
/// sets how often it is redrawn.
final class RunProgress: @unchecked Sendable {
    let label: String
    let enabled: Bool
    private let interval: TimeInterval
    private let started = Date()
    private let lock = NSCondition()
    private var reads: [(String, Int64)] = []
    private var writes: [(String, Int64)] = []
    private var jobDone: UInt64 = 0, jobTotal: UInt64 = 0
    private var shown = false
    private var stopped = false
    private var drawer: Thread?

    init(label: String, environment: [String: String] = ProcessInfo.processInfo.environment, terminal: Bool = isatty(2) != 0) {
        self.label = label
        enabled = terminal && environment["DATAPRODUCTS_PROGRESS"] != "0" && environment["TERM"] != "dumb"
        interval = environment["DATAPRODUCTS_PROGRESS_INTERVAL"].flatMap(Double.init).map { max($0, 0.01) } ?? 0.5
    }

    /// Starts redrawing (a no-op off a terminal).
    func start() {
        guard enabled else { return }
        let thread = Thread { [weak self] in self?.drawLoop() }
        thread.name = "dataproducts progress"
        drawer = thread
        thread.start()
    }

    func read(_ table: String, rows: Int) { add(rows, to: \.reads, key: table) }
    func wrote(_ report: String, rows: Int) { add(rows, to: \.writes, key: report) }

    /// The job's own count (ABI progress): shown beside what the host saw, with a percentage when `total` is known.
    func job(done: UInt64, total: UInt64) {
        lock.lock()
        (jobDone, jobTotal) = (done, total)
        lock.unlock()
    }

    /// Runs `write` (a log line to stderr) with the progress line cleared, so they never share a line.
    func outside<T>(_ write: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        clearLocked()
        return write()
    }

    /// Stops drawing and clears the line.
    func finish() {
        lock.lock()
        stopped = true
        clearLocked()
        lock.broadcast()
        lock.unlock()
    }

    /// The line as it would be drawn now (at most `width` characters).
    func line(width: Int = 200) -> String {
        lock.lock()
        defer { lock.unlock() }
        return lineLocked(width: width)
    }

    private func add(_ rows: Int, to list: ReferenceWritableKeyPath<RunProgress, [(String, Int64)]>, key: String) {
        guard enabled, rows > 0 else { return }
        lock.lock()
        if let i = self[keyPath: list].firstIndex(where: { $0.0 == key }) {
            self[keyPath: list][i].1 += Int64(rows)
        } else {
            self[keyPath: list].append((key, Int64(rows)))
        }
        lock.unlock()
    }

    private func drawLoop() {
        lock.lock()
        defer { lock.unlock() }
        while !stopped {
            _ = lock.wait(until: Date().addingTimeInterval(interval))
            if stopped { break }
            let text = "\r\u{1B}[K" + lineLocked(width: Self.terminalWidth() - 1)
            fputs(text, stderr)
            fflush(stderr)
            shown = true
        }
    }

    private func clearLocked() {
        guard shown else { return }
        fputs("\r\u{1B}[K", stderr)
        fflush(stderr)
        shown = false
    }

    private func lineLocked(width: Int) -> String {
        let secs = Date().timeIntervalSince(started)
        var parts = ["\(label) \(String(format: "%.1f", secs)) s"]
        func list(_ verb: String, _ items: [(String, Int64)], _ unit: String) {
            guard !items.isEmpty else { return }
            // A rate means something after a second; before, the counts say enough.
            // Biggest first: on a narrow terminal the line is cut, and the small lookups matter least.
            let shown = items.sorted { $0.1 > $1.1 }.map { name, n in
                let rate = Int64(Double(n) / secs)
                return "\(name) \(Self.grouped(n))\(unit)" + (secs >= 1 && rate > 0 ? " (\(Self.grouped(rate))/s)" : "")
            }
            parts.append(verb + " " + shown.joined(separator: ", "))
        }
        list("read", reads, "")
        list("wrote", writes, " rows")
        if jobDone > 0 || jobTotal > 0 {
            parts.append(jobTotal > 0 ? "job \(jobDone)/\(jobTotal) (\(jobDone * 100 / max(jobTotal, 1))%)" : "job \(jobDone)")
        }
        let text = parts.joined(separator: " · ")
        return text.count > width ? String(text.prefix(max(width - 1, 0))) + "…" : text
    }

    static func grouped(_ n: Int64) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 else { return 100 }
        return Int(size.ws_col)
    }
}
