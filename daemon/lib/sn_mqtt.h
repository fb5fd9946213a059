/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MQTT client on a libuv loop: libmosquitto without its thread, driven by a
 * uv_poll on mosquitto_socket() (read always, write while it has queued
 * data) and a timer for mosquitto_loop_misc (keepalive, QoS retries).
 * Reconnects with backoff; the connect callback runs after every
 * (re)connection, so subscribe there.
 */
#ifndef SN_MQTT_H
#define SN_MQTT_H

#include <limits.h>
#include <stdbool.h>
#include <jansson.h>
#include <uv.h>

struct sn_mqtt;

/*
 * How a daemon proves itself to the broker and checks the broker: the
 * mqtt-* settings every MQTT daemon has (SN_MQTT_SETTINGS in sn_config.h,
 * checked and completed by sn_config_mqtt_check). TLS when @tls; the broker
 * verified against @cafile, else the CAs in @capath; a client certificate
 * when @certfile (with @keyfile, decrypted with @keyfile_password); a
 * username and password when @username.
 */
struct sn_mqtt_security {
	bool tls;
	char cafile[PATH_MAX];
	char capath[PATH_MAX];		/* the system's CAs when there is no cafile */
	char certfile[PATH_MAX];
	char keyfile[PATH_MAX];
	char keyfile_password_file[PATH_MAX];
	char tls_version[16];		/* "" (libmosquitto's: 1.2 or newer), tlsv1.2, tlsv1.3 */
	char username[256];
	char password_file[PATH_MAX];
	/* Read from the files above by sn_config_mqtt_check. */
	char keyfile_password[256];
	char password[256];
};

typedef void (*sn_mqtt_message_fn)(void *arg, const char *topic, const char *payload, int len);
typedef void (*sn_mqtt_connected_fn)(void *arg);

/* NULL on allocation failure. */
struct sn_mqtt *sn_mqtt_new(uv_loop_t *loop, const char *client_id, sn_mqtt_message_fn on_message,
			    sn_mqtt_connected_fn on_connected, void *arg);
/*
 * Applies @sec (copied) before the first sn_mqtt_connect. 0, or -1 with the
 * reason logged. A bad certificate or key shows at connect time, as a
 * logged OpenSSL error and a failed sn_mqtt_connect.
 */
int sn_mqtt_secure(struct sn_mqtt *m, const struct sn_mqtt_security *sec);
/* Starts connecting to the broker (non-blocking). 0 or -1 (logged); a
 * broker that is down is retried with backoff, not an error. */
int sn_mqtt_connect(struct sn_mqtt *m, const char *host, int port);
bool sn_mqtt_is_connected(const struct sn_mqtt *m);
int sn_mqtt_subscribe(struct sn_mqtt *m, const char *pattern, int qos);
int sn_mqtt_unsubscribe(struct sn_mqtt *m, const char *pattern);
/* Publishes @payload (borrowed) as compact JSON. 0 or -1 (logged). */
int sn_mqtt_publish_json(struct sn_mqtt *m, const char *topic, json_t *payload, int qos,
			 bool retain);
void sn_mqtt_free(struct sn_mqtt *m);

#endif
