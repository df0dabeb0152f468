import Foundation
import RowBatch

/// ABI 1.10: the work items of one run of a job (e.g. one per course batch), drained by every host
/// that runs the job; each item's output is kept with it and the combined output written once.
protocol WorkQueue: AnyObject {
    /// True when other hosts drain the same items.
    var shared: Bool { get }
    func declare(_ items: [String]) throws
    /// The next claimable item, leased to this host; nil when none is claimable now.
    func next() throws -> String?
    /// Stores the claimed item's rows and marks it done, if this host still holds its lease;
    /// false when another host took it over (its rows stand).
    func done(_ item: String, columns: [Field], rows: [[JSONValue]]) throws -> Bool
    func finish() throws -> WorkState
    /// Every item's rows in item order, a batch per item.
    func outputs(_ emit: (BatchBuilder) throws -> Void) throws
}

enum WorkState: Int32 {
    case combine = 1, doneElsewhere = 2, retry = 3
}

/// One row of an item's output as stored: its cells as JSON (json-typed cells as the document).
enum WorkRows {
    static func encode(_ batch: BatchView) throws -> [[JSONValue]] {
        try (0..<batch.count).map { r in
            try batch.fields.indices.map { c in
                switch batch.value(c, r) {
                case .null: return .null
                case .bool(let b): return .bool(b)
                case .int(let i): return .int(i)
                case .double(let d): return .double(d)
                case .string(let s): return .string(s)
                case .json(let text): return try JSONParser.parse(text)
                }
            }
        }
    }

    static func decode(_ rows: [[JSONValue]], columns: [Field], into builder: BatchBuilder) throws {
        for row in rows {
            try builder.append(
                zip(row, columns).map { cell, f -> Value in
                    if cell.isNull { return .null }
                    switch f.type {
                    case .json: return .json(cell.render())
                    case .int64: return cell.int.map(Value.int) ?? .null
                    case .float64:
                        if case .double(let d) = cell { return .double(d) }
                        return cell.int.map { .double(Double($0)) } ?? .null
                    case .bool:
                        if case .bool(let b) = cell { return .bool(b) }
                        return .null
                    case .utf8: return .string(cell.string ?? cell.render())
                    }
                })
        }
    }
}

/// This host does every item, in process (a store without a shared queue).
final class LocalWorkQueue: WorkQueue {
    var shared: Bool { false }
    private var pending: [String] = []
    private var declared: Set<String> = []
    private var results: [String: (columns: [Field], rows: [[JSONValue]])] = [:]

    func declare(_ items: [String]) throws {
        for i in items where declared.insert(i).inserted { pending.append(i) }
    }

    func next() throws -> String? { pending.isEmpty ? nil : pending.removeFirst() }

    func done(_ item: String, columns: [Field], rows: [[JSONValue]]) throws -> Bool {
        results[item] = (columns, rows)
        return true
    }

    func finish() throws -> WorkState { pending.isEmpty ? .combine : .retry }

    func outputs(_ emit: (BatchBuilder) throws -> Void) throws {
        for item in declared.sorted() {
            guard let r = results[item] else { continue }
            let b = BatchBuilder(fields: r.columns)
            try WorkRows.decode(r.rows, columns: r.columns, into: b)
            try emit(b)
        }
    }
}
