import Foundation
import RowBatch

/// The queue as a JSON-lines file (`--requests local:FILE`): `job_request` rows one per line, for
/// hand-made queues and hermetic tests. Every operation holds an exclusive `flock` on `<file>.lock`
/// and replaces the file atomically, so several hosts on one machine may share it; a torn write
/// cannot happen (rename), but the file has no transactions beyond that. A line that is not a request
/// (a torn append after a crash or a full disk, a hand edit) is moved to `<file>.quarantine` with its
/// line number and reason, said on stderr, and every other request is served.
final class JSONLinesQueueRows: QueueRowStorage {
    let path: String

    init(path: String) { self.path = path }

    var name: String { path }

    func locked<T>(_ body: (inout [QueuedRow]) throws -> (T, Bool)) throws -> T {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.internal("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 { guard errno == EINTR else { throw HostError.internal("flock \(path).lock failed") } }
        var (rows, bad) = try read()
        if !bad.isEmpty { try quarantine(bad) }
        let (result, dirty) = try body(&rows)
        if dirty || !bad.isEmpty { try replace(rows) }
        return result
    }

    /// The rows, and the lines that are not requests (line number, text, why).
    private func read() throws -> ([QueuedRow], [(Int, Substring, String)]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var rows: [QueuedRow] = []
        var bad: [(Int, Substring, String)] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {  // not Foundation: a 10 MB line must cost no more than its bytes
            do { rows.append(try QueuedRow(json: try JSONParser.parse(String(line)))) } catch { bad.append((n + 1, line, "\(error)")) }
        }
        return (rows, bad)
    }

    /// Appends the bad lines to `<file>.quarantine` (flushed to disk before the queue file is
    /// rewritten without them: nothing is lost) and says so on stderr.
    private func quarantine(_ bad: [(Int, Substring, String)]) throws {
        let file = path + ".quarantine"
        let at = ISO8601DateFormatter().string(from: Date())
        var text = bad.map { n, line, why in
            JSONValue.object([("quarantined_at", .string(at)), ("line", .int(Int64(n))), ("reason", .string(why)), ("text", .string(String(line)))])
                .render() + "\n"
        }.joined()
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.internal("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = text.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        guard written == text.utf8.count, fsync(fd) == 0 else {
            throw HostError.internal("cannot write \(file): \(String(cString: strerror(errno))) (the queue file is left as it was)")
        }
        for (n, _, why) in bad {
            FileHandle.standardError.write(Data("dataproducts: request queue \(path) line \(n) is not a request (\(why)): moved to \(file)\n".utf8))
        }
    }

    private func replace(_ rows: [QueuedRow]) throws {
        let text = rows.map { $0.json.render() + "\n" }.joined()
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, path) == 0 else {
            throw HostError.internal("cannot write \(path)")
        }
    }
}
