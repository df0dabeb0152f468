/* The connector libraries (libpq, hiredis, libcurl, libzip, librdkafka) are opened on first use, not at start:
 * the host links these stubs instead, each resolving its real function once through dlopen/dlsym.
 * A run that never touches PostgreSQL never maps libpq and the forty libraries behind them.
 * Host-only; not part of the plugin ABI. */
#ifndef DATAPRODUCTS_LAZY_CONNECTORS_H
#define DATAPRODUCTS_LAZY_CONNECTORS_H

typedef enum dp_connector_library { DP_LIB_PQ = 0, DP_LIB_HIREDIS = 1, DP_LIB_CURL = 2, DP_LIB_ZIP = 3, DP_LIB_RDKAFKA = 4 } dp_connector_library;

/* Opens the library now if it is not open yet; NULL when open, else why it cannot be (static text). */
const char *dp_connector_load(dp_connector_library library);
/* Whether the library has been opened (for tests and the start-time claim). */
int dp_connector_loaded(dp_connector_library library);

#endif
