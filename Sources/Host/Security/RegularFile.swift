import Foundation

/// A file the host reads that an operator or a deployment names — a plugin library, its manifest,
/// the registry, a config or variables file: it must be a regular file (a FIFO would block forever,
/// /dev/zero never end) of a bounded size.
enum RegularFile {
    static func open(_ path: String, maxBytes: Int) throws -> (fd: Int32, size: Int) {
        // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw HostError.config("cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw HostError.config("\(path) is not a regular file")
        }
        guard Int(st.st_size) <= maxBytes else {
            close(fd)
            throw HostError.config("\(path) is larger than \(maxBytes) bytes")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(st.st_size))
    }

    /// The whole file, at most `maxBytes`.
    static func read(_ path: String, maxBytes: Int) throws -> Data {
        let (fd, _) = try open(path, maxBytes: maxBytes)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        guard data.count <= maxBytes else { throw HostError.config("\(path) is larger than \(maxBytes) bytes") }
        return data
    }
}
