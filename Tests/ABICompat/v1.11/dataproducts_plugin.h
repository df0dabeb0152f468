/*
** dataproducts_plugin.h — the C ABI between the `dataproducts` host and its job plugins.
**
** This header is the whole contract. A plugin is a shared library (.so) that includes this file,
** exports one symbol, DP_PLUGIN_ENTRY ("dp_plugin_entry"), and touches the host only through the
** function table it is handed when a job runs. Nothing Swift-, C++- or Foundation-specific crosses
** the boundary: only the C types declared here.
**
** VERSIONING
**   DP_ABI_MAJOR changes only when an existing declaration changes meaning or layout; the host refuses
**   a plugin whose major differs from its own, before calling anything but the entry point.
**   History: 1.0 first release; 1.1 appended dp_host_api.http and dp_http_request;
**   1.2 appended dp_host_api.redis_read and redis_write; 1.3 appended dp_bytes and the blob_* calls;
**   1.4 appended request, set_result, report_size (on-demand requests), decrypt_pii, the table
**       writes table_upsert and table_delete, and course_cache_members;
**   1.5 appended dp_scan.order_by / n_order_by (rows in key order) and the pull scans cursor_open,
**       cursor_next, cursor_close (two ordered scans open at once: a job merge-joins them, streaming);
**   1.6 appended now_ms (the run clock);
**   1.7 appended kafka_send (messages to Kafka, acknowledged before the job may succeed) and the
**       table replacement calls table_columns, table_replace_open/write/commit/abort;
**   1.8 appended report_secure (a scheduled report file secured as its tenant's policy says) and
**       http_after_publish (a call made once the run's reports are published, e.g. a Druid ingestion);
**   1.9 appended the user-cache maintenance calls cache_scan, cache_open, cache_write, cache_delete,
**       cache_commit, cache_abort (a cache rebuilt by a job; readers never see it half built);
**   1.10 appended work_declare, work_next, work_done, work_finish, work_outputs (a run's work items
**       drained by every host that runs the job, the combined output written once);
**   1.11 appended druid_query (a Druid query run by the host, its answer streamed as row batches) and
**       dp_report_spec.flags (DP_REPORT_ZIP: a report's files published zipped).
**   DP_ABI_MINOR grows when something is APPENDED: a function at the end of dp_host_api, a field at the
**   end of a struct that carries a leading `size`, a new enum value. A host accepts plugins built
**   against its own or an older minor; it refuses a plugin built against a newer minor (that plugin may
**   call functions this host lacks).
**   Every struct that may grow starts with `uint32_t size` = sizeof(struct) as the writer compiled it.
**   A reader must check `size` (DP_HAS_FIELD) before reading a field added after 1.0.
**
** MEMORY AND LIFETIME
**   - Whoever allocates frees. The host never frees plugin memory and vice versa.
**   - The plugin descriptor, its job table and every string in them are static: they must stay valid
**     until the library is unloaded (the host never unloads a plugin while a job runs).
**   - dp_str values passed INTO a host function are borrowed for the duration of that call; the host
**     copies what it keeps.
**   - dp_str values RETURNED by the host are valid until the end of the job run (dp_run), unless the
**     function says otherwise.
**   - Row batches handed to a dp_batch_fn callback are borrowed for the duration of the callback. They
**     follow the Arrow C Data Interface: a consumer that wants to keep one MOVES it (copies the structs
**     and sets the source's `release` to NULL); otherwise the producer releases it after the callback.
**   - Row batches passed to report_write are borrowed for the call; the host copies what it writes.
**
** ERRORS
**   Every fallible call returns a dp_status. DP_OK is 0. After a host call fails, host->last_error(run)
**   returns its message. A plugin reports its own failure by calling host->set_error(run, msg) and
**   returning a non-zero dp_status from its run function. A plugin must never exit the process, install
**   signal handlers or write to stdout; the host isolates crashes in a child process anyway.
**
** THREADS
**   A job's run function is called on one thread. Host functions may be called only from that thread
**   and only while the run function is executing.
**
** STRINGS
**   UTF-8 with explicit length (dp_str). `data` need not be NUL-terminated. An absent string is
**   {NULL, 0}; an empty string is {"", 0}.
*/
#ifndef DATAPRODUCTS_PLUGIN_H
#define DATAPRODUCTS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DP_ABI_MAJOR 1
#define DP_ABI_MINOR 11

/* The one symbol a plugin exports: `const dp_plugin_descriptor *dp_plugin_entry(void)`. */
#define DP_PLUGIN_ENTRY "dp_plugin_entry"

/* True when a struct written with leading `size` is large enough to contain `field`. */
#define DP_HAS_FIELD(ptr, type, field) \
    ((ptr)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ------------------------------------------------------------------------------------------------ */
/* Basic types                                                                                      */

/* A UTF-8 string with explicit length. */
typedef struct dp_str {
    const char *data;
    size_t len;
} dp_str;

/* Bytes with explicit length (ABI 1.3): blob contents, which need not be text. */
typedef struct dp_bytes {
    const uint8_t *data;
    size_t len;
} dp_bytes;

/* Status codes. 0 is success; the others say what kind of failure it was. */
typedef int32_t dp_status;
#define DP_OK                     0
#define DP_ERROR_INVALID_ARGUMENT 1 /* the caller passed something malformed */
#define DP_ERROR_NOT_FOUND        2 /* a table, file, key or job does not exist */
#define DP_ERROR_IO               3 /* reading or writing a store, file or connection failed */
#define DP_ERROR_DATA             4 /* the data does not match what was asked (type, shape) */
#define DP_ERROR_UNSUPPORTED      5 /* the host or store cannot do this */
#define DP_ERROR_CANCELLED        6 /* the run was cancelled, or a callback asked to stop */
#define DP_ERROR_INTERNAL         7 /* a bug: anything else */

/* Log levels for host->log. */
typedef int32_t dp_log_level;
#define DP_LOG_DEBUG 0
#define DP_LOG_INFO  1
#define DP_LOG_WARN  2
#define DP_LOG_ERROR 3

/* ------------------------------------------------------------------------------------------------ */
/* Row batches: the Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html) */
/*                                                                                                  */
/* The Arrow project lets any header declare these two structs verbatim, guarded by the macro below, */
/* so this header composes with arrow/c/abi.h, DuckDB, nanoarrow and friends.                        */
/*                                                                                                  */
/* A batch is a struct array (format "+s") whose children are the columns, each one of:             */
/*   DP_TYPE_BOOL    "b"  boolean (bit-packed)                                                      */
/*   DP_TYPE_INT64   "l"  64-bit signed integer                                                     */
/*   DP_TYPE_FLOAT64 "g"  64-bit IEEE float                                                         */
/*   DP_TYPE_UTF8    "u"  UTF-8 string (int32 offsets)                                              */
/*   DP_TYPE_JSON    "u"  UTF-8 JSON text, with field metadata ARROW:extension:name = arrow.json     */
/*                        (maps, lists and user-defined types travel this way)                      */
/* Every column is nullable (ARROW_FLAG_NULLABLE); the top-level struct has no nulls. The host      */
/* accepts and produces only these formats in ABI 1.x; batches may have any `offset`.              */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    /* Array type description */
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;

    /* Release callback */
    void (*release)(struct ArrowSchema *);
    /* Opaque producer-specific data */
    void *private_data;
};

struct ArrowArray {
    /* Array data description */
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;

    /* Release callback */
    void (*release)(struct ArrowArray *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* Column types a job may ask a store for (see the table above). */
typedef int32_t dp_type;
#define DP_TYPE_BOOL    1
#define DP_TYPE_INT64   2
#define DP_TYPE_FLOAT64 3
#define DP_TYPE_UTF8    4
#define DP_TYPE_JSON    5

/* Called once per batch. Return DP_OK to continue; anything else stops the producer, which then
** returns that status from the call that started it. `schema` and `batch` are borrowed (see top). */
typedef dp_status (*dp_batch_fn)(void *user, struct ArrowSchema *schema, struct ArrowArray *batch);

/* ------------------------------------------------------------------------------------------------ */
/* Table scans                                                                                      */
/*                                                                                                  */
/* Upstream reads Cassandra tables; the host serves the same tables from its configured store       */
/* (`local` JSON-lines directory, PostgreSQL, ...). A job cannot tell stores apart.                 */

/* A column to read, and the type the job wants it as. The store converts where that is lossless
** (e.g. a JSON integer to DP_TYPE_FLOAT64, any value to DP_TYPE_JSON) and fails the scan with
** DP_ERROR_DATA naming table, column and row otherwise. A column missing from a row is null. */
typedef struct dp_column {
    dp_str name;
    dp_type type;
} dp_column;

/* Filter operators. Values are JSON literals: 1, "ApSlug", true, 2.5. Comparisons follow the
** column's stored type (numbers numerically, strings by UTF-8 bytes). Null never matches. */
typedef int32_t dp_filter_op;
#define DP_FILTER_EQ 1 /* column = values[0] */
#define DP_FILTER_IN 2 /* column = any of values[0..n_values) */
#define DP_FILTER_LT 3 /* column <  values[0] */
#define DP_FILTER_LE 4 /* column <= values[0] */
#define DP_FILTER_GT 5 /* column >  values[0] */
#define DP_FILTER_GE 6 /* column >= values[0] */

typedef struct dp_filter {
    dp_str column;
    dp_filter_op op;
    const dp_str *values; /* JSON literals */
    size_t n_values;
} dp_filter;

/* A scan request: table `keyspace.table`, the columns (in batch order) and filters (ANDed).
** `batch_rows` is a hint (0 = host default); batches never exceed it.
** ABI 1.5: `order_by` names columns of `columns` (not DP_TYPE_JSON ones); rows then arrive in
** ascending order of them (strings by UTF-8 bytes, numbers numerically, false before true, nulls
** last), so a job can merge-join tables and stream per key. Without it (or from a plugin built
** against an older minor) the order is the store's. A database sorts on its side; the `local`
** store sorts the matching rows in memory. */
typedef struct dp_scan {
    uint32_t size; /* sizeof(dp_scan) */
    dp_str keyspace;
    dp_str table;
    const dp_column *columns;
    size_t n_columns;
    const dp_filter *filters;
    size_t n_filters;
    uint32_t batch_rows;
    /* --- ABI 1.5 --- */
    const dp_str *order_by;
    size_t n_order_by;
} dp_scan;

/* ------------------------------------------------------------------------------------------------ */
/* Reports                                                                                          */

/* Report formats. CSV: RFC 4180, header row = column names in batch order, nulls as empty fields,
** empty strings as "" (as Spark writes them), "\n" line ends. JSONL: one object per row, keys in column
** order, nulls omitted. JSON_ARRAY: the rows of a file as one JSON array. */
typedef int32_t dp_format;
#define DP_FORMAT_CSV        1
#define DP_FORMAT_JSONL      2
#define DP_FORMAT_JSON_ARRAY 3

/* Where a report goes. Without partition columns it is one file `<report_id>.<ext>` under the job's
** output base; with partition columns [c1, c2] it is one file per distinct value tuple,
** `<report_id>/<v1>/<v2>.<ext>`, and the partition columns are not written inside the files (the
** upstream blob-write rule). `report_id` may contain '/' but no "..", no leading '/'. Files appear
** atomically when the whole job succeeds; a failed or crashed job leaves none. */
typedef struct dp_report_spec {
    uint32_t size; /* sizeof(dp_report_spec) */
    dp_str report_id;
    dp_format format;
    const dp_str *partition_by;
    size_t n_partition_by;
    uint32_t flags; /* ABI 1.11: DP_REPORT_* bits; a host reads it only when `size` covers it */
} dp_report_spec;

/* dp_report_spec.flags (ABI 1.11). */
#define DP_REPORT_ZIP 1u /* each file is published as `<name>.zip` holding it (upstream's `zip: true`) */

typedef struct dp_report dp_report; /* opaque, host-owned */

/* ------------------------------------------------------------------------------------------------ */
/* HTTP (ABI 1.1)                                                                                   */

/* An HTTP request. Upstream sends `user-id: analytics` on every call; the host adds it (and
** `Content-Type: application/json` when there is a body) unless the job sets them. */
typedef struct dp_http_request {
    uint32_t size;          /* sizeof(dp_http_request) */
    dp_str method;          /* "GET", "POST", ... */
    dp_str url;             /* absolute URL */
    const dp_str *headers;  /* "Name: value" lines */
    size_t n_headers;
    dp_str body;            /* {NULL,0} for none */
    uint32_t timeout_ms;    /* 0 = host default */
} dp_http_request;

/* ------------------------------------------------------------------------------------------------ */
/* The run and the host function table                                                              */

typedef struct dp_run dp_run; /* opaque, host-owned; valid while the run function executes */
typedef struct dp_cursor dp_cursor; /* opaque, host-owned (ABI 1.5 pull scans) */
typedef struct dp_table_replace dp_table_replace; /* opaque, host-owned (ABI 1.7 table replacement) */
typedef struct dp_cache_writer dp_cache_writer;   /* opaque, host-owned (ABI 1.9 user-cache writes) */

/* cache_open flags (ABI 1.9). */
#define DP_CACHE_MERGE 0u   /* hashes written are merged into the database (HSET), as redis_write */
#define DP_CACHE_REFRESH 1u /* hashes written replace the database's whole content at commit */

/* work_finish states (ABI 1.10). */
#define DP_WORK_COMBINE 1        /* every item is done and this host writes the combined output */
#define DP_WORK_DONE_ELSEWHERE 2 /* another host combines (or combined) this run: write nothing */
#define DP_WORK_RETRY 3          /* an item became claimable again (a host's lease expired): work_next */

typedef struct dp_host_api {
    uint32_t size; /* sizeof(dp_host_api) as the host compiled it */
    uint16_t abi_major;
    uint16_t abi_minor;

    /* --- ABI 1.0 ------------------------------------------------------------------------------- */

    /* Write a JOB_LOG event at `level` to the job log. Never fails. */
    void (*log)(dp_run *run, dp_log_level level, dp_str message);

    /* Record the message that explains why the run function is about to return an error. The host
    ** copies it; the last call wins. Never fails. */
    void (*set_error)(dp_run *run, dp_str message);

    /* The message of the most recent failed host call on this run ({NULL,0} if none). Valid until the
    ** next host call. */
    dp_str (*last_error)(dp_run *run);

    /* The job id being run (a run function may serve several jobs). */
    dp_str (*job_id)(dp_run *run);

    /* The effective (rendered) model config as JSON text: {"search", "model", "modelParams",
    ** "output", "parallelization", "appName", ...} exactly as the operator wrote them. */
    dp_str (*model_config)(dp_run *run);

    /* Scan a table, calling `on_batch` for each batch of rows until the table is exhausted, the
    ** callback returns non-DP_OK (that status is returned) or an error occurs. Memory is bounded by
    ** one batch. DP_ERROR_NOT_FOUND if the table does not exist. */
    dp_status (*scan)(dp_run *run, const dp_scan *request, dp_batch_fn on_batch, void *user);

    /* Open a report writer. On success *out is valid until report_close. */
    dp_status (*report_open)(dp_run *run, const dp_report_spec *spec, dp_report **out);

    /* Append a batch. Its columns must be the same (names, types, order) on every call of one report
    ** and must include the partition columns. The batch is borrowed for the call. */
    dp_status (*report_write)(dp_report *report, struct ArrowSchema *schema, struct ArrowArray *batch);

    /* Finish the report's files (they are published when the job succeeds) and free `report`. */
    dp_status (*report_close)(dp_report *report);

    /* Add `delta` to a named counter reported in JOB_END (e.g. "inputEvents", "outputEvents"). */
    void (*count)(dp_run *run, dp_str name, int64_t delta);

    /* Report progress: `done` of `total` units (total 0 = unknown). Cheap; call freely. */
    void (*progress)(dp_run *run, uint64_t done, uint64_t total);

    /* Non-zero once the operator or a timeout asked the run to stop; return DP_ERROR_CANCELLED soon. */
    int32_t (*is_cancelled)(dp_run *run);

    /* --- ABI 1.1 ------------------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, http) before calling: a 1.0 host lacks it.            */

    /* Perform an HTTP request through the host's connector (live, or canned answers from files in
    ** offline runs). On DP_OK, *status_out is the HTTP status (any, including 4xx/5xx: the job
    ** decides) and *body_out the response body, valid until the next http call or the end of the
    ** run. Transport failures (after the host's retries) return DP_ERROR_IO; a request with no
    ** canned answer returns DP_ERROR_NOT_FOUND. */
    dp_status (*http)(dp_run *run, const dp_http_request *request, int32_t *status_out, dp_str *body_out);

    /* --- ABI 1.2 ------------------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, redis_write) before calling: older hosts lack them.    */

    /* Read Redis hashes (the user cache, `user:<id>`), pipelined in batches. With n_fields > 0 each
    ** key is an HMGET and batches have columns "key" (utf8) then one utf8 column per field, in order;
    ** with n_fields == 0 each key is an HGETALL and batches have columns "key" and "fields" (json: the
    ** hash as an object). A missing key or field is null. Rows come in the order of `keys`. The host
    ** reconnects and retries a batch once the connection drops; DP_ERROR_IO after that. */
    dp_status (*redis_read)(dp_run *run, const dp_str *keys, size_t n_keys, const dp_str *fields, size_t n_fields,
                            dp_batch_fn on_batch, void *user);

    /* Write Redis hashes: one HSET per row of `batch`, pipelined. Column "key" (utf8) names the hash;
    ** every other column is a field, written as text (numbers as JSON numbers, json columns as their
    ** text); null fields are left out. The batch is borrowed for the call. */
    dp_status (*redis_write)(dp_run *run, struct ArrowSchema *schema, struct ArrowArray *batch);

    /* --- ABI 1.3 ------------------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, blob_delete) before calling: older hosts lack them.    */
    /* Blob storage: the host's configured store (local folder, S3-compatible, ...). Keys are      */
    /* '/'-separated paths relative to its container and prefix; no "..", no leading '/'.          */

    /* Store `data` under `key`, replacing any object there; readers never see a partial object. */
    dp_status (*blob_put)(dp_run *run, dp_str key, dp_bytes data);

    /* Read a whole object. *data_out is valid until the next blob call or the end of the run.
    ** DP_ERROR_NOT_FOUND if there is no such object. */
    dp_status (*blob_get)(dp_run *run, dp_str key, dp_bytes *data_out);

    /* Call on_key (key borrowed for the call) for every key under `prefix`, in byte order. A
    ** non-DP_OK return stops the listing and is returned. */
    dp_status (*blob_list)(dp_run *run, dp_str prefix, dp_status (*on_key)(void *user, dp_str key), void *user);

    /* Delete an object; deleting a missing object is not an error. */
    dp_status (*blob_delete)(dp_run *run, dp_str key);

    /* --- ABI 1.4 ------------------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, report_size) before calling: older hosts lack them.   */
    /* On-demand requests: `dataproducts requests run` claims one job_request row and runs the job */
    /* once for it. The host owns the queue, the security level, encryption, zip and publishing;  */
    /* the job owns what the request means.                                                        */

    /* The request this run serves, as a JSON object ({NULL,0} when the run serves none, e.g. a    */
    /* scheduled `run`): {"tag", "requestId", "jobId", "requestData" (the request_data JSON),      */
    /* "requestedBy", "requestedChannel", "hasEncryptionKey", "processedBatches" (array),          */
    /* "securityLevel", "piiFields" (array), "budget": {"batches", "bytes"} (what the requesting   */
    /* channel may still produce in this host run), "date" (yyyyMMdd, UTC+05:30)}.                 */
    dp_str (*request)(dp_run *run);

    /* The job's outcome for its request, as a JSON object: {"status": "SUCCESS" | "FAILED" |       */
    /* "SUBMITTED" (throttled: try again later), "message", "processedBatches": [{"channel",        */
    /* "batchId", "filePath", "fileSize"}], "files": [report ids written by this run]}. The host    */
    /* copies it; the last call wins. Only the reports named in "files" are published. A run that  */
    /* returns DP_OK without a result fails its request and publishes nothing.                     */
    void (*set_result)(dp_run *run, dp_str result_json);

    /* Bytes written so far by the closed report `report_id` (all of its files). DP_ERROR_NOT_FOUND */
    /* if this run has no closed report of that id. */
    dp_status (*report_size)(dp_run *run, dp_str report_id, uint64_t *bytes_out);

    /* The platform's PII decryption (upstream DecryptUtil.decryptData) with the deployment's key,  */
    /* which stays in the host: values that do not decrypt (and blank ones) come back unchanged.    */
    /* *out is valid until the next decrypt_pii call or the end of the run.                         */
    dp_status (*decrypt_pii)(dp_run *run, dp_str value, dp_str *out);

    /* Table writes (upstream's Cassandra "append" upserts and deletes), on the configured store.   */
    /* Upsert: each row of `batch` replaces the stored row with the same `key_columns` values, or   */
    /* is added; only the batch's columns are written (others keep their values). The whole batch  */
    /* is one transaction where the store has them.                                               */
    dp_status (*table_upsert)(dp_run *run, dp_str keyspace, dp_str table, const dp_str *key_columns, size_t n_key_columns,
                              struct ArrowSchema *schema, struct ArrowArray *batch);

    /* Delete: every stored row whose columns equal one row of `batch` (all of its columns, usually */
    /* the primary key) is removed; *deleted_out (may be NULL) gets how many were.                  */
    dp_status (*table_delete)(dp_run *run, dp_str keyspace, dp_str table, struct ArrowSchema *schema, struct ArrowArray *batch,
                              uint64_t *deleted_out);

    /* The members of a set in the course cache (upstream's relation cache, e.g. a course's          */
    /* `<course>:<course>:optionalnodes`), as batches with one utf8 column "member"; a missing key    */
    /* is an empty set. DP_ERROR_UNSUPPORTED when the host has no course cache configured.           */
    dp_status (*course_cache_members)(dp_run *run, dp_str key, dp_batch_fn on_batch, void *user);

    /* --- ABI 1.5: pull scans ------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, cursor_open) before calling: a 1.4 host lacks them.     */

    /* Open a scan the job reads at its own pace (`scan` pushes a whole table through a callback;
    ** a merge join needs two ordered scans open at once). Same request as `scan`. The host reads
    ** ahead on a thread of its own up to `read_ahead` batches (0 = host default, at most 1024), so
    ** memory stays bounded by that many batches. *out is valid until cursor_close. */
    dp_status (*cursor_open)(dp_run *run, const dp_scan *request, uint32_t read_ahead, dp_cursor **out);

    /* The next batch, MOVED to the caller, who releases schema and batch when done with them. At the
    ** end *done is 1 and nothing is moved. A failed scan returns its error here (last_error says it). */
    dp_status (*cursor_next)(dp_cursor *cursor, struct ArrowSchema *schema, struct ArrowArray *batch, int32_t *done);

    /* Stop the scan (at its end or before) and free the cursor. Cursors the run function leaves open
    ** are closed by the host when it returns. */
    void (*cursor_close)(dp_cursor *cursor);

    /* --- ABI 1.6: the run clock ---------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, now_ms) before calling: a 1.5 host lacks it.            */

    /* The instant the job takes as now, in milliseconds since 1970-01-01T00:00:00Z: what the
    ** operator gave (`--now`, to re-run yesterday's job or pin a test's day), else when the host
    ** started. The same value for the whole run; every date rule of a job should read it. */
    int64_t (*now_ms)(dp_run *run);

    /* --- ABI 1.7: Kafka ------------------------------------------------------------------------ */
    /* Check DP_HAS_FIELD(host, dp_host_api, kafka_send) before calling: a 1.6 host lacks it.        */

    /* Queue one message for `topic` on the deployment's Kafka (the host owns brokers, acks,
    ** compression; the job names only the topic). `key` may be absent ({NULL, 0}); both are copied.
    ** DP_OK means queued, not yet delivered: when the run function returns DP_OK the host waits for
    ** every message's acknowledgement and fails the run, naming the topic, if one is not
    ** acknowledged within the deployment's bound. DP_ERROR_UNSUPPORTED when no Kafka is
    ** configured; DP_ERROR_IO when the producer cannot take the message. */
    dp_status (*kafka_send)(dp_run *run, dp_str topic, dp_bytes key, dp_bytes value);

    /* --- ABI 1.7: table replacement (migrations) ----------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, table_replace_abort) before calling.                    */
    /* `store` names where: {NULL, 0} or "" is the run's store (--store), "target" the run's target  */
    /* store (--target-store, else the run's store).                                                 */

    /* The columns of `keyspace.table` as a JSON array [{"name": "...", "type": "bool|int64|float64|
    ** utf8|json"}], in table order, typed for a scan of all of them. *columns_out is valid until the
    ** next table_columns call or the end of the run. DP_ERROR_NOT_FOUND when there is no such table;
    ** DP_ERROR_UNSUPPORTED for a store without a schema (local: JSON lines). */
    dp_status (*table_columns)(dp_run *run, dp_str store, dp_str keyspace, dp_str table, dp_str *columns_out);

    /* Begin replacing the whole content of `keyspace.table` (upstream's truncate-then-write): the
    ** old rows and the batches written next change places in one transaction at commit. `schema`
    ** (borrowed) gives the columns every batch will carry. Until commit the table keeps its old
    ** rows for every other reader; a replacement the job aborts, or leaves open when its run
    ** function returns, is rolled back. */
    dp_status (*table_replace_open)(dp_run *run, dp_str store, dp_str keyspace, dp_str table, struct ArrowSchema *schema,
                                    dp_table_replace **out);
    /* Add a batch (borrowed; columns as given to open). On failure the replacement is aborted. */
    dp_status (*table_replace_write)(dp_table_replace *replacement, struct ArrowSchema *schema, struct ArrowArray *batch);
    /* Make the new rows the table's; *rows_out (may be NULL) gets their count. Frees the handle. */
    dp_status (*table_replace_commit)(dp_table_replace *replacement, uint64_t *rows_out);
    /* Give up: the table keeps its old rows. Frees the handle. */
    void (*table_replace_abort)(dp_table_replace *replacement);

    /* --- ABI 1.8: scheduled reports ------------------------------------------------------------ */
    /* Check DP_HAS_FIELD(host, dp_host_api, http_after_publish) before calling: a 1.7 host lacks them. */

    /* Secure one file of a report this run has closed, as the data-security policy of the tenant
    ** `org_id` says for this job (tenant preferences, as for on-demand requests). `file` is the
    ** file's path under the run's reports, e.g. "declared_user_detail/ap.csv". PLAIN_DATASET: a zip
    ** of it is published beside it; PUBLIC_KEY_ENCRYPTED_DATASET: only a zip of its encrypted form
    ** is published (the plain file is not); no or an unknown level: the file as it is.
    ** DP_ERROR_UNSUPPORTED for a level that needs a request's key (PASSWORD_PROTECTED_DATASET,
    ** TEXT_KEY_ENCRYPTED_DATASET): a scheduled report has none. DP_ERROR_NOT_FOUND: no such file. */
    dp_status (*report_secure)(dp_run *run, dp_str file, dp_str org_id);

    /* Make this request (copied) after the run's reports are published, in call order, and only if
    ** the run succeeded and its reports were published (a Druid ingestion task that reads them).
    ** The answer is logged; a transport failure or a non-2xx status fails the run (its reports stay
    ** published). */
    dp_status (*http_after_publish)(dp_run *run, const dp_http_request *request);

    /* --- ABI 1.9: the user cache, maintained ---------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, cache_abort) before calling: a 1.8 host lacks them.     */
    /* `db` picks a database of the user cache's server: -1 the run's user cache (the database of    */
    /* --redis redis://host:port/db, else modelParams sparkUserDbRedisIndex), 0..n another one (e.g. */
    /* upstream's anonymous-user input database). The embedded cache (--redis sqlite:FILE) keeps     */
    /* each database in a table of its own in that file.                                             */

    /* Every hash of database `db` whose key matches the glob `pattern` (Redis SCAN MATCH, `count`
    ** keys a step, 0 for the host's default), with `fields` (HMGET) or, n_fields == 0, the whole
    ** hash: batches as redis_read's. Keys come in no particular order; a key written or deleted
    ** during the scan may or may not be seen. */
    dp_status (*cache_scan)(dp_run *run, int32_t db, dp_str pattern, const dp_str *fields, size_t n_fields, uint32_t count,
                            dp_batch_fn on_batch, void *user);

    /* Open a writer on database `db`. DP_CACHE_MERGE: each hash written is merged into the
    ** database as it is written (HSET). DP_CACHE_REFRESH: the hashes written become the database's
    ** whole content at commit, at once; until then every reader sees the old content (Redis: built
    ** in the staging database, modelParams userCacheStagingIndex, then SWAPDB; embedded: a staging
    ** table renamed in one transaction). A writer the job aborts, or leaves open when its run
    ** function returns, changes nothing more (a refresh's staging content is dropped). */
    dp_status (*cache_open)(dp_run *run, int32_t db, uint32_t flags, dp_cache_writer **out);
    /* Write hashes: one HSET per row, columns as redis_write's; pipelined, memory bounded by the
    ** host's pipeline window whatever the batch size. The batch is borrowed for the call. */
    dp_status (*cache_write)(dp_cache_writer *writer, struct ArrowSchema *schema, struct ArrowArray *batch);
    /* Delete these keys (DEL); absent keys are no error. */
    dp_status (*cache_delete)(dp_cache_writer *writer, const dp_str *keys, size_t n_keys);
    /* Finish: a merge is already visible; a refresh is switched in. *hashes_out (may be NULL) gets
    ** how many hashes were written. Frees the writer. */
    dp_status (*cache_commit)(dp_cache_writer *writer, uint64_t *hashes_out);
    /* Give up: a refresh leaves the database as it was. Frees the writer. */
    void (*cache_abort)(dp_cache_writer *writer);

    /* --- ABI 1.10: a run's work spread over hosts ------------------------------------------------ */
    /* Check DP_HAS_FIELD(host, dp_host_api, work_outputs) before calling: a 1.9 host lacks them.    */
    /* A run is this job on the run clock's UTC day (modelParams workRunId overrides). When the run's */
    /* store is PostgreSQL, its items live there (dataproducts.work_item) and every host that runs   */
    /* the job on that day drains them: claimed with FOR UPDATE SKIP LOCKED and a lease              */
    /* (modelParams workLeaseSeconds), taken over when a host dies; otherwise this host does them    */
    /* all, in process.                                                                              */

    /* Declare the run's items (e.g. one per batch); items another host declared already stay as
    ** they are. *shared_out: 1 when other hosts share them, 0 when this host does them all. */
    dp_status (*work_declare)(dp_run *run, const dp_str *items, size_t n_items, int32_t *shared_out);
    /* Claim the next item that is neither done nor leased to a live host. *item_out is {NULL, 0}
    ** when none is claimable now; valid until the next work_next. */
    dp_status (*work_next)(dp_run *run, dp_str *item_out);
    /* The claimed item's output rows (borrowed; every item's batches with the same columns), stored
    ** with the item in the same statement that marks it done, only while this host holds its lease:
    ** when another host took the item over, this call still returns DP_OK and the rows are dropped
    ** (the item's output is whichever was stored first). An empty batch is a valid output. */
    dp_status (*work_done)(dp_run *run, dp_str item, struct ArrowSchema *schema, struct ArrowArray *batch);
    /* Once work_next found nothing: waits while other hosts hold live leases, then sets *state_out
    ** to DP_WORK_COMBINE, DP_WORK_DONE_ELSEWHERE or DP_WORK_RETRY. After COMBINE the job reads
    ** work_outputs and writes its reports; the run counts as combined once they are published. */
    dp_status (*work_finish)(dp_run *run, int32_t *state_out);
    /* Every item's output rows, item by item in item order (COMBINE only). */
    dp_status (*work_outputs)(dp_run *run, dp_batch_fn on_batch, void *user);

    /* --- ABI 1.11: Druid --------------------------------------------------------------------------- */
    /* Check DP_HAS_FIELD(host, dp_host_api, druid_query) before calling: a 1.10 host lacks it.      */
    /* `query` is upstream's query model as JSON (queryType groupBy|topN|timeseries|scan, dataSource, */
    /* intervals: "start/end" or a macro LastDay|Last2Days|Last7Days|Last30Days|LastWeek|LastMonth,   */
    /* granularity, aggregations, dimensions, filters, having, postAggregation, columns, threshold,  */
    /* metric, intervalSlider). The host resolves the macro on the run clock, sends the native query */
    /* to the main broker (the roll-up broker for data sources named *rollup*, *distinct*,           */
    /* *snapshot*) and streams the answer: batches of one utf8 column `row`, each a JSON object of   */
    /* the row's values converted as upstream does (null -> "unknown", numbers rounded half-up to    */
    /* one decimal, as a string past 10 characters) plus "date" (yyyy-MM-dd of the row's time).      */
    /* Rows come in Druid's order. A failure after some batches were delivered fails the call: the   */
    /* job must not publish what it built from them.                                                */
    dp_status (*druid_query)(dp_run *run, dp_str query, dp_batch_fn on_batch, void *user);
} dp_host_api;

/* ------------------------------------------------------------------------------------------------ */
/* What a plugin exports                                                                            */

/* A job's entry point. `job_data` is the job's own pointer from its dp_job. Returns DP_OK or an error
** status after calling host->set_error. */
typedef dp_status (*dp_job_run_fn)(dp_run *run, const dp_host_api *host, void *job_data);

typedef struct dp_job {
    uint32_t size;              /* sizeof(dp_job) */
    dp_str id;                  /* the job id operators use, e.g. "admin-geo-reports" */
    dp_str title;               /* one line for humans */
    const dp_str *legacy_names; /* upstream class names accepted as `model`, e.g.
                                ** "org.sunbird.userorg.job.report.StateAdminGeoReportJob" */
    size_t n_legacy_names;
    dp_str params;              /* JSON object declaring the modelParams the job reads:
                                ** {"name": {"type": "string|int|bool|double|list|object|duration",
                                **           "default": <JSON>, "required": true, "choices": [...],
                                **           "doc": "..."}} ("default", "required", "choices" optional).
                                ** The host checks a rendered config against it before the job
                                ** runs (exit 65 naming the key); an unknown "type" is not checked. */
    dp_job_run_fn run;
    void *job_data;
} dp_job;

typedef struct dp_plugin_descriptor {
    uint32_t size;          /* sizeof(dp_plugin_descriptor) */
    uint16_t abi_major;     /* DP_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;     /* DP_ABI_MINOR the plugin was built against */
    dp_str name;            /* plugin name, e.g. "lern-userorg" (matches registry.json) */
    dp_str version;         /* plugin version, e.g. "1.0.0" */
    dp_str owner;           /* owning team */
    dp_str block;           /* building block, e.g. "lern-userorg", "ml", "vdn" */
    const dp_job *const *jobs; /* pointers, so dp_job may grow without changing the array stride */
    size_t n_jobs;
} dp_plugin_descriptor;

/* The entry point. Must be cheap and side-effect free: the host calls it to read the descriptor
** (also to write the build manifest). Returns a pointer to static storage. */
typedef const dp_plugin_descriptor *(*dp_plugin_entry_fn)(void);

/* Convenience for C plugin authors. */
#define DP_STR(literal) ((dp_str){ (literal), sizeof(literal) - 1 })

#ifdef __cplusplus
}
#endif

#endif /* DATAPRODUCTS_PLUGIN_H */
