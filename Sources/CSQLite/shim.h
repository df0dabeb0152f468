#include <sqlite3.h>
#include <string.h>

// SQLITE_TRANSIENT is a cast macro Swift does not import: binding with it makes SQLite copy the bytes.
static inline int dp_sqlite_bind_text(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p, n, SQLITE_TRANSIENT);
}
static inline int dp_sqlite_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p, n, SQLITE_TRANSIENT);
}

// dp_same_kind(cell, literal, column): 1, or an error when a filter compares values of different
// kinds (a number with a text, a boolean with a document), as a typed database would refuse to.
// Booleans are stored as the BLOBs 'true'/'false', JSON documents as other BLOBs.
static inline int dp_sqlite_kind(sqlite3_value *v) {
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: case SQLITE_FLOAT: return 1;
    case SQLITE_TEXT: return 2;
    case SQLITE_BLOB: {
        int n = sqlite3_value_bytes(v);
        const char *p = (const char *)sqlite3_value_blob(v);
        if ((n == 4 && memcmp(p, "true", 4) == 0) || (n == 5 && memcmp(p, "false", 5) == 0)) return 3;
        return 4;
    }
    default: return 0;
    }
}
static inline void dp_sqlite_same_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int a = dp_sqlite_kind(argv[0]), b = dp_sqlite_kind(argv[1]);
    if (a == 0 || b == 0 || a == b) { sqlite3_result_int(ctx, 1); return; }
    const char *shown[2];
    char *owned[2];
    for (int i = 0; i < 2; i++) {
        int k = dp_sqlite_kind(argv[i]);
        const char *text = (const char *)sqlite3_value_text(argv[i]);
        owned[i] = k == 2 ? sqlite3_mprintf("\"%.40s\"", text) : sqlite3_mprintf("%.40s", text);
        shown[i] = owned[i];
    }
    char *m = sqlite3_mprintf("filter on %s compares %s with %s", sqlite3_value_text(argv[2]), shown[0], shown[1]);
    sqlite3_result_error(ctx, m, -1);
    sqlite3_free(m);
    sqlite3_free(owned[0]);
    sqlite3_free(owned[1]);
}
static inline int dp_sqlite_register(sqlite3 *db) {
    return sqlite3_create_function_v2(db, "dp_same_kind", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, dp_sqlite_same_kind, 0, 0, 0);
}
