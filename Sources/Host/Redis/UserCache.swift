import CHiredis
import Foundation
import PluginAPI
import RowBatch

/// The ABI's Redis calls on top of RedisClient: reads and writes of many hashes, pipelined
/// `pipelineDepth` commands at a time.
extension RedisClient {
    static let pipelineDepth = 1000

    /// HMGET `fields` (or HGETALL when empty) of every key; one batch per pipeline round trip.
    func read(keys: [String], fields: [String], emit: (BatchBuilder) throws -> Void) throws {
        let schema = [Field("key", .utf8)] + (fields.isEmpty ? [Field("fields", .json)] : fields.map { Field($0, .utf8) })
        var builder = BatchBuilder(fields: schema)
        var start = 0
        while start < keys.count {
            let chunk = keys[start..<min(start + Self.pipelineDepth, keys.count)]
            var next = chunk.startIndex
            // Cells go from hiredis' reply straight into the batch (no String per field).
            try forEachReply(
                chunk.map { fields.isEmpty ? ["HGETALL", $0] : ["HMGET", $0] + fields },
                fresh: {
                    builder = BatchBuilder(fields: schema)
                    next = chunk.startIndex
                }
            ) { reply in
                let key = chunk[next]
                next += 1
                builder.set(0, .string(key))
                let p = reply.pointee
                guard p.type == REDIS_REPLY_ARRAY else { throw HostCallError.data("Redis \(settings.url): \(key) is not a hash") }
                func bytes(_ i: Int) -> UnsafeRawBufferPointer? {
                    guard let e = p.element[i], e.pointee.type == REDIS_REPLY_STRING else { return nil }
                    return UnsafeRawBufferPointer(start: e.pointee.str, count: Int(e.pointee.len))
                }
                if fields.isEmpty {
                    var pairs: [(String, JSONValue)] = []
                    var i = 0
                    while i + 1 < Int(p.elements) {
                        pairs.append(
                            (
                                bytes(i).map { String(decoding: $0, as: UTF8.self) } ?? "",
                                bytes(i + 1).map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null
                            ))
                        i += 2
                    }
                    builder.set(1, pairs.isEmpty ? .null : .json(JSONValue.object(pairs).render()))
                } else {
                    for j in 0..<fields.count {
                        guard j < Int(p.elements), let b = bytes(j) else { builder.set(j + 1, .null); continue }
                        // Redis values are any bytes: ASCII goes straight in, the rest is decoded (repaired) UTF-8.
                        if b.allSatisfy({ $0 < 0x80 }) {
                            builder.setUTF8(j + 1, b)
                        } else {
                            builder.set(j + 1, .string(String(decoding: b, as: UTF8.self)))
                        }
                    }
                }
                builder.endRow()
            }
            try emit(builder)
            start += chunk.count
        }
    }

    /// One HSET per row: column "key" names the hash, the other non-null columns are its fields.
    func write(_ batch: BatchView) throws {
        guard let keyColumn = batch.column(named: "key"), batch.fields[keyColumn].type == .utf8 else {
            throw HostCallError.invalid("redis_write: the batch needs a utf8 column named \"key\"")
        }
        var commands: [[String]] = []
        for row in 0..<batch.count {
            guard let key = batch.string(keyColumn, row) else { throw HostCallError.invalid("redis_write: row \(row) has a null key") }
            var command = ["HSET", key]
            for c in batch.fields.indices where c != keyColumn && !batch.isNull(c, row) {
                command.append(batch.fields[c].name)
                command.append(batch.fields[c].type == .float64 ? NumberText.java(batch.double(c, row)!) : batch.string(c, row)!)
            }
            if command.count > 2 { commands.append(command) }
            if commands.count == Self.pipelineDepth {
                _ = try pipeline(commands)
                commands.removeAll(keepingCapacity: true)
            }
        }
        if !commands.isEmpty { _ = try pipeline(commands) }
    }
}

/// What serves the ABI's redis_read: a Redis server, or (the embedded default, for the `local`
/// store) a JSON-lines file of hashes.
protocol HashSource: AnyObject {
    func read(keys: [String], fields: [String], emit: (BatchBuilder) throws -> Void) throws
    func write(_ batch: BatchView) throws
}

extension RedisClient: HashSource {}

/// What serves the ABI's course_cache_members: a Redis server (SMEMBERS) or a JSON-lines file of sets.
protocol SetSource: AnyObject {
    func members(_ key: String) throws -> [String]
}

extension RedisClient: SetSource {
    func members(_ key: String) throws -> [String] {
        guard let reply = try pipeline([["SMEMBERS", key]]).first, case .array(let items) = reply else {
            throw HostCallError.data("Redis \(settings.url): \(key) is not a set")
        }
        return items.compactMap(\.string).sorted()
    }
}

/// `local:FILE`: one `{"key": "...", "members": ["...", ...]}` per line, read once.
final class LocalSetFile: SetSource {
    private let sets: [String: [String]]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostCallError.io("course cache file \(path) does not exist or cannot be read")
        }
        var sets: [String: [String]] = [:]
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let j = try? JSONParser.parse(String(line)), let key = j["key"]?.string, let m = j["members"]?.array else {
                throw HostCallError.data("\(path) line \(n + 1): expected {\"key\": ..., \"members\": [...]}")
            }
            sets[key] = m.compactMap(\.string).sorted()
        }
        self.sets = sets
    }

    func members(_ key: String) throws -> [String] { sets[key] ?? [] }
}
