import Foundation
@testable import Host
import CLibFuzzer
import RowBatch

/// The embedded queue's row decoder (a job_request line of `local:` or a row of the SQLite queue):
/// any bytes are a request or an error to quarantine, and a request written back reads back the
/// same — the queue rewrites every other row when it moves a bad one aside.
func fuzzRequestRow(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard let json = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
        let row = try? QueuedRow(json: json)
    else { return 0 }
    let written = row.json.render()
    guard let back = try? QueuedRow(json: try JSONParser.parse(written)) else { fatalError("a written row does not read back: \(written)") }
    guard back.json == row.json else { fatalError("a written row read back changed: \(written) -> \(back.json.render())") }
    _ = row.request.duplicateHash
    return 0
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzRequestRow))
