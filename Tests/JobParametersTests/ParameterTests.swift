import JobParameters
import RowBatch
import XCTest

/// Declared parameters: canonical values, upstream spellings accepted, wrong types refused by name.
final class ParameterTests: XCTestCase {
    static let limit = Param<Int>("batchLimitPerRequest", default: 20, in: 1...1000, doc: "max batches")
    static let url = Param<String?>("contentSearchUrl", doc: "search API")
    static let mode = Param<String>("mode", default: "archival", oneOf: ["archival", "delete"], doc: "what to do")
    static let columns = Param<[String]>("csvColumns", default: [], doc: "columns")
    static let best = Param<Bool>("bestScoreReport", default: true, doc: "best attempt")
    static let request = Param<JSONValue>(required: "request", doc: "what to archive")
    static let wait = Param<Seconds>("wait", default: Seconds(30), doc: "how long")
    static let ratio = Param<Double>("ratio", default: 0.5, doc: "a share")
    static let keys: [any ParameterDeclaring] = [limit, url, mode, columns, best, request, wait, ratio]
    static let all: [Parameter] = keys.map(\.declaration)

    func resolve(_ json: String) throws -> ResolvedParameters {
        try ResolvedParameters(try JSONParser.parse(json), declared: Self.all)
    }

    func testDefaultsFillWhatTheConfigLeavesOut() throws {
        let p = try resolve(#"{"request": {"archivalTable": "t"}}"#)
        XCTAssertEqual(p[Self.limit], 20)
        XCTAssertNil(p[Self.url])
        XCTAssertEqual(p[Self.mode], "archival")
        XCTAssertEqual(p[Self.columns], [])
        XCTAssertTrue(p[Self.best])
        XCTAssertEqual(p[Self.request]["archivalTable"]?.string, "t")
        XCTAssertEqual(p[Self.wait], Seconds(30))
        XCTAssertEqual(p[Self.ratio], 0.5)
    }

    func testUpstreamSpellingsAreAccepted() throws {
        let p = try resolve(
            #"{"request": {}, "batchLimitPerRequest": "4", "bestScoreReport": "false", "csvColumns": "a, b,c", "wait": "5m", "ratio": 2}"#)
        XCTAssertEqual(p[Self.limit], 4)
        XCTAssertFalse(p[Self.best])
        XCTAssertEqual(p[Self.columns], ["a", "b", "c"])
        XCTAssertEqual(p[Self.wait], Seconds(300))
        XCTAssertEqual(p[Self.ratio], 2.0)
    }

    func testEveryProblemIsNamedAtOnce() {
        XCTAssertThrowsError(
            try resolve(#"{"batchLimitPerRequest": "many", "mode": "purge", "bestScoreReport": 3, "csvColumns": {}, "wait": "soon"}"#)
        ) { e in
            let problems = (e as! ParameterError).problems
            XCTAssertEqual(
                problems,
                [
                    #"modelParams.batchLimitPerRequest: expected an integer from 1 to 1000, got string "many""#,
                    "modelParams.mode: expected one of archival, delete, got string \"purge\"",
                    "modelParams.csvColumns: expected a list (JSON array, or comma-separated text), got object {}",
                    "modelParams.bestScoreReport: expected true or false, got number 3",
                    "modelParams.request is required (object: what to archive)",
                    "modelParams.wait: expected a duration (seconds, or text like 90s, 5m, 2h, 1d), got string \"soon\"",
                ].sorted { a, b in Self.order(a) < Self.order(b) })
        }
    }

    /// Problems come in declaration order.
    static func order(_ problem: String) -> Int {
        all.firstIndex { problem.hasPrefix("modelParams.\($0.name)") } ?? .max
    }

    func testUndeclaredKeysPassThroughAndNullMeansUnset() throws {
        let p = try resolve(#"{"request": {}, "sparkCassandraConnectionHost": "db", "contentSearchUrl": null}"#)
        XCTAssertEqual(p["sparkCassandraConnectionHost"]?.string, "db")
        XCTAssertNil(p[Self.url])
    }

    func testModelParamsMustBeAnObject() {
        XCTAssertThrowsError(try ResolvedParameters(.array([]), declared: [])) { e in
            XCTAssertEqual((e as! ParameterError).problems, ["modelParams must be a JSON object"])
        }
    }

    func testSchemaRoundTripsThroughItsJSON() {
        let json = ParameterSchema.json(Self.all)
        let back = ParameterSchema.parse(try! JSONParser.parse(json.render())).compactMap(\.parameter)
        XCTAssertEqual(back, Self.all)
        XCTAssertEqual(json["mode"]?["choices"], .array([.string("archival"), .string("delete")]))
        XCTAssertEqual(json["request"]?["required"], .bool(true))
    }

    /// Issue 31 class 6: an integer outside its declared range, and a double or duration that is not
    /// finite, are refused naming the key and the range; the range travels in the schema.
    func testRangesAndNonFiniteNumbersAreRefused() throws {
        for (json, problem) in [
            (#"{"request":{},"batchLimitPerRequest":0}"#, "modelParams.batchLimitPerRequest: expected an integer from 1 to 1000, got number 0"),
            (#"{"request":{},"batchLimitPerRequest":"-1"}"#, "modelParams.batchLimitPerRequest: expected an integer from 1 to 1000"),
            (#"{"request":{},"batchLimitPerRequest":1e30}"#, "modelParams.batchLimitPerRequest: expected an integer from 1 to 1000"),
            (#"{"request":{},"ratio":"nan"}"#, "modelParams.ratio: expected a finite number"),
            (#"{"request":{},"ratio":"-inf"}"#, "modelParams.ratio: expected a finite number"),
            (#"{"request":{},"wait":"inf"}"#, "modelParams.wait: expected a duration"),
            (#"{"request":{},"wait":"1e308d"}"#, "modelParams.wait: expected a duration"),
        ] {
            XCTAssertThrowsError(try resolve(json), json) { XCTAssertTrue("\($0)".contains(problem), "\($0)") }
        }
        XCTAssertEqual(try resolve(#"{"request":{},"batchLimitPerRequest":"1000"}"#)[Self.limit], 1000)
        XCTAssertEqual(ParameterSchema.json(Self.all)["batchLimitPerRequest"]?["min"], .int(1))
    }

    func testAnUnknownTypeFromAnOlderPluginIsKeptUnchecked() throws {
        let parsed = ParameterSchema.parse(try JSONParser.parse(#"{"x": {"type": "number", "doc": "?"}}"#))
        XCTAssertEqual(parsed.count, 1)
        XCTAssertNil(parsed[0].parameter)
    }
}
