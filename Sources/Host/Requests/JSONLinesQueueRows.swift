import Foundation
import RowBatch

/// The queue as a JSON-lines file (`--requests local:FILE`): `job_request` rows one per line, for
/// hand-made queues and hermetic tests. Every operation holds an exclusive `flock` on `<file>.lock`
/// and replaces the file atomically, so several hosts on one machine may share it; a torn write
/// cannot happen (rename), but the file has no transactions beyond that.
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
        var rows = try read()
        let (result, dirty) = try body(&rows)
        if dirty { try write(rows) }
        return result
    }

    private func read() throws -> [QueuedRow] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var rows: [QueuedRow] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let j: JSONValue
            do { j = try JSONParser.parse(String(line)) } catch {
                throw HostError.config("\(path) line \(n + 1) is not JSON: \(error)")
            }
            rows.append(try QueuedRow(json: j))
        }
        return rows
    }

    private func write(_ rows: [QueuedRow]) throws {
        let text = rows.map { $0.json.render() + "\n" }.joined()
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)), rename(tmp, path) == 0 else {
            throw HostError.internal("cannot write \(path)")
        }
    }
}
