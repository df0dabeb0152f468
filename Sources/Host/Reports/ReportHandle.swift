import Foundation
import PluginAPI
import JobParameters
import RowBatch

/// What a `dp_report *` points at.
final class ReportHandle {
    let sink: ReportSink
    unowned let run: RunContext
    init(sink: ReportSink, run: RunContext) {
        self.sink = sink
        self.run = run
    }
}
