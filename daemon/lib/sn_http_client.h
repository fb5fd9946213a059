/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Asynchronous JSON HTTP client on a libuv loop: libcurl's multi interface
 * driven by uv_poll and a uv_timer (curl's multi_socket API). libcurl over
 * h2o's own client because h2o 2.2's http1client is its proxy's internal
 * piece (the caller serialises requests and parses nothing else for you, no
 * request timeout); libcurl is the best-kept HTTP client there is, and it
 * pools keep-alive connections.
 */
#ifndef SN_HTTP_CLIENT_H
#define SN_HTTP_CLIENT_H

#include <jansson.h>
#include <uv.h>

struct sn_http_client;

/*
 * Called once per request. @status is the HTTP status, or 0 when the
 * request failed (@error says why). @body is the parsed JSON reply or NULL
 * (empty or not JSON); borrowed for the call.
 */
typedef void (*sn_http_done_fn)(void *arg, int status, json_t *body, const char *error);

struct sn_http_client *sn_http_client_new(uv_loop_t *loop);
/* Frees the client; pending requests are dropped without their callback. */
void sn_http_client_free(struct sn_http_client *c);

/*
 * Starts @method @url with @body (borrowed; NULL for none) as JSON. The
 * callback runs later from the loop, never from within this call. Returns 0,
 * or -1 when the request could not even start (out of memory).
 */
int sn_http_client_request(struct sn_http_client *c, const char *method, const char *url,
			   json_t *body, long timeout_ms, sn_http_done_fn done, void *arg);

/* The same over the unix socket @socket_path (the URL's host is then only
 * the Host header, e.g. "http://localhost/register"). */
int sn_http_client_request_unix(struct sn_http_client *c, const char *socket_path,
				const char *method, const char *url, json_t *body,
				long timeout_ms, sn_http_done_fn done, void *arg);

/* Requests started and not yet completed. */
unsigned int sn_http_client_pending(const struct sn_http_client *c);

#endif
