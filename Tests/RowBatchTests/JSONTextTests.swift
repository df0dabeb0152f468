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
