import Foundation
import XCTest

/// Every server process a test starts (redis-server, the recorded-answer HTTP server, moto, the
/// Kafka mock cluster) is tracked here and stopped when the test bundle finishes, whether or not the
/// test that started it stopped it: XCTest keeps test case instances, so a `deinit` may never run.
public final class TestServers: NSObject, XCTestObservation, @unchecked Sendable {
    private static let shared: TestServers = {
        let s = TestServers()
        XCTestObservationCenter.shared.addTestObserver(s)
        return s
    }()
    private let lock = NSLock()
    private var processes: [Process] = []
    private var stops: [() -> Void] = []

    /// Starts `p` and tracks it until the bundle ends.
    public static func run(_ p: Process) throws {
        try p.run()
        shared.lock.withLock { shared.processes.append(p) }
    }

    /// Runs `stop` when the bundle ends (a server started by a script rather than as a child process).
    public static func atBundleEnd(_ stop: @escaping () -> Void) {
        shared.lock.withLock { shared.stops.append(stop) }
    }

    public func testBundleDidFinish(_ testBundle: Bundle) {
        for stop in lock.withLock({ stops }) { stop() }
        let left = lock.withLock { processes.filter(\.isRunning) }
        for p in left { p.terminate() }
        for p in left {
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning, Date() < deadline { usleep(10_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
    }
}
