extension String {
    /// The text with control characters written as `\u{..}`, cut to `limit` characters: what may be
    /// printed of a value from data (a request id, a path) to a terminal or an error message, where a
    /// raw escape sequence would move the cursor or a newline forge a log line.
    func printable(limit: Int = 120) -> String {
        let escaped = unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return escaped.count > limit ? String(escaped.prefix(limit - 3)) + "..." : escaped
    }
}
