import Foundation
import CLibFuzzer
import RowBatch

/// The CSV writer both report dialects use, against the reader a merge reads published reports
/// with: records (rows split at 0x01, fields at 0x00) written by a dialect read back as the same
/// fields — exactly for RFC 4180, trimmed as Java's `trim` for Spark's. With DP_FUZZ_CSV_DUMP set,
/// each input's records and text are appended to that file as a JSON line, for scripts/fuzz.sh to
/// check against Python's csv module.
func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)  // valid UTF-8 from here on
    let records = input.split(separator: "\u{1}", omittingEmptySubsequences: false).map {
        $0.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    }
    for dialect in CSVDialect.allCases {
        var text: [UInt8] = []
        for record in records {
            for (i, field) in record.enumerated() {
                if i > 0 { text.append(0x2C) }
                var f = field
                f.withUTF8 { dialect.appendField(UnsafeRawBufferPointer($0), to: &text) }
            }
            text.append(0x0A)
        }
        let expected = dialect == .spark ? records.map { $0.map(javaTrim) } : records
        let read: [[String]]
        do { read = try text.withUnsafeBytes { try CSVReader(dialect).records($0) } } catch {
            fatalError("\(dialect): our own CSV does not read back: \(error)")
        }
        guard read == expected else {
            fatalError("\(dialect): \(expected) was written as \(String(decoding: text, as: UTF8.self).debugDescription), read as \(read)")
        }
        dump(dialect, expected, text)
    }
    return 0
}

/// Java's String.trim: every character up to U+0020 off both ends.
func javaTrim(_ s: String) -> String {
    var u = Substring(s).unicodeScalars[...]
    while let f = u.first, f.value <= 0x20 { u = u.dropFirst() }
    while let l = u.last, l.value <= 0x20 { u = u.dropLast() }
    return String(String.UnicodeScalarView(u))
}

let dumpFile: UnsafeMutablePointer<FILE>? = ProcessInfo.processInfo.environment["DP_FUZZ_CSV_DUMP"].flatMap { fopen($0, "a") }

func dump(_ dialect: CSVDialect, _ records: [[String]], _ text: [UInt8]) {
    guard let dumpFile else { return }
    let line =
        JSONValue.object([
            ("dialect", .string(dialect.rawValue)),
            ("records", .array(records.map { .array($0.map(JSONValue.string)) })),
            ("csv", .string(String(decoding: text, as: UTF8.self))),
        ]).render() + "\n"
    fputs(line, dumpFile)
    fflush(dumpFile)
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzCSV))
