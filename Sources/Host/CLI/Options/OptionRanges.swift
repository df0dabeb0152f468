import ArgumentParser

/// The ranges numeric options accept. A value outside — negative, zero where it means "never", NaN,
/// infinite, or past what the host can represent — is a usage error (exit 64) naming the option,
/// never silently clamped or turned into "forever".
enum OptionRanges {
    static let day: Double = 86_400
    static let month: Double = 30 * day

    static func check(_ value: Double?, _ option: String, _ range: ClosedRange<Double>) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) must be a number of seconds from \(text(range.lowerBound)) to \(text(range.upperBound)), got \(value)")
        }
    }

    static func check(_ value: Int?, _ option: String, _ range: ClosedRange<Int>) throws {
        guard let value else { return }
        guard range.contains(value) else { throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound), got \(value)") }
    }

    private static func text(_ d: Double) -> String { d == d.rounded() ? String(Int64(d)) : String(d) }
}
