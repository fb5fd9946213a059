/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP/1.1 JSON server on a libuv loop, built on h2o's libuv flavour
 * (Debian libh2o-dev): h2o parses requests, enforces the body size limit and
 * handles keep-alive; this module adds routing and JSON replies. Chosen over
 * http-parser because that one is only a parser: connection handling,
 * keep-alive and response framing would be ours to write.
 *
 * Handlers are synchronous: they return a status and a JSON body.
 */
#ifndef SN_HTTP_SERVER_H
#define SN_HTTP_SERVER_H

#include <stddef.h>
#include <jansson.h>
#include <uv.h>

#define SN_HTTP_MAX_PARAMS 4
#define SN_HTTP_MAX_BODY (1024 * 1024)

struct sn_http_request {
	const char *method;
	const char *path;	/* normalized, without the query */
	const char *query;	/* after '?', or NULL */
	const char *body;	/* NULL when there is none */
	size_t body_len;
	char peer[64];		/* client address ("" on a unix socket) */
	/* Path segments matched by '*' in the route pattern, NUL-terminated. */
	char *params[SN_HTTP_MAX_PARAMS];
	size_t nparams;
	/* A handler that sets *reply_type (e.g. Prometheus' text format)
	 * replies with a JSON string that is sent as it is with that
	 * Content-Type; JSON otherwise. */
	const char **reply_type;
};

/* Returns the HTTP status and sets *reply to the JSON body (the server
 * takes the reference; NULL sends {}). Declare handlers with the function
 * type: sn_http_handler a, b; */
typedef int sn_http_handler(void *ctx, const struct sn_http_request *req, json_t **reply);
typedef sn_http_handler *sn_http_handler_fn;

struct sn_http_route {
	const char *method;	/* "GET", "POST", "DELETE", ... */
	const char *pattern;	/* "/api/net/service/ * /instances": '*' is one segment */
	sn_http_handler_fn handler;
};

struct sn_http_server;

/* NULL on allocation failure. @routes must outlive the server. */
struct sn_http_server *sn_http_server_new(uv_loop_t *loop, const struct sn_http_route *routes,
					  size_t nroutes, void *ctx);
/* 0 or a negative libuv error (logged). @port 0 picks a free port. */
int sn_http_server_listen_tcp(struct sn_http_server *s, const char *host, int port);
int sn_http_server_listen_unix(struct sn_http_server *s, const char *path);
/* The port bound by the last listen_tcp (useful with port 0). */
int sn_http_server_port(const struct sn_http_server *s);
/* Stops listening and frees the server once the loop has closed its
 * handles; open connections are dropped. */
void sn_http_server_free(struct sn_http_server *s);

/* The percent-decoded value of query parameter @key in a malloc'd string,
 * or NULL when absent (or out of memory). A value that decodes to a NUL
 * byte comes back undecoded, so validation refuses it. */
char *sn_http_query_get(const struct sn_http_request *req, const char *key);

#endif
