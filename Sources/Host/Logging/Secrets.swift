import Foundation
import RowBatch

/// Secrets are used in every form they are accepted in, and never printed. Every line the host
/// writes — an error on stderr, a JSON log line, a request's `err_message` — passes through `scrub`,
/// which hides (a) the password part of anything shaped like a credential (`scheme://user:PASS@`,
/// `password=PASS` in libpq's or a query's spelling) and (b) every secret value this process was given,
/// wherever it appears — a library that echoes a connection string back, or a value pasted into the
/// wrong option, prints it in forms no pattern foresees.
public enum Secrets {
    /// Environment variables whose values are secrets (connectors read them; see each connector).
    static let environmentNames = [
        "PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_ACCESS_KEY", "azure_storage_secret",
        "SUNBIRD_ENCRYPTION_KEY", "REDISCLI_AUTH",
    ]
    /// Values shorter than this are hidden only where a pattern finds them: hiding every "ab" in every
    /// message would make errors unreadable without protecting anything.
    static let minimumLiteralLength = 4
    static let mask = "***"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: Set<String> = []

    /// `user:PASS@` after a scheme, and `password=PASS` (quoted or not): group 1 is kept, the password
    /// replaced as the template says. Every repetition is bounded, so a long value (a 10 MB request
    /// field) is scanned in linear time, never with quadratic backtracking.
    private static let patterns: [(regex: NSRegularExpression, template: String)] = [
        (#"(\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s:/@]{0,256}:)[^\s@]{0,1024}@"#, "$1\(mask)@"),
        (
            #"(?i)\b((?:password|passwd|pwd|pass|secret)\s{0,8}=\s{0,8})(?:'(?:[^'\\]|\\.){0,1024}'?|"(?:[^"\\]|\\.){0,1024}"?|[^\s&,;'"]{1,1024})"#,
            "$1\(mask)"
        ),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// Learns the secrets of this process: every command-line argument and environment value that
    /// holds a credential, and the secret environment variables.
    public static func learn(arguments: [String], environment: [String: String]) {
        for text in arguments + environment.filter({ $0.key.hasPrefix("DATAPRODUCTS_") }).map(\.value) { learn(from: text) }
        for name in environmentNames { if let v = environment[name] { learn(value: v) } }
    }

    /// Learns the password parts of a connection text (URL user info, `password=` pairs).
    static func learn(from text: String) {
        let range = NSRange(text.startIndex..., in: text)
        for (p, _) in patterns {
            for m in p.matches(in: text, range: range) {
                guard let whole = Range(m.range, in: text), let kept = Range(m.range(at: 1), in: text) else { continue }
                var value = String(text[kept.upperBound..<whole.upperBound])
                if value.hasSuffix("@") { value.removeLast() }
                if let f = value.first, f == "'" || f == "\"" {
                    value = String(value.dropFirst().dropLast(value.count > 1 && value.last == f ? 1 : 0))
                }
                learn(value: value)
                learn(value: value.removingPercentEncoding ?? value)
            }
        }
    }

    static func learn(value: String) {
        guard !value.isEmpty else { return }
        lock.withLock { _ = known.insert(value) }
    }

    /// `text` with every credential hidden.
    public static func scrub(_ text: String) -> String {
        var out = text
        for (p, template) in patterns {
            out = p.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        let values = lock.withLock { known.filter { $0.count >= minimumLiteralLength }.sorted { $0.count > $1.count } }
        for v in values {
            out = out.replacingOccurrences(of: v, with: mask)
            let escaped = JSONValue.string(v).render().dropFirst().dropLast()  // as it appears inside JSON text
            if escaped != Substring(v) { out = out.replacingOccurrences(of: String(escaped), with: mask) }
        }
        return out
    }
}
