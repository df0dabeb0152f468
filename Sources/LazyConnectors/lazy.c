#include "lazy.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The unversioned name first (the -dev symlink: the version the headers describe), then the
 * sonames of the Debian/Ubuntu releases we build on. */
static const char *const names[5][5] = {
    {"libpq.so", "libpq.so.5", NULL},
    {"libhiredis.so", "libhiredis.so.1.1.0", "libhiredis.so.0.14", "libhiredis.so.1", NULL},
    {"libcurl.so", "libcurl.so.4", NULL},
    {"libzip.so", "libzip.so.5", "libzip.so.4", NULL},
    {"librdkafka.so", "librdkafka.so.1", NULL},
};
static const char *const packages[5] = {"libpq5", "libhiredis", "libcurl4", "libzip", "librdkafka1"};
static void *handles[5];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char reason[5][512];

const char *dp_connector_load(dp_connector_library lib) {
    pthread_mutex_lock(&lock);
    const char *out = NULL;
    if (!handles[lib]) {
        for (int i = 0; names[lib][i] && !handles[lib]; i++) handles[lib] = dlopen(names[lib][i], RTLD_NOW | RTLD_LOCAL);
        if (!handles[lib]) {
            const char *e = dlerror();
            snprintf(reason[lib], sizeof reason[lib], "cannot load %s (%s): install Debian package %s*", names[lib][1],
                     e ? e : "not found", packages[lib]);
            out = reason[lib];
        }
    }
    pthread_mutex_unlock(&lock);
    return out;
}

int dp_connector_loaded(dp_connector_library lib) {
    pthread_mutex_lock(&lock);
    int loaded = handles[lib] != NULL;
    pthread_mutex_unlock(&lock);
    return loaded;
}

void *dp_connector_symbol(dp_connector_library lib, const char *name) {
    const char *error = dp_connector_load(lib);
    void *f = error ? NULL : dlsym(handles[lib], name);
    if (!f) {
        /* The Swift callers load the library first and report a failure as an error; reaching
         * this means a stub was called without that check. */
        fprintf(stderr, "dataproducts: internal error: %s\n", error ? error : dlerror());
        exit(70);
    }
    return f;
}
