import Foundation
import CLibFuzzer
import RowBatch

/// The JSON parser every config, request row, API answer, fixture line and plugin result goes
/// through: any bytes either parse or throw, and what parses renders to text that parses back to the
/// same value (so a row the host rewrites reads back unchanged).
func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    let text = value.render()
    guard let again = try? JSONParser.parse(text) else { fatalError("rendered JSON does not parse: \(text)") }
    guard again == value else { fatalError("the round trip changed the value: \(text) -> \(again.render())") }
    return 0
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzJSON))
