import Foundation
@testable import Host
import CLibFuzzer
import RowBatch

/// The model-config template renderer: any template text either renders or fails with a config
/// error; text without `{{` comes back unchanged; a template that renders and whose variables are
/// all strings inserted inside JSON strings keeps a JSON config JSON.
let variables = try! JSONParser.parse(
    #"{"env":"dev","quote":"a\"b\\c","num":8,"flag":true,"nested":{"host":"db","port":5432},"list":[1,"x"],"empty":"","nul":null}"#)

func fuzzTemplate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let template = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let rendered: String
    do { rendered = try TemplateRenderer.render(template, variables: variables) } catch { return 0 }
    if !template.contains("{{") && rendered != template { fatalError("text without placeholders changed: \(template.debugDescription)") }
    // A JSON template whose placeholders all sit inside strings must still be JSON once rendered.
    if (try? JSONParser.parse(template)) != nil, (try? JSONParser.parse(rendered)) == nil {
        fatalError("a JSON template rendered to text that is not JSON: \(template.debugDescription) -> \(rendered.debugDescription)")
    }
    return 0
}

var argc = CommandLine.argc
var argv = Optional(CommandLine.unsafeArgv)
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzTemplate))
