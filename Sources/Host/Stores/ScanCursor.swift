import Foundation
import PluginAPI
import RowBatch

/// A pull scan (ABI 1.5 cursor_open / cursor_next / cursor_close). The store's push scan runs on a
/// thread of its own and parks exported batches in a bounded queue; the job takes them when it wants
/// them, so it can hold two ordered scans open and merge-join them. Closing stops the producer
/// (its next batch is refused), frees what it had queued and waits for it to let go of the store.
final class ScanCursor: @unchecked Sendable {
    unowned let run: RunContext
    let what: String
    let table: String
    private let condition = NSCondition()
    private var queued: [(ArrowSchema, ArrowArray)] = []  // exported batches owned by the cursor
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var closed = false

    private struct Closed: Error {}

    static let defaultReadAhead = 8, maxReadAhead = 1024

    init(store: TableStore, request: ScanRequest, readAhead: Int, run: RunContext) {
        self.run = run
        what = "scan of \(request.qualifiedName)"
        table = request.qualifiedName
        capacity = readAhead <= 0 ? Self.defaultReadAhead : min(readAhead, Self.maxReadAhead)
        let work = UncheckedBox((store, request))
        Thread { [self] in
            var error: Error?
            do {
                try work.value.0.scan(work.value.1) { builder in try self.park(builder) }
            } catch is Closed {
            } catch let e {
                error = e
            }
            condition.withLock {
                finished = true
                failure = error
                condition.broadcast()
            }
        }.start()
    }

    /// Producer: queues one exported batch, waiting while the queue is full.
    private func park(_ builder: BatchBuilder) throws {
        var schema = ArrowSchema(), array = ArrowArray()
        builder.export(schema: &schema, array: &array)
        let taken = condition.withLock { () -> Bool in
            while queued.count >= capacity && !closed { condition.wait() }
            guard !closed else { return false }
            queued.append((schema, array))
            condition.broadcast()
            return true
        }
        guard taken else {
            schema.release?(&schema)
            array.release?(&array)
            throw Closed()
        }
        if cancelRequested != 0 { throw HostCallError(status: DP_ERROR_CANCELLED, description: "\(what) cancelled") }
    }

    /// Moves the next batch into `schema`/`array`; false at the end; throws the scan's error.
    func next(schema: UnsafeMutablePointer<ArrowSchema>, array: UnsafeMutablePointer<ArrowArray>) throws -> Bool {
        try condition.withLock {
            while queued.isEmpty && !finished { condition.wait() }
            if !queued.isEmpty {
                let (s, a) = queued.removeFirst()
                schema.pointee = s
                array.pointee = a
                condition.broadcast()
                return true
            }
            if let failure { throw failure }
            return false
        }
    }

    /// Stops the producer and frees whatever it queued; idempotent.
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
            while !finished { condition.wait() }
            for i in queued.indices {
                queued[i].0.release?(&queued[i].0)
                queued[i].1.release?(&queued[i].1)
            }
            queued.removeAll()
        }
    }
}
