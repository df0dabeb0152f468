/* Internal: resolve a symbol of a connector library, opening it on first use. */
#ifndef DATAPRODUCTS_LAZY_H
#define DATAPRODUCTS_LAZY_H
#include "lazy_connectors.h"

void *dp_connector_symbol(dp_connector_library library, const char *name);

/* A stub with the real function's prototype (from the library's own header) that calls it. */
#define DP_STUB(lib, ret, name, params, args)                                      \
    ret name params {                                                              \
        static ret(*real) params;                                                  \
        if (!__atomic_load_n(&real, __ATOMIC_ACQUIRE))                             \
            __atomic_store_n(&real, (ret(*) params)dp_connector_symbol(lib, #name), __ATOMIC_RELEASE); \
        return real args;                                                          \
    }
#define DP_STUB_VOID(lib, name, params, args)                                      \
    void name params {                                                             \
        static void(*real) params;                                                 \
        if (!__atomic_load_n(&real, __ATOMIC_ACQUIRE))                             \
            __atomic_store_n(&real, (void(*) params)dp_connector_symbol(lib, #name), __ATOMIC_RELEASE); \
        real args;                                                                 \
    }
#endif
