import Foundation
import PluginAPI
import RowBatch

/// An output file with a 64 KiB write buffer, fsynced on close. It can be suspended (closed) and
/// reopened for appending, so a writer can keep many files without holding a descriptor for each.
final class BufferedFile {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    var rows = 0

    init(path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostCallError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        buffer.reserveCapacity(1 << 16)
    }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    func append(bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try? flush() }
    }

    func append(byte: UInt8) { buffer.append(byte) }

    func appendCSVField(_ bytes: UnsafeRawBufferPointer, _ dialect: CSVDialect) {
        dialect.appendField(bytes, to: &buffer)
        if buffer.count >= 1 << 16 { try? flush() }
    }

    func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostCallError.io("write to \(path) failed: \(String(cString: strerror(errno)))")
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    var isOpen: Bool { fd >= 0 }

    func suspend() throws {
        try flush()
        Glibc.close(fd)
        fd = -1
    }

    func reopen() throws {
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw HostCallError.io("cannot reopen \(path): \(String(cString: strerror(errno)))") }
    }

    func close() throws {
        try flush()
        fsync(fd)
        Glibc.close(fd)
        fd = -1
    }
}
