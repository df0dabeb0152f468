import CCurlShim
import Foundation
import PluginAPI

/// A transport that hands a response body over as it arrives (Druid answers of any size).
protocol HTTPStreaming {
    /// One attempt: `sink` gets the status and each body chunk; returns the status. Throws
    /// `StreamTransportError` for a transport failure (`transient` when a retry may help).
    func stream(_ request: HTTPRequest, _ sink: (Int32, UnsafeRawBufferPointer) throws -> Void) throws -> Int32
}

struct StreamTransportError: Error, CustomStringConvertible {
    var message: String
    var transient: Bool
    var description: String { message }
}

extension CurlHTTP: HTTPStreaming {
    func stream(_ r: HTTPRequest, _ sink: (Int32, UnsafeRawBufferPointer) throws -> Void) throws -> Int32 {
        try withoutActuallyEscaping(sink) { sink in
            let box = SinkBox(sink)
            var errbuf = [CChar](repeating: 0, count: 256)
            var status = 0
            let code = withCRequest(r) { dp_curl_perform_stream(&$0, streamSink, Unmanaged.passUnretained(box).toOpaque(), &status, &errbuf) }
            if let error = box.error { throw error }
            guard code == 0 else {
                throw StreamTransportError(
                    message: "\(r.method) \(r.url): \(String(cString: errbuf))", transient: dp_curl_is_transient(code) != 0 && box.bytes == 0)
            }
            return Int32(status)
        }
    }
}

private final class SinkBox {
    let sink: (Int32, UnsafeRawBufferPointer) throws -> Void
    var error: Error?
    var bytes = 0
    init(_ sink: @escaping (Int32, UnsafeRawBufferPointer) throws -> Void) { self.sink = sink }
}

private let streamSink: dp_curl_sink = { user, status, data, len in
    let box = Unmanaged<SinkBox>.fromOpaque(user!).takeUnretainedValue()
    do {
        box.bytes += len
        try box.sink(Int32(status), UnsafeRawBufferPointer(start: data, count: len))
        return 0
    } catch {
        box.error = error
        return 1
    }
}
