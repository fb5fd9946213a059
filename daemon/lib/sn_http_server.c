// SPDX-License-Identifier: GPL-2.0
#include "sn_http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <h2o.h>

#include "sn_json.h"
#include "sn_log.h"

#define SN_HTTP_MAX_LISTENERS 4
#define SN_HTTP_MAX_SEGMENTS 16

struct sn_http_listener {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} uv;
	struct sn_http_server *server;
	int is_pipe;
};

struct sn_http_server {
	uv_loop_t *loop;
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	const struct sn_http_route *routes;
	size_t nroutes;
	void *user;
	struct sn_http_listener *listeners[SN_HTTP_MAX_LISTENERS];
	size_t nlisteners;
	size_t closing;	/* listeners whose uv_close has not completed */
	int port;
};

struct sn_h2o_handler {
	h2o_handler_t super;
	struct sn_http_server *server;
};

/* Splits @path (modified in place) at '/' into at most @max segments. */
static size_t split_path(char *path, char **segs, size_t max)
{
	size_t n = 0;

	for (char *p = path; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		segs[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

/* 1 when @segs match @pattern ('*' captures a segment into req->params). */
static int route_match(const char *pattern, char **segs, size_t nsegs, struct sn_http_request *req)
{
	char pat[256];
	char *psegs[SN_HTTP_MAX_SEGMENTS];
	size_t npat;

	snprintf(pat, sizeof(pat), "%s", pattern);
	npat = split_path(pat, psegs, SN_HTTP_MAX_SEGMENTS);
	if (npat != nsegs)
		return 0;
	req->nparams = 0;
	for (size_t i = 0; i < npat; i++) {
		if (strcmp(psegs[i], "*") == 0) {
			if (req->nparams == SN_HTTP_MAX_PARAMS)
				return 0;
			req->params[req->nparams++] = segs[i];
		} else if (strcmp(psegs[i], segs[i]) != 0) {
			return 0;
		}
	}
	return 1;
}

static void send_json(h2o_req_t *req, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	static const char fallback[] = "{\"error\":\"out of memory\"}";

	if (!text && body)
		status = 500;
	req->res.status = status;
	req->res.reason = status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
		       H2O_STRLIT("application/json"));
	if (text)
		h2o_send_inline(req, text, strlen(text));
	else if (body)
		h2o_send_inline(req, fallback, sizeof(fallback) - 1);
	else
		h2o_send_inline(req, "{}", 2);
	free(text);
}

static void request_peer(h2o_req_t *h2req, struct sn_http_request *req)
{
	struct sockaddr_storage ss;
	socklen_t len;

	req->peer[0] = '\0';
	len = h2req->conn->callbacks->get_peername(h2req->conn, (struct sockaddr *)&ss);
	if (len == 0)
		return;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, req->peer, sizeof(req->peer));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		/* A v4-mapped peer is reported as plain IPv4, as clusters register it. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], req->peer, sizeof(req->peer));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, req->peer, sizeof(req->peer));
	}
}

static int on_req(h2o_handler_t *self, h2o_req_t *h2req)
{
	struct sn_http_server *s = ((struct sn_h2o_handler *)self)->server;
	struct sn_http_request req = { 0 };
	char *segs[SN_HTTP_MAX_SEGMENTS];
	size_t nsegs, method_len = h2req->method.len;
	size_t path_len = h2req->path_normalized.len;
	size_t query_len = h2req->query_at == SIZE_MAX ? 0 : h2req->path.len - h2req->query_at - 1;
	/* One scratch block: method, path for the reply, path split into
	 * segments, query. */
	char *scratch = malloc(method_len + 2 * path_len + query_len + 4);
	json_t *reply = NULL;
	const char *text_type = NULL;
	int status = 0, path_known = 0;

	if (!scratch) {
		send_json(h2req, 503, NULL);
		return 0;
	}
	char *method = scratch, *path = method + method_len + 1, *split = path + path_len + 1;
	char *query = split + path_len + 1;

	memcpy(method, h2req->method.base, method_len);
	method[method_len] = '\0';
	memcpy(path, h2req->path_normalized.base, path_len);
	path[path_len] = '\0';
	memcpy(split, path, path_len + 1);
	if (h2req->query_at != SIZE_MAX) {
		memcpy(query, h2req->path.base + h2req->query_at + 1, query_len);
		query[query_len] = '\0';
		req.query = query;
	}
	req.method = method;
	req.path = path;
	req.body = h2req->entity.base;
	req.body_len = h2req->entity.base ? h2req->entity.len : 0;
	req.reply_type = &text_type;
	request_peer(h2req, &req);

	nsegs = split_path(split, segs, SN_HTTP_MAX_SEGMENTS);
	for (size_t i = 0; nsegs <= SN_HTTP_MAX_SEGMENTS && i < s->nroutes; i++) {
		if (!route_match(s->routes[i].pattern, segs, nsegs, &req))
			continue;
		path_known = 1;
		if (strcmp(s->routes[i].method, method) != 0)
			continue;
		status = s->routes[i].handler(s->user, &req, &reply);
		if (status < 100 || status > 599) {	/* a handler bug: never a silent 2xx */
			sn_error("http %s %s: handler returned status %d", method, path, status);
			json_decref(reply);
			reply = sn_json_error("internal error");
			status = 500;
		}
		break;
	}
	if (status == 0) {
		status = path_known ? 405 : 404;
		reply = path_known ? sn_json_error("method %s not allowed on %s", method, path)
				   : sn_json_error("no such endpoint: %s %s", method, path);
	}
	sn_debug("http %s %s%s%s -> %d peer=%s", method, path, req.query ? "?" : "",
		 req.query ? req.query : "", status, req.peer);
	if (text_type && json_is_string(reply)) {
		h2req->res.status = status;
		h2req->res.reason = status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
		h2o_add_header(&h2req->pool, &h2req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
			       text_type, strlen(text_type));
		h2o_send_inline(h2req, json_string_value(reply), json_string_length(reply));
	} else {
		send_json(h2req, status, reply ? reply : NULL);
	}
	json_decref(reply);
	free(scratch);
	return 0;
}

static void on_accept(uv_stream_t *listener, int status)
{
	struct sn_http_listener *l = (struct sn_http_listener *)listener;
	union {
		uv_handle_t handle;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} *conn;

	if (status != 0)
		return;
	conn = malloc(sizeof(*conn));
	if (!conn) {
		sn_error("http: out of memory accepting a connection");
		return;
	}
	if (l->is_pipe)
		uv_pipe_init(listener->loop, &conn->pipe, 0);
	else
		uv_tcp_init(listener->loop, &conn->tcp);
	if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
		uv_close(&conn->handle, (uv_close_cb)free);
		return;
	}
	if (!l->is_pipe)
		uv_tcp_nodelay(&conn->tcp, 1);	/* small JSON replies: no Nagle delay */
	h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);

	h2o_accept(&l->server->accept_ctx, sock);
}

struct sn_http_server *sn_http_server_new(uv_loop_t *loop, const struct sn_http_route *routes,
					  size_t nroutes, void *ctx)
{
	struct sn_http_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->routes = routes;
	s->nroutes = nroutes;
	s->user = ctx;
	h2o_config_init(&s->config);
	s->config.max_request_entity_size = SN_HTTP_MAX_BODY;	/* h2o answers 413 beyond */
	h2o_hostconf_t *host = h2o_config_register_host(&s->config,
							h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *pathconf = h2o_config_register_path(host, "/", 0);
	struct sn_h2o_handler *handler =
		(struct sn_h2o_handler *)h2o_create_handler(pathconf, sizeof(*handler));

	handler->super.on_req = on_req;
	handler->server = s;
	h2o_context_init(&s->ctx, loop, &s->config);
	s->accept_ctx.ctx = &s->ctx;
	s->accept_ctx.hosts = s->config.hosts;
	return s;
}

static struct sn_http_listener *listener_new(struct sn_http_server *s)
{
	struct sn_http_listener *l;

	if (s->nlisteners == SN_HTTP_MAX_LISTENERS || !(l = calloc(1, sizeof(*l))))
		return NULL;
	l->server = s;
	return l;
}

static void listener_closed(uv_handle_t *handle)
{
	free(handle);
}

int sn_http_server_listen_tcp(struct sn_http_server *s, const char *host, int port)
{
	struct sn_http_listener *l = listener_new(s);
	struct sockaddr_storage ss;
	int rc, namelen = sizeof(ss);

	if (!l)
		return UV_ENOMEM;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0) {
		sn_error("http: bad listen address %s", host);
		free(l);
		return UV_EINVAL;
	}
	uv_tcp_init(s->loop, &l->uv.tcp);
	if ((rc = uv_tcp_bind(&l->uv.tcp, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen(&l->uv.stream, 128, on_accept)) != 0) {
		sn_error("http: cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
		uv_close(&l->uv.handle, listener_closed);
		return rc;
	}
	uv_tcp_getsockname(&l->uv.tcp, (struct sockaddr *)&ss, &namelen);
	s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
	s->listeners[s->nlisteners++] = l;
	return 0;
}

int sn_http_server_listen_unix(struct sn_http_server *s, const char *path)
{
	struct sn_http_listener *l = listener_new(s);
	int rc;

	if (!l)
		return UV_ENOMEM;
	l->is_pipe = 1;
	uv_pipe_init(s->loop, &l->uv.pipe, 0);
	unlink(path);	/* a stale socket from a previous run */
	if ((rc = uv_pipe_bind(&l->uv.pipe, path)) != 0 ||
	    (rc = uv_listen(&l->uv.stream, 128, on_accept)) != 0) {
		sn_error("http: cannot listen on %s: %s", path, uv_strerror(rc));
		uv_close(&l->uv.handle, listener_closed);
		return rc;
	}
	s->listeners[s->nlisteners++] = l;
	return 0;
}

int sn_http_server_port(const struct sn_http_server *s)
{
	return s->port;
}

/* A server whose connections would not close: kept reachable (not a leak)
 * until exit, as h2o cannot dispose a context with live connections. */
static struct sn_http_server *sn_http_parked;

void sn_http_server_free(struct sn_http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlisteners; i++)
		uv_close(&s->listeners[i]->uv.handle, listener_closed);
	/* Close idle keep-alive connections now: expire every entry of the
	 * idle timeout (h2o 2.2 has no call for it), then let the loop run
	 * their close callbacks. */
	s->ctx.http1.req_timeout.timeout = 0;
	h2o_timeout_run(s->loop, &s->ctx.http1.req_timeout, h2o_now(s->loop));
	for (int i = 0; i < 100 && !h2o_linklist_is_empty(&s->ctx.http1._conns); i++)
		uv_run(s->loop, UV_RUN_NOWAIT);
	if (!h2o_linklist_is_empty(&s->ctx.http1._conns)) {
		sn_warn("http: connections still open at shutdown; not freeing the server");
		sn_http_parked = s;
		return;
	}
	h2o_context_dispose(&s->ctx);
	h2o_config_dispose(&s->config);
	free(s);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of a query value ('+' stays a '+'; a '%' without two
 * hex digits stays as it is), malloc'd and NUL-terminated, its length in
 * *outlen. Done here rather than with libcurl's, so that programs that
 * only serve HTTP (semnetd) need not load libcurl and its twenty
 * libraries: megabytes of a small daemon's memory.
 */
static char *query_unescape(const char *s, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && len - i > 2 && hex_digit(s[i + 1]) >= 0 &&
		    hex_digit(s[i + 2]) >= 0) {
			out[n++] = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

char *sn_http_query_get(const struct sn_http_request *req, const char *key)
{
	size_t keylen = strlen(key);

	for (const char *p = req->query; p && *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > keylen && strncmp(p, key, keylen) == 0 && p[keylen] == '=') {
			size_t outlen;
			char *value = query_unescape(p + keylen + 1, len - keylen - 1, &outlen);

			/* A decoded NUL would cut the value short: hand back the raw
			 * text, which no identifier check accepts. */
			if (value && memchr(value, '\0', outlen)) {
				free(value);
				value = strndup(p + keylen + 1, len - keylen - 1);
			}
			return value;
		}
		p = end ? end + 1 : p + len;
	}
	return NULL;
}
