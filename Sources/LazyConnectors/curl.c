/* curl.h would make curl_easy_setopt a type-checking macro under GCC/Clang; these are the functions. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <stdarg.h>
#include "lazy.h"
#define CU DP_LIB_CURL

DP_STUB(CU, CURLcode, curl_global_init, (long flags), (flags))
DP_STUB(CU, CURL *, curl_easy_init, (void), ())
DP_STUB(CU, struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *data), (list, data))
DP_STUB(CU, CURLcode, curl_easy_perform, (CURL *curl), (curl))
DP_STUB(CU, const char *, curl_easy_strerror, (CURLcode code), (code))
DP_STUB_VOID(CU, curl_slist_free_all, (struct curl_slist *list), (list))
DP_STUB_VOID(CU, curl_easy_cleanup, (CURL *curl), (curl))

/* The two variadic calls take one argument after the option: a long, a pointer or a curl_off_t,
 * all passed in one integer register on the platforms we build for, so one pointer-sized value
 * forwards any of them. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...) {
    static CURLcode (*real)(CURL *, CURLoption, ...);
    if (!__atomic_load_n(&real, __ATOMIC_ACQUIRE))
        __atomic_store_n(&real, (CURLcode(*)(CURL *, CURLoption, ...))dp_connector_symbol(CU, "curl_easy_setopt"), __ATOMIC_RELEASE);
    va_list ap;
    va_start(ap, option);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return real(curl, option, arg);
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) {
    static CURLcode (*real)(CURL *, CURLINFO, ...);
    if (!__atomic_load_n(&real, __ATOMIC_ACQUIRE))
        __atomic_store_n(&real, (CURLcode(*)(CURL *, CURLINFO, ...))dp_connector_symbol(CU, "curl_easy_getinfo"), __ATOMIC_RELEASE);
    va_list ap;
    va_start(ap, info);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return real(curl, info, arg);
}
