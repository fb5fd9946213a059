// SPDX-License-Identifier: GPL-2.0
#include "sn_http_client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "sn_log.h"

#define SN_HTTP_CLIENT_MAX_REPLY (8 * 1024 * 1024)

struct sn_http_call {
	struct sn_http_call *next, *prev;
	struct sn_http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char *request_body;
	char *reply;
	size_t reply_len;
	int too_big;
	sn_http_done_fn done;
	void *arg;
	char error[CURL_ERROR_SIZE];
};

/* One per socket curl watches. */
struct sn_http_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct sn_http_client *client;
};

struct sn_http_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t *timer;
	struct sn_http_call calls;	/* list head */
	unsigned int pending;
};

static void call_free(struct sn_http_call *call)
{
	if (call->easy)
		curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	free(call->request_body);
	free(call->reply);
	free(call);
}

static void call_unlink(struct sn_http_call *call)
{
	call->prev->next = call->next;
	call->next->prev = call->prev;
	call->client->pending--;
}

static void check_done(struct sn_http_client *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct sn_http_call *call;
		long status = 0;
		json_t *body = NULL;
		const char *error = NULL;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		curl_multi_remove_handle(c->multi, msg->easy_handle);
		call_unlink(call);
		if (msg->data.result != CURLE_OK) {
			error = call->error[0] ? call->error : curl_easy_strerror(msg->data.result);
		} else if (call->too_big) {
			error = "reply too large";
		} else {
			curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
			if (call->reply_len)
				body = json_loadb(call->reply, call->reply_len, 0, NULL);
		}
		call->done(call->arg, (int)status, body, error);
		json_decref(body);
		call_free(call);
	}
}

static void on_timer(uv_timer_t *timer)
{
	struct sn_http_client *c = timer->data;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

static int start_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct sn_http_client *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(c->timer);
	else	/* even 0: curl must not be re-entered from its own callback */
		uv_timer_start(c->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
	struct sn_http_sock *s = poll->data;
	struct sn_http_client *c = s->client;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	check_done(c);
}

static void sock_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static int handle_socket(CURL *easy, curl_socket_t fd, int action, void *userp, void *socketp)
{
	struct sn_http_client *c = userp;
	struct sn_http_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (action == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;	/* curl fails the transfer */
		s->fd = fd;
		s->client = c;
		if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		curl_multi_assign(c->multi, fd, s);
	}
	if (action == CURL_POLL_IN || action == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

struct sn_http_client *sn_http_client_new(uv_loop_t *loop)
{
	static int curl_ready;
	struct sn_http_client *c;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return NULL;
		curl_ready = 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->loop = loop;
	c->calls.next = c->calls.prev = &c->calls;
	c->timer = malloc(sizeof(*c->timer));
	c->multi = curl_multi_init();
	if (!c->timer || !c->multi) {
		if (c->multi)
			curl_multi_cleanup(c->multi);
		free(c->timer);
		free(c);
		return NULL;
	}
	uv_timer_init(loop, c->timer);
	c->timer->data = c;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, handle_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, start_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

void sn_http_client_free(struct sn_http_client *c)
{
	if (!c)
		return;
	while (c->calls.next != &c->calls) {
		struct sn_http_call *call = c->calls.next;

		curl_multi_remove_handle(c->multi, call->easy);
		call_unlink(call);
		call_free(call);
	}
	curl_multi_cleanup(c->multi);
	uv_close((uv_handle_t *)c->timer, (uv_close_cb)free);
	free(c);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sn_http_call *call = userp;
	size_t len = size * nmemb;

	if (call->reply_len + len > SN_HTTP_CLIENT_MAX_REPLY) {
		call->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	char *grown = realloc(call->reply, call->reply_len + len + 1);

	if (!grown)
		return 0;
	memcpy(grown + call->reply_len, data, len);
	call->reply = grown;
	call->reply_len += len;
	grown[call->reply_len] = '\0';
	return len;
}

int sn_http_client_request(struct sn_http_client *c, const char *method, const char *url,
			   json_t *body, long timeout_ms, sn_http_done_fn done, void *arg)
{
	return sn_http_client_request_unix(c, NULL, method, url, body, timeout_ms, done, arg);
}

int sn_http_client_request_unix(struct sn_http_client *c, const char *socket_path,
				const char *method, const char *url, json_t *body,
				long timeout_ms, sn_http_done_fn done, void *arg)
{
	struct sn_http_call *call = calloc(1, sizeof(*call));
	struct curl_slist *h;

	if (!call)
		return -1;
	call->client = c;
	call->done = done;
	call->arg = arg;
	if (!(call->easy = curl_easy_init()))
		goto fail;
	if (body && !(call->request_body = json_dumps(body, JSON_COMPACT)))
		goto fail;
	if (!(h = curl_slist_append(NULL, "Content-Type: application/json")))
		goto fail;
	call->headers = h;
	/* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
	if (!(h = curl_slist_append(call->headers, "Expect:")))
		goto fail;
	call->headers = h;

	CURL *e = call->easy;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	if (call->request_body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->request_body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(call->request_body));
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->error);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	if (socket_path)	/* curl copies the string */
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto fail;
	call->next = &c->calls;
	call->prev = c->calls.prev;
	c->calls.prev->next = call;
	c->calls.prev = call;
	c->pending++;
	return 0;
fail:
	sn_error("http client: cannot start %s %s (out of memory)", method, url);
	call_free(call);
	return -1;
}

unsigned int sn_http_client_pending(const struct sn_http_client *c)
{
	return c->pending;
}
