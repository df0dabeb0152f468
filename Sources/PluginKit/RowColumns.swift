/// The columns a scan asked for, by name, and the first name a job read that is not among them
/// (reported when the row's body returns, so a typo fails the job with its name instead of a crash).
final class RowColumns {
    private let index: [String: Int]
    private let names: [String]
    private let source: String
    private var missing: String?

    init(_ names: [String], source: String) {
        self.names = names
        self.source = source
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func index(of name: String) -> Int? {
        if let i = index[name] { return i }
        if missing == nil { missing = name }
        return nil
    }

    func checkMissing() throws {
        guard let missing else { return }
        throw JobError(
            .invalidArgument, "\(source): the job read column '\(missing)', which the scan did not request (it has \(names.joined(separator: ", ")))")
    }
}
