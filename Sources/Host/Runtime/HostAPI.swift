import Foundation
import PluginAPI
import RowBatch

/// The host function table handed to every job (dp_host_api). Each entry turns the opaque `dp_run *`
/// back into its RunContext; no Swift error or object crosses the boundary.
enum HostAPI {
    static let table: UnsafeMutablePointer<dp_host_api> = {
        let t = UnsafeMutablePointer<dp_host_api>.allocate(capacity: 1)
        t.pointee = dp_host_api(
            size: UInt32(MemoryLayout<dp_host_api>.size),
            abi_major: UInt16(DP_ABI_MAJOR),
            abi_minor: UInt16(DP_ABI_MINOR),
            log: { run, level, message in
                let ctx = context(run)
                let l = JobLogger.Level(rawValue: Int(level)) ?? .info
                ctx.progress.outside { ctx.logger.log(l, message.string) }
            },
            set_error: { run, message in context(run).errorMessage = message.string },
            last_error: { run in context(run).lastError },
            job_id: { run in context(run).jobIdStr },
            model_config: { run in context(run).configStr },
            scan: { run, request, onBatch, user in
                let ctx = context(run)
                guard let request, let onBatch else {
                    return ctx.fail(StoreError.invalid("scan needs a request and a callback"))
                }
                do {
                    let r = try scanRequest(request.pointee)
                    try ctx.store.scan(r) { builder in
                        ctx.progress.read(r.qualifiedName, rows: builder.count)
                        try deliver(builder, onBatch, user, what: "scan of \(r.qualifiedName)")
                        if cancelRequested != 0 {
                            throw StoreError(status: DP_ERROR_CANCELLED, description: "scan of \(r.qualifiedName) cancelled")
                        }
                    }
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            report_open: { run, spec, out in
                let ctx = context(run)
                guard let spec, let out else { return ctx.fail(StoreError.invalid("report_open needs a spec and an out pointer")) }
                do {
                    let s = spec.pointee
                    let parts = (0..<s.n_partition_by).map { s.partition_by[$0].string }
                    let sink = try ReportSink(reportId: s.report_id.string, format: s.format, partitionBy: parts,
                                              stagingFiles: ctx.staging.files, dialect: ctx.csvDialect)
                    let handle = ReportHandle(sink: sink, run: ctx)
                    ctx.register(handle)
                    out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            report_write: { report, schema, array in
                guard let report else { return DP_ERROR_INVALID_ARGUMENT }
                let h = Unmanaged<ReportHandle>.fromOpaque(UnsafeRawPointer(report)).takeUnretainedValue()
                guard let schema, let array else { return h.run.fail(StoreError.invalid("report_write needs a batch")) }
                do {
                    let batch = try BatchView(schema: schema, array: array)
                    try h.sink.write(batch)
                    h.run.progress.wrote(h.sink.reportId, rows: batch.count)
                    return DP_OK
                } catch {
                    return h.run.fail(error)
                }
            },
            report_close: { report in
                guard let report else { return DP_ERROR_INVALID_ARGUMENT }
                let h = Unmanaged<ReportHandle>.fromOpaque(UnsafeRawPointer(report)).takeRetainedValue()
                do {
                    try h.sink.close()
                    h.run.closed(h)
                    return DP_OK
                } catch {
                    h.run.closed(h)
                    return h.run.fail(error)
                }
            },
            count: { run, name, delta in context(run).count(name.string, delta) },
            progress: { run, done, total in context(run).progress.job(done: done, total: total) },
            is_cancelled: { _ in cancelRequested != 0 ? 1 : 0 },
            http: { run, request, statusOut, bodyOut in
                let ctx = context(run)
                guard let request, let statusOut, let bodyOut else {
                    return ctx.fail(StoreError.invalid("http needs a request, status_out and body_out"))
                }
                let r = request.pointee
                do {
                    var headers: [(String, String)] = (0..<r.n_headers).map { i in
                        let line = r.headers[i].string
                        let parts = line.split(separator: ":", maxSplits: 1)
                        return (String(parts.first ?? ""), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
                    }
                    if !headers.contains(where: { $0.0.lowercased() == "user-id" }) { headers.append(("user-id", "analytics")) }
                    let body: String? = r.body.data == nil ? nil : r.body.string
                    if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                        headers.append(("Content-Type", "application/json"))
                    }
                    let response = try ctx.http.send(HTTPRequest(method: r.method.string, url: r.url.string, headers: headers,
                                                                 body: body, timeoutMs: Int(r.timeout_ms)))
                    statusOut.pointee = response.status
                    bodyOut.pointee = ctx.keepResponse(response.body)
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            redis_read: { run, keys, nKeys, fields, nFields, onBatch, user in
                let ctx = context(run)
                guard let onBatch, nKeys == 0 || keys != nil, nFields == 0 || fields != nil else {
                    return ctx.fail(StoreError.invalid("redis_read needs keys, fields and a callback"))
                }
                do {
                    let keyList = (0..<nKeys).map { keys![$0].string }
                    let fieldList = (0..<nFields).map { fields![$0].string }
                    try ctx.redis().read(keys: keyList, fields: fieldList) { builder in
                        ctx.progress.read("user cache", rows: builder.count)
                        try deliver(builder, onBatch, user, what: "redis_read")
                    }
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            redis_write: { run, schema, array in
                let ctx = context(run)
                guard let schema, let array else { return ctx.fail(StoreError.invalid("redis_write needs a batch")) }
                do {
                    try ctx.redis().write(try BatchView(schema: schema, array: array))
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            blob_put: { run, key, data in
                let ctx = context(run)
                do {
                    let bytes = data.data.map { Data(bytes: $0, count: data.len) } ?? Data()
                    try ctx.blob().put(key: try blobKey(key), data: bytes)
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            blob_get: { run, key, out in
                let ctx = context(run)
                guard let out else { return ctx.fail(StoreError.invalid("blob_get needs data_out")) }
                do {
                    out.pointee = ctx.keepBlob(try ctx.blob().get(key: try blobKey(key)))
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            blob_list: { run, prefix, onKey, user in
                let ctx = context(run)
                guard let onKey else { return ctx.fail(StoreError.invalid("blob_list needs a callback")) }
                do {
                    for key in try ctx.blob().list(prefix: prefix.string) {
                        let status = key.withCString { onKey(user, dp_str(data: $0, len: strlen($0))) }
                        if status != DP_OK { return status }
                    }
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            blob_delete: { run, key in
                let ctx = context(run)
                do {
                    try ctx.blob().delete(key: try blobKey(key))
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            request: { run in context(run).requestStr },
            set_result: { run, json in context(run).resultJSON = json.string },
            report_size: { run, reportId, out in
                let ctx = context(run)
                guard let out else { return ctx.fail(StoreError.invalid("report_size needs bytes_out")) }
                guard let bytes = ctx.reportBytes[reportId.string] else {
                    return ctx.fail(StoreError(status: DP_ERROR_NOT_FOUND, description: "no closed report '\(reportId.string)' in this run"))
                }
                out.pointee = bytes
                return DP_OK
            },
            decrypt_pii: { run, value, out in
                let ctx = context(run)
                guard let out else { return ctx.fail(StoreError.invalid("decrypt_pii needs out")) }
                out.pointee = ctx.keepDecrypted(DecryptUtil.decrypt(value.string, salt: ctx.sunbirdEncryptionKey))
                return DP_OK
            },
            table_upsert: { run, keyspace, table, keys, nKeys, schema, array in
                let ctx = context(run)
                guard let schema, let array, nKeys > 0, let keys else {
                    return ctx.fail(StoreError.invalid("table_upsert needs key columns and a batch"))
                }
                do {
                    try ctx.store.upsert(keyspace: keyspace.string, table: table.string, key: (0..<nKeys).map { keys[$0].string },
                                         batch: try BatchView(schema: schema, array: array))
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            table_delete: { run, keyspace, table, schema, array, out in
                let ctx = context(run)
                guard let schema, let array else { return ctx.fail(StoreError.invalid("table_delete needs a batch")) }
                do {
                    let n = try ctx.store.delete(keyspace: keyspace.string, table: table.string, batch: try BatchView(schema: schema, array: array))
                    out?.pointee = UInt64(n)
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            course_cache_members: { run, key, onBatch, user in
                let ctx = context(run)
                guard let onBatch else { return ctx.fail(StoreError.invalid("course_cache_members needs a callback")) }
                do {
                    let builder = BatchBuilder(fields: [Field("member", .utf8)])
                    for m in try ctx.courseCache().members(key.string) {
                        builder.set(0, .string(m))
                        builder.endRow()
                    }
                    try deliver(builder, onBatch, user, what: "course_cache_members")
                    return DP_OK
                } catch { return ctx.fail(error) }
            },
            cursor_open: { run, request, readAhead, out in
                let ctx = context(run)
                guard let request, let out else { return ctx.fail(StoreError.invalid("cursor_open needs a request and an out pointer")) }
                do {
                    let cursor = ScanCursor(store: ctx.store, request: try scanRequest(request.pointee), readAhead: Int(readAhead), run: ctx)
                    ctx.register(cursor)
                    out.pointee = OpaquePointer(Unmanaged.passRetained(cursor).toOpaque())
                    return DP_OK
                } catch {
                    return ctx.fail(error)
                }
            },
            cursor_next: { cursor, schema, array, done in
                guard let cursor, let schema, let array, let done else { return DP_ERROR_INVALID_ARGUMENT }
                let c = Unmanaged<ScanCursor>.fromOpaque(UnsafeRawPointer(cursor)).takeUnretainedValue()
                do {
                    let more = try c.next(schema: schema, array: array)
                    done.pointee = more ? 0 : 1
                    if more { c.run.progress.read(c.table, rows: Int(array.pointee.length)) }
                    return DP_OK
                } catch {
                    return c.run.fail(error)
                }
            },
            cursor_close: { cursor in
                guard let cursor else { return }
                let c = Unmanaged<ScanCursor>.fromOpaque(UnsafeRawPointer(cursor)).takeRetainedValue()
                c.close()
                c.run.closed(c)
            }
        )
        return t
    }()

    /// Hands a batch to a plugin's callback, borrowed for the call (whatever the plugin did not
    /// move is released after it); a non-DP_OK answer stops the producer with that status.
    private static func deliver(_ builder: BatchBuilder, _ onBatch: dp_batch_fn, _ user: UnsafeMutableRawPointer?,
                                what: String) throws {
        var schema = ArrowSchema(), array = ArrowArray()
        builder.export(schema: &schema, array: &array)
        let status = onBatch(user, &schema, &array)
        schema.release?(&schema)
        array.release?(&array)
        if status != DP_OK { throw StoreError(status: status, description: "\(what) stopped by the job (status \(status))") }
    }

    /// A plugin's blob key, checked: relative, no "..".
    private static func blobKey(_ key: dp_str) throws -> String {
        let k = key.string
        guard !k.isEmpty, !k.hasPrefix("/"), !k.split(separator: "/").contains("..") else {
            throw StoreError.invalid("blob key '\(k)' must be a relative path without '..'")
        }
        return k
    }

    static func pointer(for ctx: RunContext) -> OpaquePointer {
        OpaquePointer(Unmanaged.passUnretained(ctx).toOpaque())
    }

    private static func context(_ run: OpaquePointer?) -> RunContext {
        Unmanaged<RunContext>.fromOpaque(UnsafeRawPointer(run!)).takeUnretainedValue()
    }

    /// dp_scan → ScanRequest, validating what the plugin sent.
    static func scanRequest(_ s: dp_scan) throws -> ScanRequest {
        guard Int(s.size) >= MemoryLayout<dp_scan>.offset(of: \.batch_rows)! + 4 else {
            throw StoreError.invalid("dp_scan.size \(s.size) is too small")
        }
        var columns: [Field] = []
        for i in 0..<s.n_columns {
            let c = s.columns[i]
            guard let t = ColumnType(rawValue: c.type) else {
                throw StoreError.invalid("column \(c.name.string): unknown type \(c.type)")
            }
            columns.append(Field(c.name.string, t))
        }
        var filters: [ScanRequest.Filter] = []
        for i in 0..<s.n_filters {
            let f = s.filters[i]
            guard let op = ScanRequest.Op(rawValue: f.op) else {
                throw StoreError.invalid("filter on \(f.column.string): unknown operator \(f.op)")
            }
            let values = try (0..<f.n_values).map { j -> JSONValue in
                let text = f.values[j].string
                do { return try JSONParser.parse(text) } catch {
                    throw StoreError.invalid("filter on \(f.column.string): value \(text) is not a JSON literal")
                }
            }
            guard op == .in ? !values.isEmpty : values.count == 1 else {
                throw StoreError.invalid("filter on \(f.column.string): wrong number of values (\(values.count))")
            }
            filters.append(ScanRequest.Filter(column: f.column.string, op: op, values: values))
        }
        var orderBy: [String] = []
        // A plugin built against ABI < 1.5 sends a shorter dp_scan: no order.
        if Int(s.size) >= MemoryLayout<dp_scan>.offset(of: \.n_order_by)! + MemoryLayout<Int>.size {
            for i in 0..<s.n_order_by {
                let name = s.order_by[i].string
                guard let column = columns.first(where: { $0.name == name }) else {
                    throw StoreError.invalid("order_by \(name): not one of the scan's columns")
                }
                guard column.type != .json else { throw StoreError.invalid("order_by \(name): a JSON column has no order") }
                orderBy.append(name)
            }
        }
        return ScanRequest(keyspace: s.keyspace.string, table: s.table.string, columns: columns, filters: filters,
                           batchRows: Int(s.batch_rows), orderBy: orderBy)
    }
}
