import CHiredis
import Foundation
import PluginAPI
import RowBatch

/// ABI 1.9: a user cache a job rebuilds (the user cache indexer). `db` nil is the run's user-cache
/// database; a number names another database of the same server.
protocol CacheMaintenance: AnyObject {
    /// Hashes whose key matches `pattern` (a Redis glob), with `fields` or, when empty, the whole hash.
    func scan(db: Int?, pattern: String, fields: [String], count: Int, emit: (BatchBuilder) throws -> Void) throws
    func openWriter(db: Int?, refresh: Bool) throws -> CacheWriter
}

/// One open writer (dp_cache_writer).
protocol CacheWriter: AnyObject {
    func write(_ batch: BatchView) throws
    func delete(_ keys: [String]) throws
    /// Makes the writes the database's (a refresh: switched in at once); returns the hashes written.
    func commit() throws -> Int
    func abort()
}

/// The Redis server of the user cache: SCAN + HMGET for reads, pipelined HSET and DEL for writes,
/// a refresh built in the staging database and swapped in with SWAPDB (Redis ≥ 4), so readers of
/// the cache's database see the old hashes until the new ones are complete, then all of them.
final class RedisCacheMaintenance: CacheMaintenance {
    let settings: RedisSettings
    let stagingDb: Int

    init(_ settings: RedisSettings, stagingDb: Int) {
        (self.settings, self.stagingDb) = (settings, stagingDb)
    }

    func client(_ db: Int?) -> RedisClient {
        var s = settings
        s.db = db ?? settings.db
        return RedisClient(s)
    }

    func scan(db: Int?, pattern: String, fields: [String], count: Int, emit: (BatchBuilder) throws -> Void) throws {
        let c = client(db)
        var cursor = "0"
        repeat {
            guard case .array(let reply)? = try c.pipeline([["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)]]).first,
                reply.count == 2, let next = reply[0].string, case .array(let keys) = reply[1]
            else { throw HostCallError.data("Redis \(c.settings.url): unexpected SCAN reply") }
            cursor = next
            let names = keys.compactMap(\.string)
            if !names.isEmpty { try c.read(keys: names, fields: fields, emit: emit) }
        } while cursor != "0"
    }

    func openWriter(db: Int?, refresh: Bool) throws -> CacheWriter {
        let target = db ?? settings.db
        guard refresh else { return RedisCacheWriter(client(target), swapWith: nil) }
        guard stagingDb != target else {
            throw HostCallError.invalid("userCacheStagingIndex \(stagingDb) is the database being refreshed; give another one")
        }
        let staging = client(stagingDb)
        _ = try staging.pipeline([["FLUSHDB"]])  // a staging database holds nothing but a refresh in progress
        return RedisCacheWriter(staging, swapWith: target)
    }
}

final class RedisCacheWriter: CacheWriter {
    let client: RedisClient
    /// For a refresh: the database the staging one is swapped with at commit.
    let swapWith: Int?
    private var hashes = 0

    init(_ client: RedisClient, swapWith: Int?) { (self.client, self.swapWith) = (client, swapWith) }

    func write(_ batch: BatchView) throws {
        try client.write(batch)
        hashes += batch.count
    }

    func delete(_ keys: [String]) throws {
        var start = 0
        while start < keys.count {
            let chunk = keys[start..<min(start + RedisClient.pipelineDepth, keys.count)]
            _ = try client.pipeline([["DEL"] + chunk])
            start += chunk.count
        }
    }

    func commit() throws -> Int {
        if let target = swapWith {
            _ = try client.pipeline([["SWAPDB", String(client.settings.db), String(target)]])
            // The staging database now holds the old content: freed in the background.
            _ = try client.pipeline([["FLUSHDB", "ASYNC"]])
        }
        return hashes
    }

    func abort() {
        if swapWith != nil { _ = try? client.pipeline([["FLUSHDB", "ASYNC"]]) }
    }
}
