// SPDX-License-Identifier: GPL-2.0
#include "sn_mqtt.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_backoff.h"
#include "sn_log.h"

#define SN_MQTT_KEEPALIVE_S 30
#define SN_MQTT_MISC_MS 500
#define SN_MQTT_BACKOFF_MIN_MS 100
#define SN_MQTT_BACKOFF_MAX_MS 5000

struct sn_mqtt {
	uv_loop_t *loop;
	struct mosquitto *mosq;
	uv_poll_t *poll;	/* NULL while there is no socket */
	int poll_events;
	uv_timer_t *misc;
	uv_timer_t *retry;
	struct sn_backoff backoff;
	bool connected;
	bool started;
	char keyfile_password[256];	/* for an encrypted client key */
	sn_mqtt_message_fn on_message;
	sn_mqtt_connected_fn on_connected;
	void *arg;
};

static void update_poll(struct sn_mqtt *m);
static void retry_connect(uv_timer_t *timer);

static void free_handle(uv_handle_t *handle)
{
	free(handle);
}

static void drop_poll(struct sn_mqtt *m)
{
	if (!m->poll)
		return;
	uv_poll_stop(m->poll);
	uv_close((uv_handle_t *)m->poll, free_handle);
	m->poll = NULL;
}

static void schedule_reconnect(struct sn_mqtt *m)
{
	drop_poll(m);
	m->connected = false;
	if (uv_is_active((uv_handle_t *)m->retry))
		return;
	uv_timer_start(m->retry, retry_connect, (uint64_t)sn_backoff_next(&m->backoff), 0);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
	struct sn_mqtt *m = poll->data;
	int rc = MOSQ_ERR_SUCCESS;

	if (status < 0) {
		/* libuv reports the socket's error state (EPOLLERR: a reset, a
		 * refused connection) as UV_EBADF. Reading lets libmosquitto say
		 * what it was: the broker's TLS alert (logged by on_log) or errno. */
		rc = mosquitto_loop_read(m->mosq, 1);
		sn_warn("mqtt: connection lost: %s", rc != MOSQ_ERR_SUCCESS ?
			mosquitto_strerror(rc) : uv_strerror(status));
		schedule_reconnect(m);
		return;
	}
	if (events & UV_READABLE)
		rc = mosquitto_loop_read(m->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && m->poll && (events & UV_WRITABLE))
		rc = mosquitto_loop_write(m->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		sn_warn("mqtt: connection lost: %s", mosquitto_strerror(rc));
		schedule_reconnect(m);
		return;
	}
	update_poll(m);
}

/* Watches the current socket: readable always, writable while mosquitto has
 * queued output. */
static void update_poll(struct sn_mqtt *m)
{
	int fd = mosquitto_socket(m->mosq);

	if (fd < 0) {
		drop_poll(m);
		return;
	}
	if (!m->poll) {
		m->poll = malloc(sizeof(*m->poll));
		if (!m->poll || uv_poll_init_socket(m->loop, m->poll, fd) != 0) {
			sn_error("mqtt: cannot watch the broker socket");
			free(m->poll);
			m->poll = NULL;
			return;
		}
		m->poll->data = m;
		m->poll_events = 0;
	}
	int events = UV_READABLE | (mosquitto_want_write(m->mosq) ? UV_WRITABLE : 0);

	if (events != m->poll_events) {
		uv_poll_start(m->poll, events, on_poll);
		m->poll_events = events;
	}
}

/* After a timer's mosquitto call: polling goes on, or, when it failed
 * (said at @level as "mqtt: @what failed"), a reconnect is scheduled. */
static void poll_or_reconnect(struct sn_mqtt *m, int rc, enum sn_log_level level,
			      const char *what)
{
	if (rc != MOSQ_ERR_SUCCESS) {
		sn_log(level, "mqtt: %s failed: %s", what, mosquitto_strerror(rc));
		schedule_reconnect(m);
		return;
	}
	update_poll(m);
}

static void retry_connect(uv_timer_t *timer)
{
	struct sn_mqtt *m = timer->data;

	poll_or_reconnect(m, mosquitto_reconnect_async(m->mosq), SN_LOG_DEBUG, "reconnect");
}

static void on_misc(uv_timer_t *timer)
{
	struct sn_mqtt *m = timer->data;

	if (m->poll)
		poll_or_reconnect(m, mosquitto_loop_misc(m->mosq), SN_LOG_WARN, "keepalive");
}

static void on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct sn_mqtt *m = arg;

	(void)mosq;
	if (rc != 0) {
		sn_warn("mqtt: broker refused the connection: %s", mosquitto_connack_string(rc));
		return;	/* the broker closes the socket; the read error reconnects */
	}
	m->connected = true;
	sn_backoff_reset(&m->backoff);
	sn_info("mqtt: connected");
	if (m->on_connected)
		m->on_connected(m->arg);
}

/* libmosquitto's own errors: why a TLS handshake failed (OpenSSL's words:
 * "certificate verify failed", "tlsv13 alert certificate required") or a
 * certificate did not load. Its debug chatter stays out. */
static void on_log(struct mosquitto *mosq, void *arg, int level, const char *text)
{
	(void)mosq;
	(void)arg;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		sn_warn("mqtt: %s", text);
}

static void on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct sn_mqtt *m = arg;

	(void)mosq;
	m->on_message(m->arg, msg->topic, msg->payload, msg->payloadlen);
}

struct sn_mqtt *sn_mqtt_new(uv_loop_t *loop, const char *client_id, sn_mqtt_message_fn msg_fn,
			    sn_mqtt_connected_fn connected_fn, void *arg)
{
	static int lib_ready;
	struct sn_mqtt *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (!lib_ready) {
		mosquitto_lib_init();
		lib_ready = 1;
	}
	m->loop = loop;
	m->on_message = msg_fn;
	m->on_connected = connected_fn;
	m->arg = arg;
	sn_backoff_init(&m->backoff, SN_MQTT_BACKOFF_MIN_MS, SN_MQTT_BACKOFF_MAX_MS);
	/* clean_session: subscriptions are renewed in on_connected anyway. */
	m->mosq = mosquitto_new(client_id, true, m);
	m->misc = malloc(sizeof(*m->misc));
	m->retry = malloc(sizeof(*m->retry));
	if (!m->mosq || !m->misc || !m->retry) {
		if (m->mosq)
			mosquitto_destroy(m->mosq);
		free(m->misc);
		free(m->retry);
		free(m);
		return NULL;
	}
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Requests and answers are small messages in both directions: with
	 * Nagle's algorithm, one sent while the broker has not yet acked the
	 * previous (a PUBACK) waits for its delayed ACK, 40 ms. That was most
	 * of a table miss's latency (tests/bench/control.sh). */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_log_callback_set(m->mosq, on_log);
	uv_timer_init(loop, m->misc);
	uv_timer_init(loop, m->retry);
	m->misc->data = m->retry->data = m;
	return m;
}

/* OpenSSL asks for an encrypted key's password; without one configured the
 * key does not load (rather than OpenSSL prompting on the terminal). */
static int key_password(char *buf, int size, int rwflag, void *userdata)
{
	struct sn_mqtt *m = mosquitto_userdata(userdata);
	int len = (int)strlen(m->keyfile_password);

	(void)rwflag;
	if (!len || len >= size)
		return 0;
	memcpy(buf, m->keyfile_password, (size_t)len);
	return len;
}

int sn_mqtt_secure(struct sn_mqtt *m, const struct sn_mqtt_security *sec)
{
	int rc = MOSQ_ERR_SUCCESS;
	const char *what = "";

#define OPT(s) ((s)[0] ? (s) : NULL)
	if (sec->username[0]) {
		what = "username and password";
		rc = mosquitto_username_pw_set(m->mosq, sec->username, OPT(sec->password));
	}
	if (rc == MOSQ_ERR_SUCCESS && sec->tls) {
		snprintf(m->keyfile_password, sizeof(m->keyfile_password), "%s",
			 sec->keyfile_password);
		what = "TLS files";
		rc = mosquitto_tls_set(m->mosq, OPT(sec->cafile), OPT(sec->capath),
				       OPT(sec->certfile), OPT(sec->keyfile), key_password);
		/* The broker's certificate and host name are always verified. */
		if (rc == MOSQ_ERR_SUCCESS) {
			what = "TLS options";
			rc = mosquitto_tls_opts_set(m->mosq, 1, OPT(sec->tls_version), NULL);
		}
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_insecure_set(m->mosq, false);
	}
#undef OPT
	if (rc != MOSQ_ERR_SUCCESS) {
		sn_error("mqtt: %s refused: %s", what, mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

int sn_mqtt_connect(struct sn_mqtt *m, const char *host, int port)
{
	int rc = mosquitto_connect_async(m->mosq, host, port, SN_MQTT_KEEPALIVE_S);

	uv_timer_start(m->misc, on_misc, SN_MQTT_MISC_MS, SN_MQTT_MISC_MS);
	m->started = true;
	if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_TLS) {
		/* Refused or unreachable: keep trying, the broker may start later.
		 * A TLS handshake that fails at once (loopback) is retried as
		 * one that fails later in on_poll is: OpenSSL's reason is logged
		 * (on_log) on every attempt. */
		sn_warn("mqtt: cannot reach broker %s:%d yet (%s); retrying", host, port,
			rc == MOSQ_ERR_TLS ? mosquitto_strerror(rc) : strerror(errno));
		schedule_reconnect(m);
		return 0;
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		sn_error("mqtt: cannot connect to %s:%d: %s", host, port, mosquitto_strerror(rc));
		return -1;
	}
	update_poll(m);
	return 0;
}

bool sn_mqtt_is_connected(const struct sn_mqtt *m)
{
	return m->connected;
}

int sn_mqtt_subscribe(struct sn_mqtt *m, const char *pattern, int qos)
{
	int rc = mosquitto_subscribe(m->mosq, NULL, pattern, qos);

	if (rc != MOSQ_ERR_SUCCESS) {
		sn_error("mqtt: subscribe %s: %s", pattern, mosquitto_strerror(rc));
		return -1;
	}
	update_poll(m);
	return 0;
}

int sn_mqtt_unsubscribe(struct sn_mqtt *m, const char *pattern)
{
	int rc = mosquitto_unsubscribe(m->mosq, NULL, pattern);

	if (rc != MOSQ_ERR_SUCCESS) {
		sn_error("mqtt: unsubscribe %s: %s", pattern, mosquitto_strerror(rc));
		return -1;
	}
	update_poll(m);
	return 0;
}

int sn_mqtt_publish_json(struct sn_mqtt *m, const char *topic, json_t *payload, int qos,
			 bool retain)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	int rc;

	if (!text) {
		sn_error("mqtt: out of memory publishing to %s", topic);
		return -1;
	}
	rc = mosquitto_publish(m->mosq, NULL, topic, (int)strlen(text), text, qos, retain);
	free(text);
	if (rc != MOSQ_ERR_SUCCESS) {
		sn_warn("mqtt: publish to %s: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	update_poll(m);
	return 0;
}

void sn_mqtt_free(struct sn_mqtt *m)
{
	if (!m)
		return;
	drop_poll(m);
	if (m->connected)
		mosquitto_disconnect(m->mosq);
	mosquitto_destroy(m->mosq);
	uv_close((uv_handle_t *)m->misc, free_handle);
	uv_close((uv_handle_t *)m->retry, free_handle);
	free(m);
}
