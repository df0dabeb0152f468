import Foundation
import RowBatch
import XCTest
@testable import Host

/// The query model (spec A4.1) turned into Druid's native JSON.
final class DruidQueryTests: XCTestCase {
    func native(_ model: String, interval: String = "2020-05-02/2020-05-06") throws -> JSONValue {
        try DruidQuery(try JSONParser.parse(model)).native(interval: interval)
    }

    func testGroupByWithFiltersHavingPostAggregationsAndExtraction() throws {
        let q = try native(
            #"""
            {"queryType":"GROUPBY","dataSource":"telemetry-events","intervals":"LastDay","granularity":"day",
             "aggregations":[{"type":"longSum","fieldName":"total_count"},{"name":"plays","type":"filtered","fieldName":"mid","filterAggType":"count","filterFieldName":"eid","filterValue":"START"}],
             "dimensions":[{"fieldName":"context_pdata_id","aliasName":"producer_id"},{"fieldName":"state","aliasName":"state_slug","type":"Extraction","extractionFn":[{"type":"registeredlookup","fn":"stateSlugLookup","retainMissingValue":true}]}],
             "filters":[{"type":"equals","dimension":"eid","value":"IMPRESSION"},{"type":"in","dimension":"channel","values":["a","b"]},{"type":"isnotnull","dimension":"uid"},{"type":"greaterthan","dimension":"size","value":"10"}],
             "having":{"type":"greaterThan","aggregation":"longsum_total_count","value":5},
             "postAggregation":[{"type":"arithmetic","name":"avg","fields":{"leftField":"longsum_total_count","rightField":"plays"},"fn":"/"}],
             "limitSpec":{"type":"default","limit":10}}
            """#)
        XCTAssertEqual(
            q.render(),
            #"{"queryType":"groupBy","dataSource":"telemetry-events","intervals":["2020-05-02/2020-05-06"],"granularity":"day","#
                + #""filter":{"type":"and","fields":[{"type":"selector","dimension":"eid","value":"IMPRESSION"},{"type":"in","dimension":"channel","values":["a","b"]},"#
                + #"{"type":"not","field":{"type":"selector","dimension":"uid","value":null}},{"type":"bound","dimension":"size","lower":"10","lowerStrict":true,"upper":"2147483647","ordering":"numeric"}]},"#
                + #""dimensions":[{"type":"default","dimension":"context_pdata_id","outputName":"producer_id"},"#
                + #"{"type":"extraction","dimension":"state","outputName":"state_slug","extractionFn":{"type":"registeredLookup","lookup":"stateSlugLookup","retainMissingValue":true}}],"#
                + #""having":{"type":"greaterThan","aggregation":"longsum_total_count","value":5},"#
                + #""aggregations":[{"type":"longSum","name":"longsum_total_count","fieldName":"total_count"},"#
                + #"{"type":"filtered","name":"plays","filter":{"type":"selector","dimension":"eid","value":"START"},"aggregator":{"type":"count","name":"plays"}}],"#
                + #""postAggregations":[{"type":"arithmetic","name":"avg","fn":"/","fields":[{"type":"fieldAccess","fieldName":"longsum_total_count"},{"type":"fieldAccess","fieldName":"plays"}]}]}"#,
            "limitSpec is ignored (QUIRK C1.1)")
    }

    func testTopNTimeseriesAndScanShapes() throws {
        let topN = try native(
            #"{"queryType":"topN","dataSource":"ds","intervals":"x/y","dimensions":[{"fieldName":"a"},{"fieldName":"b"}],"threshold":5,"metric":"count"}"#
        )
        XCTAssertEqual(topN["dimension"]?["dimension"], .string("a"), "topN uses the first dimension only")
        XCTAssertEqual(topN["threshold"], .int(5))
        XCTAssertEqual(topN["aggregations"]?.render(), #"[{"type":"count","name":"count"}]"#, "no aggregations: one count")
        let ts = try native(#"{"queryType":"timeseries","dataSource":"ds","intervals":"x/y"}"#)
        XCTAssertNil(ts["dimensions"])
        XCTAssertEqual(ts["granularity"], .string("all"), "granularity defaults to all")
        let latest = try native(#"{"queryType":"timeseries","dataSource":"ds","intervals":"x/y","granularity":"latest_index"}"#)
        XCTAssertEqual(latest["granularity"], .string("all"), "LATEST_INDEX (any case) is all over the newest segment")
        let scan = try native(#"{"queryType":"scan","dataSource":"ds","intervals":"x/y","columns":["a","__time"]}"#)
        XCTAssertEqual(scan["columns"]?.render(), #"["a","__time"]"#)
        XCTAssertEqual(scan["resultFormat"], .string("list"))
        XCTAssertNil(scan["aggregations"])
    }

    func testEveryFilterType() throws {
        func filter(_ f: String) throws -> String { try DruidParts.oneFilter(try JSONParser.parse(f)).render() }
        XCTAssertEqual(
            try filter(#"{"type":"notequals","dimension":"d","value":"v"}"#),
            #"{"type":"not","field":{"type":"selector","dimension":"d","value":"v"}}"#)
        XCTAssertEqual(
            try filter(#"{"type":"notin","dimension":"d","values":["v"]}"#), #"{"type":"not","field":{"type":"in","dimension":"d","values":["v"]}}"#)
        XCTAssertEqual(try filter(#"{"type":"isnull","dimension":"d"}"#), #"{"type":"selector","dimension":"d","value":null}"#)
        XCTAssertEqual(
            try filter(#"{"type":"contains","dimension":"d","value":"Ab"}"#),
            #"{"type":"search","dimension":"d","query":{"type":"contains","value":"Ab","caseSensitive":true}}"#)
        XCTAssertEqual(
            try filter(#"{"type":"containsIgnoreCase","dimension":"d","value":"Ab"}"#),
            #"{"type":"search","dimension":"d","query":{"type":"insensitive_contains","value":"Ab"}}"#)
        XCTAssertEqual(try filter(#"{"type":"regex","dimension":"d","value":"^a"}"#), #"{"type":"regex","dimension":"d","pattern":"^a"}"#)
        XCTAssertEqual(try filter(#"{"type":"like","dimension":"d","value":"a%"}"#), #"{"type":"like","dimension":"d","pattern":"a%"}"#)
        XCTAssertEqual(
            try filter(#"{"type":"lessthan","dimension":"d","value":"7"}"#),
            #"{"type":"bound","dimension":"d","lower":"0","upper":"7","upperStrict":true,"ordering":"numeric"}"#)
        XCTAssertThrowsError(try filter(#"{"type":"between","dimension":"d"}"#)) { XCTAssertTrue("\($0)".contains("Unsupported filter type")) }
    }

    func testConfigErrorsNameTheProblem() throws {
        XCTAssertThrowsError(try native(#"{"queryType":"select","dataSource":"ds","intervals":"x/y"}"#)) {
            XCTAssertTrue("\($0)".contains("Unknown druid query type found"), "\($0)")
        }
        XCTAssertThrowsError(
            try native(
                #"{"queryType":"groupBy","dataSource":"ds","intervals":"x/y","aggregations":[{"type":"filtered","fieldName":"f","filterAggType":"count"}]}"#
            )
        ) { XCTAssertTrue("\($0)".contains("Missing fields for filter type aggregation"), "\($0)") }
        XCTAssertThrowsError(
            try native(
                #"{"queryType":"groupBy","dataSource":"ds","intervals":"x/y","postAggregation":[{"type":"quantile","name":"q","fields":{"leftField":"a"}}]}"#
            )
        ) { XCTAssertTrue("\($0)".contains("Unsupported post aggregation type"), "\($0)") }
        XCTAssertThrowsError(try native(#"{"queryType":"groupBy","dataSource":"ds"}"#)) { XCTAssertTrue("\($0)".contains("needs intervals")) }
    }

    func testUnknownAggregationBecomesCountAndDefaultNames() throws {
        let a = try DruidParts.aggregation(try JSONParser.parse(#"{"type":"median","fieldName":"X"}"#))
        XCTAssertEqual(a.render(), #"{"type":"count","name":"median_x"}"#)
        let c = try DruidParts.aggregation(try JSONParser.parse(#"{"type":"doubleSum","fieldName":"Total"}"#))
        XCTAssertEqual(c.render(), #"{"type":"doubleSum","name":"doublesum_total","fieldName":"Total"}"#)
    }

    func testArithmeticWithAConstantAndJavascriptPostAggregation() throws {
        let p = try DruidParts.postAggregation(
            try JSONParser.parse(
                #"{"type":"arithmetic","name":"pct","fields":{"leftField":"a","rightField":"100","rightFieldType":"constant"},"fn":"*"}"#))
        XCTAssertEqual(
            p.render(),
            #"{"type":"arithmetic","name":"pct","fn":"*","fields":[{"type":"fieldAccess","fieldName":"a"},{"type":"constant","name":"constant","value":100}]}"#
        )
        let j = try DruidParts.postAggregation(
            try JSONParser.parse(#"{"type":"javascript","name":"r","fields":{"leftField":"a","rightField":"b"},"fn":"function(a,b){return a/b;}"}"#))
        XCTAssertEqual(j["fieldNames"]?.render(), #"["a","b"]"#)
    }

    func testBrokerChoiceByDataSourceName() throws {
        func rollup(_ ds: String) throws -> Bool {
            try DruidQuery(try JSONParser.parse(#"{"queryType":"groupBy","dataSource":"\#(ds)","intervals":"x/y"}"#)).usesRollupBroker
        }
        XCTAssertFalse(try rollup("telemetry-events"))
        XCTAssertTrue(try rollup("summary-rollup-syncts"))
        XCTAssertTrue(try rollup("summary-distinct-counts"))
        XCTAssertTrue(try rollup("content-model-snapshot"))
        XCTAssertEqual(DruidConnector.queryURL("http://b:8082"), "http://b:8082/druid/v2/")
        XCTAssertEqual(DruidConnector.queryURL("http://b:8082/"), "http://b:8082/druid/v2/")
        XCTAssertEqual(DruidConnector.queryURL("http://b:8082/druid/v2/"), "http://b:8082/druid/v2/")
    }
}
