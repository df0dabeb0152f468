import XCTest
@testable import Host
import RowBatch

final class ConfigTests: XCTestCase {
    func render(_ t: String, _ vars: String = "{}") throws -> String {
        try TemplateRenderer.render(t, variables: JSONParser.parse(vars))
    }

    func testStringContextEscapesAndLiteralContextTypes() throws {
        XCTAssertEqual(try render(#"{"a":"x{{ v }}y","n":{{ n }}}"#, #"{"v":"q\"\\","n":7}"#), #"{"a":"xq\"\\y","n":7}"#)
        XCTAssertEqual(try render(#"{"a":{{ v }}}"#, #"{"v":"text"}"#), #"{"a":"text"}"#)
        XCTAssertEqual(try render(#"{"a":"{{ o }}"}"#, #"{"o":{"k":1}}"#), #"{"a":"{\"k\":1}"}"#)
    }

    func testDefaultsAndDottedNames() throws {
        XCTAssertEqual(try render(#"{{ a | default(3) }},"{{ b | default('x') }}",{{ c | default("y") }}"#), #"3,"x","y""#)
        XCTAssertEqual(try render("{{ a | default(3) }}", #"{"a":4}"#), "4")
        XCTAssertEqual(try render("{{ db.port }}", #"{"db":{"port":5432}}"#), "5432")
    }

    func testEscapedQuoteDoesNotEndString() throws {
        XCTAssertEqual(try render(#""a\"{{ v }}""#, #"{"v":"\""}"#), #""a\"\"""#)
    }

    func testErrors() {
        XCTAssertThrowsError(try render("{{ a }} {{ b }} {{ a }}")) { e in
            XCTAssertTrue("\(e)".contains("unknown template variables: a, b"), "\(e)")
        }
        XCTAssertThrowsError(try render("{{ a | upper }}")) { XCTAssertTrue("\($0)".contains("unsupported template filter")) }
        XCTAssertThrowsError(try render("{{ a ")) { XCTAssertTrue("\($0)".contains("unterminated")) }
        XCTAssertThrowsError(try render("{{ a | default(nope) }}")) { XCTAssertTrue("\($0)".contains("not a JSON literal")) }
        // Found by Fuzz/fuzz-template: an empty placeholder crashed the host (index out of range).
        XCTAssertThrowsError(try render("2E;{{}}(")) { XCTAssertTrue("\($0)".contains("invalid template variable name '{{}}'"), "\($0)") }
        // Found by Fuzz/fuzz-template: a placeholder missing its `}}` swallowed the config up to
        // the next placeholder's (here: a default of "archival') u}\", ... 'sunbird_courses").
        let unclosed = #"{"mode": "{{ mode | default('archival') u}", "ks": "{{ ks | default('sunbird_courses') }}"}"#
        XCTAssertThrowsError(try render(unclosed)) { XCTAssertTrue("\($0)".contains("unterminated '{{'"), "\($0)") }
        XCTAssertThrowsError(try render("{{ a | default('x' 'y') }}")) { XCTAssertTrue("\($0)".contains("not one quoted string"), "\($0)") }
    }

    func testSetOverrides() throws {
        XCTAssertEqual(try EffectiveConfig.parseOverride("a=1").1, .int(1))
        XCTAssertEqual(try EffectiveConfig.parseOverride("a=x=y").1, .string("x=y"))
        XCTAssertEqual(try EffectiveConfig.parseOverride("a=").1, .string(""))
        XCTAssertEqual(try EffectiveConfig.parseOverride("batch=0134278454483681283").1, .string("0134278454483681283"), "not a JSON number")
        XCTAssertThrowsError(try EffectiveConfig.parseOverride("novalue"))
    }
}

final class JSONTests: XCTestCase {
    func testExactTypesAndOrder() throws {
        let v = try JSONParser.parse(#" {"z":1,"a":1.0,"b":true,"n":null,"s":"\u00e9\ud83d\ude00\n","l":[-1,2e3]} "#)
        XCTAssertEqual(
            v,
            .object([
                ("z", .int(1)), ("a", .double(1)), ("b", .bool(true)), ("n", .null),
                ("s", .string("é😀\n")), ("l", .array([.int(-1), .double(2000)])),
            ]))
        XCTAssertEqual(v.render(), #"{"z":1,"a":1.0,"b":true,"n":null,"s":"é😀\n","l":[-1,2000.0]}"#)
    }

    func testProjectBuildsOnlyWantedKeys() throws {
        let line = #"{"a":1,"skip":{"x":[1,"}"]},"s":"q\"\\","e\u0041":true,"b":"x"}"#
        var text = line
        let keys = ["b", "a", "eA", "missing"].map { Array($0.utf8) }
        let cells = try text.withUTF8 { try JSONParser.project(UnsafeRawBufferPointer($0), keys: keys) }
        XCTAssertEqual(cells, [.string("x"), .int(1), .bool(true), .null])
        for bad in [#"[1]"#, #"{"a":1"#, #"{"a" 1}"#, #"{"a":"x}"#, #"{"a":1} x"#] {
            var t = bad
            XCTAssertThrowsError(try t.withUTF8 { try JSONParser.project(UnsafeRawBufferPointer($0), keys: keys) }, bad)
        }
    }

    func testRejectsMalformed() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"\u{01}\"", "1 2", "\"\\x\"", "01x", "0134", "-01", "[00]"] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad)
        }
    }

    func testJavaNumberText() {
        XCTAssertEqual(NumberText.java(1), "1.0")
        XCTAssertEqual(NumberText.java(0.5), "0.5")
        XCTAssertEqual(NumberText.java(1e7), "1.0E7")
        XCTAssertEqual(NumberText.java(1.5e-5), "1.5E-5")
        XCTAssertEqual(NumberText.java(123456.789), "123456.789")
        XCTAssertEqual(NumberText.java(-0.0), "-0.0")
        XCTAssertEqual(NumberText.java(0.001), "0.001")
        XCTAssertEqual(NumberText.java(0.0001), "1.0E-4")
        XCTAssertEqual(NumberText.java(9999999), "9999999.0")
        XCTAssertEqual(NumberText.java(-12345678.9), "-1.23456789E7")
        XCTAssertEqual(NumberText.java(1e21), "1.0E21")
        XCTAssertEqual(NumberText.java(100), "100.0")
    }
}

final class StoreSettingsTests: XCTestCase {
    func testPostgresConninfoSources() throws {
        XCTAssertEqual(StoreFactory.postgresConninfo("host=x dbname=y"), "host=x dbname=y", "given conninfo wins")
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] == nil else { return }
        let params = try JSONParser.parse(#"{"sparkCassandraConnectionHost":"db.internal:6432"}"#)
        XCTAssertEqual(StoreFactory.postgresConninfo("", modelParams: params), "host='db.internal' port='6432'")
        XCTAssertEqual(
            StoreFactory.postgresConninfo("", modelParams: try JSONParser.parse(#"{"sparkCassandraConnectionHost":"o'neil"}"#)),
            #"host='o\'neil'"#)
        XCTAssertEqual(StoreFactory.postgresConninfo("", modelParams: nil), "", "then libpq's PG* variables")
    }
}
