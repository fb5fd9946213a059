// SPDX-License-Identifier: GPL-2.0
/* The HTTP server (h2o) and client (libcurl) on one libuv loop, in process. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_http_client.h"
#include "sn_http_server.h"
#include "sn_json.h"
#include "sn_log.h"

static int echo(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	char *cluster = sn_http_query_get(req, "cluster_id");
	struct sn_err err;
	json_t *body = req->body ? sn_json_parse_object(req->body, req->body_len, &err) : NULL;

	(void)ctx;
	*reply = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:o?}", "method", req->method, "path",
			   req->path, "param", req->nparams ? req->params[0] : NULL, "cluster_id",
			   cluster, "peer", req->peer, "body", body);
	free(cluster);
	return 200;
}

static int broken(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	(void)ctx, (void)req;
	*reply = json_pack("{s:s}", "leaked", "never sent");
	return 0;	/* a handler bug: the server must answer 500 */
}

static const struct sn_http_route routes[] = {
	{ "GET", "/api/x/*/instances", echo },
	{ "POST", "/api/echo", echo },
	{ "GET", "/api/broken", broken },
};

struct result {
	int status;
	char body[512];
	char error[256];
	int done;
};

static int pending;
static uv_loop_t *test_loop;

static void on_done(void *arg, int status, json_t *body, const char *error)
{
	struct result *r = arg;
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	r->status = status;
	snprintf(r->body, sizeof(r->body), "%s", text ? text : "");
	snprintf(r->error, sizeof(r->error), "%s", error ? error : "");
	r->done = 1;
	free(text);
	if (--pending == 0)
		uv_stop(test_loop);
}

static uv_timer_t guard;

static void on_guard(uv_timer_t *t)
{
	(void)t;
	uv_stop(test_loop);	/* the test fails on the missing results */
}

/* Runs @n requests to completion (10 s at most). */
static void run(int n)
{
	pending = n;
	uv_timer_start(&guard, on_guard, 10000, 0);
	uv_run(test_loop, UV_RUN_DEFAULT);
	uv_timer_stop(&guard);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void shutdown_loop(struct sn_http_server *s, struct sn_http_client *c)
{
	sn_http_server_free(s);
	sn_http_client_free(c);
	uv_walk(test_loop, close_walk, NULL);
	uv_run(test_loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(test_loop), 0);
}

START_TEST(server_and_client_round_trips)
{
	uv_loop_t loop;
	struct sn_http_server *s;
	struct sn_http_client *c;
	struct result r[6] = { 0 };
	char base[64], url[256];
	json_t *body = json_pack("{s:i}", "a", 1);

	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	test_loop = &loop;
	uv_timer_init(&loop, &guard);
	s = sn_http_server_new(&loop, routes, sizeof(routes) / sizeof(routes[0]), NULL);
	c = sn_http_client_new(&loop);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sn_http_server_listen_tcp(s, "127.0.0.1", 0), 0);
	ck_assert_int_gt(sn_http_server_port(s), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", sn_http_server_port(s));

	snprintf(url, sizeof(url), "%s/api/x/a_b_c_d/instances?x=1&cluster_id=c%%201&y", base);
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 2000, on_done, &r[0]), 0);
	snprintf(url, sizeof(url), "%s/api/echo", base);
	ck_assert_int_eq(sn_http_client_request(c, "POST", url, body, 2000, on_done, &r[1]), 0);
	ck_assert_int_eq(sn_http_client_request(c, "DELETE", url, NULL, 2000, on_done, &r[2]), 0);
	snprintf(url, sizeof(url), "%s/api/nothing", base);
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 2000, on_done, &r[3]), 0);
	snprintf(url, sizeof(url), "%s/api/broken", base);
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 2000, on_done, &r[4]), 0);
	snprintf(url, sizeof(url), "%s/api/x/../x/q/instances", base);
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 2000, on_done, &r[5]), 0);
	ck_assert_uint_eq(sn_http_client_pending(c), 6);
	json_decref(body);
	run(6);

	ck_assert_int_eq(r[0].status, 200);
	ck_assert_str_eq(r[0].body, "{\"body\":null,\"cluster_id\":\"c 1\",\"method\":\"GET\",\"param\":\"a_b_c_d\","
				    "\"path\":\"/api/x/a_b_c_d/instances\",\"peer\":\"127.0.0.1\"}");
	ck_assert_int_eq(r[1].status, 200);
	ck_assert_str_eq(r[1].body, "{\"body\":{\"a\":1},\"cluster_id\":null,\"method\":\"POST\","
				    "\"param\":null,\"path\":\"/api/echo\",\"peer\":\"127.0.0.1\"}");
	ck_assert_int_eq(r[2].status, 405);
	ck_assert_str_eq(r[2].body, "{\"error\":\"method DELETE not allowed on /api/echo\"}");
	ck_assert_int_eq(r[3].status, 404);
	ck_assert_str_eq(r[3].body, "{\"error\":\"no such endpoint: GET /api/nothing\"}");
	ck_assert_int_eq(r[4].status, 500);
	ck_assert_str_eq(r[4].body, "{\"error\":\"internal error\"}");
	ck_assert_int_eq(r[5].status, 200);	/* h2o normalises the path */
	ck_assert(strstr(r[5].body, "\"param\":\"q\"") != NULL);
	ck_assert_uint_eq(sn_http_client_pending(c), 0);
	shutdown_loop(s, c);
}
END_TEST

/* Accepts connections and never answers. */
static void on_silent_accept(uv_stream_t *server, int status)
{
	uv_tcp_t *conn = malloc(sizeof(*conn));

	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(conn);
	uv_tcp_init(server->loop, conn);
	ck_assert_int_eq(uv_accept(server, (uv_stream_t *)conn), 0);
	conn->data = conn;
}

static void free_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, h->data == h ? (uv_close_cb)free : NULL);
}

START_TEST(client_failures_are_reported)
{
	uv_loop_t loop;
	uv_tcp_t silent, probe;
	struct sockaddr_in addr;
	struct sockaddr_storage bound;
	int len = sizeof(bound);
	struct sn_http_client *c;
	struct result r[2] = { 0 };
	char url[128];

	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	test_loop = &loop;
	uv_timer_init(&loop, &guard);
	c = sn_http_client_new(&loop);
	uv_ip4_addr("127.0.0.1", 0, &addr);
	uv_tcp_init(&loop, &silent);
	ck_assert_int_eq(uv_tcp_bind(&silent, (struct sockaddr *)&addr, 0), 0);
	ck_assert_int_eq(uv_listen((uv_stream_t *)&silent, 8, on_silent_accept), 0);
	uv_tcp_getsockname(&silent, (struct sockaddr *)&bound, &len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x",
		 ntohs(((struct sockaddr_in *)&bound)->sin_port));
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 300, on_done, &r[0]), 0);

	/* A port nobody listens on: bound, then closed. */
	uv_tcp_init(&loop, &probe);
	ck_assert_int_eq(uv_tcp_bind(&probe, (struct sockaddr *)&addr, 0), 0);
	len = sizeof(bound);
	uv_tcp_getsockname(&probe, (struct sockaddr *)&bound, &len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x",
		 ntohs(((struct sockaddr_in *)&bound)->sin_port));
	uv_close((uv_handle_t *)&probe, NULL);
	ck_assert_int_eq(sn_http_client_request(c, "GET", url, NULL, 2000, on_done, &r[1]), 0);
	run(2);

	ck_assert_int_eq(r[0].done, 1);
	ck_assert_int_eq(r[0].status, 0);
	ck_assert_msg(strstr(r[0].error, "imeout") || strstr(r[0].error, "timed out"),
		      "not a timeout: %s", r[0].error);
	ck_assert_int_eq(r[1].done, 1);
	ck_assert_int_eq(r[1].status, 0);
	ck_assert(r[1].error[0] != '\0');
	sn_http_client_free(c);
	uv_walk(&loop, free_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(unix_socket)
{
	uv_loop_t loop;
	struct sn_http_server *s;
	struct sn_http_client *c;
	struct result r = { 0 };
	char dir[] = "/tmp/semnet-http.XXXXXX", sock[64];

	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	test_loop = &loop;
	uv_timer_init(&loop, &guard);
	s = sn_http_server_new(&loop, routes, sizeof(routes) / sizeof(routes[0]), NULL);
	c = sn_http_client_new(&loop);
	ck_assert_int_eq(sn_http_server_listen_unix(s, sock), 0);
	ck_assert_int_eq(sn_http_client_request_unix(c, sock, "GET",
						     "http://localhost/api/x/n1/instances", NULL,
						     2000, on_done, &r), 0);
	run(1);
	ck_assert_int_eq(r.status, 200);
	/* No peer address on a unix socket. */
	ck_assert_str_eq(r.body, "{\"body\":null,\"cluster_id\":null,\"method\":\"GET\","
				 "\"param\":\"n1\",\"path\":\"/api/x/n1/instances\",\"peer\":\"\"}");
	shutdown_loop(s, c);
	unlink(sock);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(listen_errors)
{
	uv_loop_t loop;
	struct sn_http_server *s;

	sn_log_init("test", SN_LOG_ERROR + 1);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	test_loop = &loop;
	s = sn_http_server_new(&loop, routes, 1, NULL);
	ck_assert_int_lt(sn_http_server_listen_tcp(s, "not-an-address", 0), 0);
	ck_assert_int_lt(sn_http_server_listen_tcp(s, "192.0.2.1", 0), 0);	/* not ours */
	ck_assert_int_lt(sn_http_server_listen_unix(s, "/nonexistent/dir/sock"), 0);
	sn_http_server_free(s);
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("http", NULL, NULL, 30, server_and_client_round_trips,
			  client_failures_are_reported, unix_socket, listen_errors);
}
