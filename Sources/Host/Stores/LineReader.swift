import Foundation

/// Reads a file descriptor line by line with large reads; lines are handed out as borrowed bytes.
struct LineReader {
    let fd: Int32
    var chunk = 1 << 20

    func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: chunk)
        var start = 0, end = 0
        while true {
            if start > 0 {  // move the partial line to the front
                buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start) }
                end -= start
                start = 0
            }
            if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }  // a very long line
            let n = buffer.withUnsafeMutableBytes { b in read(fd, b.baseAddress! + end, b.count - end) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostCallError.io("read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                if end > start { try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) } }
                return
            }
            end += n
            try buffer.withUnsafeBytes { b in
                while let nl = memchr(b.baseAddress! + start, 0x0A, end - start) {
                    let lineEnd = b.baseAddress!.distance(to: UnsafeRawPointer(nl))
                    try body(UnsafeRawBufferPointer(rebasing: b[start..<lineEnd]))
                    start = lineEnd + 1
                }
            }
        }
    }
}
