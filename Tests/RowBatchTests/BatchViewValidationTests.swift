import PluginAPI
import XCTest
@testable import RowBatch

/// A plugin's broken batch is refused with the column and the reason before any value is read (each
/// case a way Fuzz/fuzz-arrow found the reader crashing or reading outside the plugin's buffers).
final class BatchViewValidationTests: XCTestCase {
    let fields = [Field("id", .int64), Field("name", .utf8), Field("ok", .bool)]

    /// A valid 3-row batch, changed by `corrupt` before it is viewed; returns the refusal.
    func refusal(_ corrupt: (UnsafeMutablePointer<ArrowArray>) -> Void) -> String? {
        let b = BatchBuilder(fields: fields)
        for (i, name) in ["a", "bb", "ccc"].enumerated() { try! b.append([.int(Int64(i)), .string(name), .bool(i % 2 == 0)]) }
        return try! b.withExported { schema, array in
            XCTAssertNoThrow(try BatchView(schema: schema, array: array), "the batch is valid before it is changed")
            // Put everything back before the batch is released.
            let top = array.pointee
            let children = (0..<fields.count).map { top.children[$0]!.pointee }
            let buffers = children.map { c in (0..<Int(c.n_buffers)).map { c.buffers[$0] } }
            defer {
                array.pointee = top
                for (i, c) in children.enumerated() {
                    top.children[i]!.pointee = c
                    for (j, b) in buffers[i].enumerated() { UnsafeMutablePointer(mutating: c.buffers)![j] = b }
                }
            }
            corrupt(array)
            do {
                _ = try BatchView(schema: schema, array: array)
                return nil
            } catch { return "\(error)" }
        }
    }

    func column(_ a: UnsafeMutablePointer<ArrowArray>, _ i: Int) -> UnsafeMutablePointer<ArrowArray> { a.pointee.children[i]! }

    func testNegativeLengthsAndOffsetsAreRefused() {
        XCTAssertTrue(refusal { $0.pointee.length = -1 }?.contains("length -1") == true)
        XCTAssertTrue(refusal { $0.pointee.offset = -2 }?.contains("offset -2") == true)
        XCTAssertTrue(refusal { self.column($0, 0).pointee.length = -3 }?.contains("column 'id': length -3") == true)
    }

    func testAColumnShorterThanTheBatchIsRefused() {
        XCTAssertEqual(refusal { self.column($0, 1).pointee.length = 2 }, "column 'name': 2 values, the batch needs 3")
        XCTAssertEqual(refusal { $0.pointee.offset = 1 }, "column 'id': 3 values, the batch needs 4")
    }

    func testStringOffsetsThatGoBackwardsOrBelowZeroAreRefused() throws {
        let backwards = refusal { a in
            let offsets = UnsafeMutableRawPointer(mutating: self.column(a, 1).pointee.buffers[1]!).assumingMemoryBound(to: Int32.self)
            offsets[2] = 0
        }
        XCTAssertEqual(backwards, "column 'name': string offsets go backwards at value 1 (1 then 0)")
        let negative = refusal { a in
            UnsafeMutableRawPointer(mutating: self.column(a, 1).pointee.buffers[1]!).assumingMemoryBound(to: Int32.self)[0] = -5
        }
        XCTAssertEqual(negative, "column 'name': string offset -5 is negative")
    }

    func testMissingBuffersAreRefused() {
        XCTAssertEqual(
            refusal { a in UnsafeMutablePointer(mutating: self.column(a, 0).pointee.buffers)![1] = nil }, "column 'id': no data buffer")
        XCTAssertEqual(
            refusal { a in UnsafeMutablePointer(mutating: self.column(a, 1).pointee.buffers)![1] = nil }, "column 'name': no offsets buffer")
        XCTAssertEqual(
            refusal { a in UnsafeMutablePointer(mutating: self.column(a, 1).pointee.buffers)![2] = nil }, "column 'name': no string data buffer")
        XCTAssertEqual(refusal { self.column($0, 2).pointee.buffers = nil }, "column 'ok': no buffers")
        XCTAssertEqual(refusal { self.column($0, 2).pointee.n_buffers = 3 }, "column 'ok': 3 buffers, expected 2")
        XCTAssertEqual(
            refusal { a in
                self.column(a, 0).pointee.null_count = 1
                UnsafeMutablePointer(mutating: self.column(a, 0).pointee.buffers)![0] = nil
            }, "column 'id': null_count 1 without a validity bitmap")
        XCTAssertEqual(refusal { $0.pointee.children = nil }, "batch array has 3 columns but no children")
    }
}
