import CLibZip
import Foundation
import LazyConnectors

/// Every entry of a zip read into memory with libzip, within bounds: an artifact comes from outside
/// (a team's release, a download), so its entry count, each entry's size and its names are limits,
/// not trust. libzip checks each entry's CRC as it is read.
enum ZipEntries {
    struct Limits {
        var maxEntries = 4096
        /// The largest entry whose name `isLarge` accepts (a plugin library), and any other.
        var maxLargeBytes = PluginImage.maxBytes
        var maxSmallBytes = 4 << 20
        var isLarge: (String) -> Bool = { $0.hasSuffix(".so") }
    }

    /// (name, bytes) in the zip's order; an error names the zip, the entry and the limit.
    static func read(_ path: String, limits: Limits = Limits()) throws -> [(name: String, bytes: Data)] {
        do { try ConnectorLibraries.require(DP_LIB_ZIP, for: "zip") } catch let e as HostCallError { throw HostError.internal(e.description) }
        close(try RegularFile.open(path, maxBytes: Int.max).fd)  // a FIFO or a device is refused before libzip reads it
        var err: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err) else {
            throw HostError.config("\(path) is not a readable zip (libzip error \(err))")
        }
        defer { zip_discard(archive) }
        let count = zip_get_num_entries(archive, 0)
        guard count >= 0, count <= limits.maxEntries else {
            throw HostError.config("\(path) has \(count) entries, more than \(limits.maxEntries)")
        }
        var entries: [(name: String, bytes: Data)] = []
        for i in 0..<zip_uint64_t(count) {
            var st = zip_stat_t()
            guard zip_stat_index(archive, i, 0, &st) == 0, let cname = st.name else {
                throw HostError.config("\(path): entry #\(i + 1) cannot be read: \(String(cString: zip_strerror(archive)))")
            }
            let name = String(cString: cname)
            guard st.encryption_method == 0 else { throw HostError.config("\(path): entry \(name.printable()) is encrypted") }
            let limit = limits.isLarge(name) ? limits.maxLargeBytes : limits.maxSmallBytes
            guard st.size <= zip_uint64_t(limit) else {
                throw HostError.config("\(path): entry \(name.printable()) is \(st.size) bytes, more than \(limit)")
            }
            entries.append((name, try contents(archive, index: i, size: Int(st.size), what: "\(path): entry \(name.printable())")))
        }
        return entries
    }

    /// One entry's bytes; libzip's CRC check fails the read of a damaged entry.
    private static func contents(_ archive: OpaquePointer, index: zip_uint64_t, size: Int, what: String) throws -> Data {
        guard let file = zip_fopen_index(archive, index, 0) else {
            throw HostError.config("\(what) cannot be opened: \(String(cString: zip_strerror(archive)))")
        }
        defer { zip_fclose(file) }
        var data = Data(count: size)
        var done = 0
        while done < size {
            let n = data.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress! + done, zip_uint64_t(size - done)) }
            guard n > 0 else { throw HostError.config("\(what) is damaged (short read or CRC mismatch)") }
            done += Int(n)
        }
        var probe: UInt8 = 0
        guard zip_fread(file, &probe, 1) == 0 else { throw HostError.config("\(what) is longer than its recorded size") }
        return data
    }
}
