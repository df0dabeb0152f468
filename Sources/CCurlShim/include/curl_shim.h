/* One libcurl request, for the host's HTTP and blob connectors (curl_easy_setopt is variadic and
 * cannot be called from Swift). Host-only; not part of the plugin ABI. */
#ifndef DATAPRODUCTS_CURL_SHIM_H
#define DATAPRODUCTS_CURL_SHIM_H
#include <stddef.h>

typedef struct dp_curl_request {
    const char *method;               /* "GET", "POST", "PUT", "DELETE", "HEAD" */
    const char *url;
    const char *const *headers;       /* "Name: value" */
    size_t n_headers;
    const char *body;                 /* may be NULL */
    size_t body_len;
    long timeout_ms;                  /* whole request */
    long connect_timeout_ms;
    const char *aws_sigv4;            /* CURLOPT_AWS_SIGV4 provider string, or NULL */
    const char *userpwd;              /* "key:secret" for SigV4, or NULL */
} dp_curl_request;

typedef struct dp_curl_response {
    long status;
    char *body;                       /* malloc'd, NUL-terminated; free with dp_curl_response_free */
    size_t body_len;
    char *headers;                    /* raw response header lines */
    size_t headers_len;
} dp_curl_response;

/* Returns the CURLcode (0 = a response was received); on failure errbuf (>= 256 bytes) says why. */
int dp_curl_perform(const dp_curl_request *request, dp_curl_response *response, char *errbuf);
void dp_curl_response_free(dp_curl_response *response);

/* Receives a streamed body chunk by chunk, with the response status; non-zero stops the transfer. */
typedef int (*dp_curl_sink)(void *user, long status, const char *data, size_t len);
/* The request with its body handed to `sink` as it arrives instead of being kept; *status_out is the
** response status (0 when none arrived). Returns the CURLcode; CURLE_WRITE_ERROR when sink stopped it. */
int dp_curl_perform_stream(const dp_curl_request *request, dp_curl_sink sink, void *user, long *status_out, char *errbuf);
/* True for transport failures worth retrying (connect, timeout, reset, empty reply). */
int dp_curl_is_transient(int code);

#endif
