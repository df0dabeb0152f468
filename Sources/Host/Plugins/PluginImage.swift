import Crypto
import Foundation
import HostSystem

/// The exact bytes of a plugin library, hashed as they are copied into a sealed in-memory file and
/// loaded from that file: what `dlopen` maps is what was hashed, byte for byte. Loading the library by
/// its path after hashing it would let anyone who can write the plugin folder swap the file between
/// the check and the load (or rewrite it in place), and unverified code would run.
struct PluginImage {
    /// Larger than any plugin: a bound, so a hostile path cannot make the host copy without end.
    static let maxBytes = 1 << 30
    /// Open for the life of the process: a loaded plugin is never unloaded, and glibc knows loaded
    /// libraries by the name they were opened with, so an fd number must never be reused for another.
    let fd: Int32
    let sha256: String
    /// What `dlopen` is given: the sealed copy through /proc.
    var loadPath: String { "/proc/self/fd/\(fd)" }

    /// Opens `path` (which must be a regular file: a FIFO or a device is refused at once, never read),
    /// copies it into a sealed memfd and hashes it on the way.
    static func seal(_ path: String) throws -> PluginImage {
        let source = try RegularFile.open(path, maxBytes: maxBytes)
        defer { close(source.fd) }
        let copy = dp_memfd_create("dataproducts-plugin")
        guard copy >= 0 else { throw HostError.internal("memfd_create: \(String(cString: strerror(errno)))") }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source.fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { close(copy); throw HostError.internal("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            total += n
            guard total <= maxBytes else { close(copy); throw HostError.pluginRefused("\(path) is larger than \(maxBytes >> 20) MiB") }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            guard buffer.withUnsafeBytes({ ChildProcess.writeAll(copy, Data($0.prefix(n))) }) else {
                close(copy)
                throw HostError.internal("cannot copy \(path) into memory: \(String(cString: strerror(errno)))")
            }
        }
        guard dp_memfd_seal(copy) == 0 else { close(copy); throw HostError.internal("cannot seal the copy of \(path)") }
        return PluginImage(fd: copy, sha256: lowerHex(hasher.finalize()))
    }
}
