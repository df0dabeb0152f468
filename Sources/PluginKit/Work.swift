import PluginAPI

/// A run's work spread over hosts (ABI 1.10): every host that runs the job declares the same items
/// and drains them; the one that finds them all done combines their outputs into the reports.
///
///     let work = try job.work()
///     try work.declare(work.shared ? batchIds : ["all"])
///     guard try work.drain(columns: cols, { item in rows(for: item) }) else { return }  // another host combines
///     try work.outputs { row in ... }   // every item's rows, in item order
public final class WorkItems {
    private let context: JobContext
    /// True when other hosts drain the same items (the run's store is PostgreSQL).
    public let shared: Bool

    init(context: JobContext, shared: Bool) { (self.context, self.shared) = (context, shared) }

    public func declare(_ items: [String]) throws {
        let strings = StringArena()
        var list = items.map { strings.dp($0) }
        var ignored: Int32 = 0
        try context.check(list.withUnsafeMutableBufferPointer { context.host.pointee.work_declare!(context.run, $0.baseAddress, $0.count, &ignored) })
    }

    /// Claims items until none is left, each one's rows from `body`; then waits for the other hosts.
    /// True when this host combines the run (read `outputs`, write the reports); false when another does.
    public func drain(columns: [Field], _ body: (String) throws -> [[Value]]) throws -> Bool {
        let host = context.host.pointee
        while true {
            while let item = try next() {
                let rows = try body(item)
                let builder = BatchBuilder(fields: columns)
                for row in rows { do { try builder.append(row) } catch { throw JobError(.data, "item \(item): \(error)") } }
                try builder.withExported { schema, array in
                    try context.check(withDPStr(item) { host.work_done!(context.run, $0, schema, array) })
                }
            }
            var state: Int32 = 0
            try context.check(host.work_finish!(context.run, &state))
            switch state {
            case DP_WORK_COMBINE: return true
            case DP_WORK_DONE_ELSEWHERE: return false
            default: continue  // DP_WORK_RETRY: a dead host's item is claimable again
            }
        }
    }

    private func next() throws -> String? {
        var out = dp_str(data: nil, len: 0)
        try context.check(context.host.pointee.work_next!(context.run, &out))
        return out.len == 0 ? nil : out.string
    }

    /// Every item's output rows, item by item in item order (after `drain` returned true).
    public func outputs(_ body: (Row) throws -> Void) throws {
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink { batch in
                let names = RowColumns(batch.fields.map(\.name), source: "work_outputs")
                for i in 0..<batch.count { try body(Row(batch: batch, index: i, names: names)) }
            }
            let status = context.host.pointee.work_outputs!(context.run, scanCallback, Unmanaged.passUnretained(sink).toOpaque())
            if let error = sink.error { throw error }
            try context.check(status)
        }
    }
}

extension JobContext {
    /// This run's work items (ABI 1.10).
    public func work() throws -> WorkItems {
        try requireHost(\.work_outputs, minor: 10, for: "work spread over hosts")
        var shared: Int32 = 0
        try check(host.pointee.work_declare!(run, nil, 0, &shared))
        return WorkItems(context: self, shared: shared != 0)
    }
}
