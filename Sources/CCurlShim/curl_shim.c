#include "curl_shim.h"
#include <curl/curl.h>
#include <lazy_connectors.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_curl(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct { char *data; size_t len, cap; } buffer;

static size_t append(char *ptr, size_t size, size_t n, void *user) {
    buffer *b = user;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + add + 1) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

/* Opens libcurl on first use; NULL when it is there, else why not (copied into errbuf). */
static int ready(char *errbuf) {
    errbuf[0] = 0;
    const char *unavailable = dp_connector_load(DP_LIB_CURL);
    if (unavailable) {
        strncpy(errbuf, unavailable, 255);
        errbuf[255] = 0;
        return 0;
    }
    pthread_once(&init_once, init_curl);
    return 1;
}

/* The options every request shares: URL, method, headers, body, timeouts, SigV4. */
static struct curl_slist *prepare(CURL *c, const dp_curl_request *r, char *errbuf) {
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < r->n_headers; i++) list = curl_slist_append(list, r->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (r->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    } else if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    if (r->aws_sigv4) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, r->aws_sigv4);
        curl_easy_setopt(c, CURLOPT_USERPWD, r->userpwd);
    }
    return list;
}

int dp_curl_perform(const dp_curl_request *r, dp_curl_response *out, char *errbuf) {
    memset(out, 0, sizeof *out);
    if (!ready(errbuf)) return CURLE_FAILED_INIT;
    CURL *c = curl_easy_init();
    if (!c) { strcpy(errbuf, "curl_easy_init failed"); return CURLE_FAILED_INIT; }
    buffer body = {0}, headers = {0};
    struct curl_slist *list = prepare(c, r, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (rc != CURLE_OK && !errbuf[0]) strncpy(errbuf, curl_easy_strerror(rc), 255);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    if (!body.data) { body.data = calloc(1, 1); }
    if (!headers.data) { headers.data = calloc(1, 1); }
    out->body = body.data;
    out->body_len = body.len;
    out->headers = headers.data;
    out->headers_len = headers.len;
    return rc;
}

typedef struct { CURL *curl; dp_curl_sink sink; void *user; int stopped; } stream_state;

static size_t forward(char *ptr, size_t size, size_t n, void *user) {
    stream_state *s = user;
    long status = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (s->sink(s->user, status, ptr, size * n) != 0) { s->stopped = 1; return 0; }
    return size * n;
}

int dp_curl_perform_stream(const dp_curl_request *r, dp_curl_sink sink, void *user, long *status_out, char *errbuf) {
    *status_out = 0;
    if (!ready(errbuf)) return CURLE_FAILED_INIT;
    CURL *c = curl_easy_init();
    if (!c) { strcpy(errbuf, "curl_easy_init failed"); return CURLE_FAILED_INIT; }
    stream_state state = { c, sink, user, 0 };
    struct curl_slist *list = prepare(c, r, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, forward);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status_out);
    if (state.stopped) { rc = CURLE_WRITE_ERROR; strcpy(errbuf, "stopped by the reader"); }
    if (rc != CURLE_OK && !errbuf[0]) strncpy(errbuf, curl_easy_strerror(rc), 255);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return rc;
}

void dp_curl_response_free(dp_curl_response *r) {
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}

int dp_curl_is_transient(int code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT: case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_PARTIAL_FILE: case CURLE_COULDNT_RESOLVE_HOST:
        return 1;
    default:
        return 0;
    }
}
