import XCTest

@testable import RowBatch

final class JSONTextTests: XCTestCase {
    func testQuoteEscapesWhatRFC8259RequiresAndNothingMore() {
        XCTAssertEqual(JSONText.quote("plain é / ✓"), #""plain é / ✓""#)
        XCTAssertEqual(JSONText.quote(#"say "hi" \ ok"#), #""say \"hi\" \\ ok""#)
        XCTAssertEqual(JSONText.quote("a\nb\rc\td\u{08}e\u{0C}f\u{01}g\u{1F}é\""), #""a\nb\rc\td\be\ff\u0001g\u001fé\"""#)
        XCTAssertEqual(JSONText.quote(""), #""""#)
        // Every character below 0x80 and a few beyond read back as themselves.
        let all = String((1..<0x80).map { Character(Unicode.Scalar($0)!) }) + "é✓😀"
        XCTAssertEqual(try JSONParser.parse(JSONText.quote(all)).string, all)
    }
}

/// Found by Fuzz/fuzz-json: a number beyond a double's range became infinity, which renders as text
/// that is not JSON, so a rewritten row or config could not be read again.
final class JSONParserRangeTests: XCTestCase {
    func testNumbersBeyondADoublesRangeAreRefused() {
        for text in ["\n\n22222e2222", "-1e400", "[1, 2e999]"] {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { XCTAssertTrue("\($0)".contains("out of range"), "\($0)") }
        }
        XCTAssertEqual(try JSONParser.parse("1.7976931348623157e308"), .double(.greatestFiniteMagnitude))
        XCTAssertEqual(try JSONParser.parse("1e-400"), .double(0), "underflow is zero, which renders back as JSON")
    }
}

/// Issue 31 class 1: the parser recurses, so nesting is bounded; a document past the bound is an
/// error naming it, never a stack overflow, in both the whole-value and the projecting parser.
final class JSONParserDepthTests: XCTestCase {
    func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    func testNestingUpToTheLimitParsesAndRendersBack() throws {
        let arrays = nested(JSONParser.maxDepth)
        XCTAssertEqual(try JSONParser.parse(arrays).render(), arrays)
        let objects = nested(JSONParser.maxDepth - 1, open: #"{"a":"#, close: "}", inner: "[]")
        XCTAssertEqual(try JSONParser.parse(objects).render(), objects)
    }

    func testOneLevelPastTheLimitIsRefusedNamingIt() {
        for text in [nested(JSONParser.maxDepth + 1), nested(JSONParser.maxDepth, open: #"{"a":"#, close: "}", inner: "{}"), nested(100_000)] {
            XCTAssertThrowsError(try JSONParser.parse(text)) {
                XCTAssertTrue("\($0)".contains("nested deeper than \(JSONParser.maxDepth) levels"), "\($0)")
            }
        }
    }

    func testTheProjectingParserIsBoundedToo() throws {
        var deep = #"{"a":1,"b":"# + nested(JSONParser.maxDepth) + "}"
        XCTAssertThrowsError(try deep.withUTF8 { try JSONParser.project(UnsafeRawBufferPointer($0), keys: [Array("a".utf8)]) })
        XCTAssertThrowsError(try deep.withUTF8 { try JSONParser.project(UnsafeRawBufferPointer($0), keys: [Array("b".utf8)]) })
        var fits = #"{"a":1,"b":"# + nested(JSONParser.maxDepth - 1) + "}"
        XCTAssertEqual(try fits.withUTF8 { try JSONParser.project(UnsafeRawBufferPointer($0), keys: [Array("a".utf8)]) }, [.int(1)])
    }
}

final class NumberTextTests: XCTestCase {
    /// The plain-range shortcut prints what the general layout does, over random doubles of every
    /// magnitude the shortcut takes and its edges.
    func testPlainRangeShortcutAgreesWithTheLayout() {
        var g = SystemRandomNumberGenerator()
        var values: [Double] = [1e-3, 0.001, 0.0015, 9_999_999.999, 1e7.nextDown, 1, 10, 7.5, 0.33, 15, 100, 123_456.789, 1e-3.nextUp]
        for _ in 0..<20_000 {
            let exponent = Double.random(in: -3...7, using: &g)
            values.append(pow(10, exponent) * (Bool.random(using: &g) ? 1 : -1))
            values.append(Double(Int.random(in: -9_999_999...9_999_999, using: &g)))
            values.append(Double(Int.random(in: 0...100_000, using: &g)) / 100)
        }
        for v in values where abs(v) >= 1e-3 && abs(v) < 1e7 {
            XCTAssertEqual(NumberText.java(v), NumberText.laidOut(v), "\(v)")
        }
        XCTAssertEqual(NumberText.java(1e7), "1.0E7")
        XCTAssertEqual(NumberText.java(1e-4), "1.0E-4")
        XCTAssertEqual(NumberText.java(-0.0), "-0.0")
    }
}
