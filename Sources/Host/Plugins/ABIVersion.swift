import Foundation
import RowBatch

/// An ABI version "MAJOR.MINOR".
struct ABIVersion: Equatable, CustomStringConvertible {
    var major: Int
    var minor: Int

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let ma = Int(parts[0]), let mi = Int(parts[1]) else { return nil }
        major = ma
        minor = mi
    }

    var description: String { "\(major).\(minor)" }

    /// Why a plugin built against `self` cannot run in a host speaking `host`, or nil if it can.
    func incompatibility(host: ABIVersion) -> String? {
        if major != host.major { return "ABI major mismatch: plugin built for ABI \(self), host speaks \(host.major).x" }
        if minor > host.minor { return "plugin built for ABI \(self), newer than the host's \(host) (upgrade the host)" }
        return nil
    }
}
