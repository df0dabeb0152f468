/// The one rule for a path built from data — a request id, batch id or tag inside a report id, a
/// partition value, a plugin's blob key, a report path from a config: a relative path whose every
/// component names one entry. Checked where the path is built, so `a//b`, `a/./b`, `../x`, `/etc`, a
/// NUL or a newline never reach the file system or a blob store (each would either escape the folder,
/// or publish under a key other than the one recorded for the portal).
enum DataPath {
    static let maxComponentBytes = 255  // NAME_MAX
    static let maxBytes = 1024

    /// Why `path` is not a relative path of proper components; nil when it is.
    static func problem(relative path: String) -> String? {
        guard !path.isEmpty else { return "is empty" }
        guard path.utf8.count <= maxBytes else { return "is longer than \(maxBytes) bytes" }
        guard !path.hasPrefix("/") else { return "must be relative (it starts with '/')" }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if let why = problem(component: String(part)) { return why }
        }
        return nil
    }

    /// Why `name` cannot be one component of a path (a file or folder name); nil when it can.
    static func problem(component name: String) -> String? {
        if name.isEmpty { return "has an empty component ('//', or a '/' at an end)" }
        if name == "." || name == ".." { return "has a '\(name)' component" }
        if name.contains("/") { return "has a '/' inside a name" }
        if name.utf8.count > maxComponentBytes { return "has a component longer than \(maxComponentBytes) bytes" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "has a control character" }
        return nil
    }

    /// `path` for messages: control characters escaped, long values cut.
    static func shown(_ path: String) -> String { path.printable() }
}
