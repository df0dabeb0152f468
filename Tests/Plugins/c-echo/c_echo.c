/*
 * A plugin in plain C, written against dataproducts_plugin.h alone: proof that the ABI needs no Swift.
 *
 * Job "c-echo": scans table test.items (id utf8, n int64, x float64, ok bool, tags json), passes each
 * batch straight to a CSV report "c-echo/items" (borrowed batches may be handed on), and writes a
 * one-row summary batch it builds itself ("c-echo/summary": rows int64, plugin utf8).
 *
 * Build switches for the ABI tests: -DCLAIM_MAJOR=n / -DCLAIM_MINOR=n (lie about the ABI),
 * -DNO_ENTRY (export no entry symbol), -DPLUGIN_NAME='"name"'. -DFAULT_JOBS adds the jobs of a buggy
 * plugin (c-faulty): c-backwards-offsets and c-short-column hand the host broken batches,
 * c-huge-string a 64 MiB value.
 */
#include <dataproducts_plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLAIM_MAJOR
#define CLAIM_MAJOR DP_ABI_MAJOR
#endif
#ifndef CLAIM_MINOR
#define CLAIM_MINOR DP_ABI_MINOR
#endif
#ifndef PLUGIN_NAME
#define PLUGIN_NAME "c-echo"
#endif

typedef struct {
    const dp_host_api *host;
    dp_run *run;
    dp_report *items;
    int64_t rows;
} echo_state;

static dp_status on_batch(void *user, struct ArrowSchema *schema, struct ArrowArray *batch) {
    echo_state *st = user;
    st->rows += batch->length;
    return st->host->report_write(st->items, schema, batch);
}

/* The summary batch lives on the stack: the host only borrows it during report_write. */
static void no_release_schema(struct ArrowSchema *s) { s->release = NULL; }
static void no_release_array(struct ArrowArray *a) { a->release = NULL; }

static dp_status write_summary(echo_state *st) {
    /* Designated: the struct grew in 1.11 and this file also builds against the frozen older headers. */
    dp_report_spec spec = {.size = sizeof(dp_report_spec), .report_id = DP_STR("c-echo/summary"), .format = DP_FORMAT_CSV};
    dp_report *report;
    dp_status rc = st->host->report_open(st->run, &spec, &report);
    if (rc != DP_OK) return rc;

    struct ArrowSchema rows_s = {"l", "rows", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, no_release_schema, NULL};
    struct ArrowSchema name_s = {"u", "plugin", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, no_release_schema, NULL};
    struct ArrowSchema *children_s[2] = {&rows_s, &name_s};
    struct ArrowSchema top_s = {"+s", "", NULL, 0, 2, children_s, NULL, no_release_schema, NULL};

    int64_t rows_value = st->rows;
    const void *rows_buffers[2] = {NULL, &rows_value};
    struct ArrowArray rows_a = {1, 0, 0, 2, 0, rows_buffers, NULL, NULL, no_release_array, NULL};
    const char *name = PLUGIN_NAME;
    int32_t offsets[2] = {0, (int32_t)strlen(name)};
    const void *name_buffers[3] = {NULL, offsets, name};
    struct ArrowArray name_a = {1, 0, 0, 3, 0, name_buffers, NULL, NULL, no_release_array, NULL};
    struct ArrowArray *children_a[2] = {&rows_a, &name_a};
    const void *top_buffers[1] = {NULL};
    struct ArrowArray top_a = {1, 0, 0, 1, 2, top_buffers, children_a, NULL, no_release_array, NULL};

    rc = st->host->report_write(report, &top_s, &top_a);
    dp_status close_rc = st->host->report_close(report);
    return rc != DP_OK ? rc : close_rc;
}

static dp_status run_echo(dp_run *run, const dp_host_api *host, void *job_data) {
    (void)job_data;
    echo_state st = {host, run, NULL, 0};
    dp_report_spec spec = {.size = sizeof(dp_report_spec), .report_id = DP_STR("c-echo/items"), .format = DP_FORMAT_CSV};
    dp_status rc = host->report_open(run, &spec, &st.items);
    if (rc != DP_OK) return rc;

    dp_column columns[] = {
        {DP_STR("id"), DP_TYPE_UTF8}, {DP_STR("n"), DP_TYPE_INT64}, {DP_STR("x"), DP_TYPE_FLOAT64},
        {DP_STR("ok"), DP_TYPE_BOOL}, {DP_STR("tags"), DP_TYPE_JSON},
    };
    /* Designated fields: the same source builds against every minor (fields added later stay zero). */
    dp_scan scan = {.size = sizeof(dp_scan), .keyspace = DP_STR("test"), .table = DP_STR("items"), .columns = columns,
                    .n_columns = 5, .filters = NULL, .n_filters = 0, .batch_rows = 2};
    rc = host->scan(run, &scan, on_batch, &st);
    if (rc != DP_OK) {
        dp_str why = host->last_error(run);
        char msg[512];
        snprintf(msg, sizeof msg, "scan failed: %.*s", (int)why.len, why.data ? why.data : "");
        host->set_error(run, (dp_str){msg, strlen(msg)});
        host->report_close(st.items);
        return rc;
    }
    rc = host->report_close(st.items);
    if (rc != DP_OK) return rc;
    host->count(run, DP_STR("inputEvents"), st.rows);
    host->log(run, DP_LOG_INFO, DP_STR("c-echo done"));
    return write_summary(&st);
}

#ifdef FAULT_JOBS
/* One utf8 column "name" of three rows, broken as job_data says. */
enum fault { BACKWARDS_OFFSETS = 1, SHORT_COLUMN = 2, HUGE_STRING = 3 };

static dp_status run_fault(dp_run *run, const dp_host_api *host, void *job_data) {
    enum fault kind = (enum fault)(intptr_t)job_data;
    dp_report_spec spec = {.size = sizeof(dp_report_spec), .report_id = DP_STR("c-faulty/names"), .format = DP_FORMAT_CSV};
    dp_report *report;
    dp_status rc = host->report_open(run, &spec, &report);
    if (rc != DP_OK) return rc;
    static const size_t huge = 64u << 20;
    char *text = kind == HUGE_STRING ? malloc(huge) : "abcdef";
    if (!text) return DP_ERROR_IO;
    if (kind == HUGE_STRING) memset(text, 'x', huge);
    int32_t offsets[4] = {0, 1, 3, 6};
    if (kind == BACKWARDS_OFFSETS) offsets[2] = 0;
    if (kind == HUGE_STRING) offsets[3] = (int32_t)huge;
    struct ArrowSchema name_s = {"u", "name", NULL, ARROW_FLAG_NULLABLE, 0, NULL, NULL, no_release_schema, NULL};
    struct ArrowSchema *children_s[1] = {&name_s};
    struct ArrowSchema top_s = {"+s", "", NULL, 0, 1, children_s, NULL, no_release_schema, NULL};
    const void *name_buffers[3] = {NULL, offsets, text};
    struct ArrowArray name_a = {kind == SHORT_COLUMN ? 2 : 3, 0, 0, 3, 0, name_buffers, NULL, NULL, no_release_array, NULL};
    struct ArrowArray *children_a[1] = {&name_a};
    const void *top_buffers[1] = {NULL};
    struct ArrowArray top_a = {3, 0, 0, 1, 1, top_buffers, children_a, NULL, no_release_array, NULL};
    rc = host->report_write(report, &top_s, &top_a);
    if (kind == HUGE_STRING) free(text);
    dp_status close_rc = host->report_close(report);
    return rc != DP_OK ? rc : close_rc;
}

static const dp_job fault_jobs[] = {
    {sizeof(dp_job), {"c-backwards-offsets", 19}, {"A batch whose string offsets go backwards", 41}, NULL, 0, {"{}", 2}, run_fault,
     (void *)BACKWARDS_OFFSETS},
    {sizeof(dp_job), {"c-short-column", 14}, {"A batch whose column is shorter than the batch", 46}, NULL, 0, {"{}", 2}, run_fault,
     (void *)SHORT_COLUMN},
    {sizeof(dp_job), {"c-huge-string", 13}, {"A batch with one 64 MiB string", 30}, NULL, 0, {"{}", 2}, run_fault, (void *)HUGE_STRING},
};
#endif

static const dp_str legacy[] = {{"org.example.CEchoJob", 20}};
static const dp_job echo_job = {
    sizeof(dp_job), {"c-echo", 6}, {"Echo test.items from C", 22}, legacy, 1, {"{}", 2}, run_echo, NULL,
};
#ifdef FAULT_JOBS
static const dp_job *const jobs[] = {&echo_job, &fault_jobs[0], &fault_jobs[1], &fault_jobs[2]};
#else
static const dp_job *const jobs[] = {&echo_job};
#endif
static const dp_plugin_descriptor descriptor = {
    sizeof(dp_plugin_descriptor), CLAIM_MAJOR, CLAIM_MINOR,
    {PLUGIN_NAME, sizeof(PLUGIN_NAME) - 1}, {"0.1.0", 5}, {"host team", 9}, {"test", 4}, jobs, sizeof jobs / sizeof jobs[0],
};

#ifdef NO_ENTRY
const dp_plugin_descriptor *not_the_entry(void) { return &descriptor; }
#else
const dp_plugin_descriptor *dp_plugin_entry(void) { return &descriptor; }
#endif
