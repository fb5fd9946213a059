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

#include <stdbool.h>
#include <jansson.h>
#include <uv.h>

struct sn_mqtt;

typedef void (*sn_mqtt_message_fn)(void *arg, const char *topic, const char *payload, int len);
typedef void (*sn_mqtt_connected_fn)(void *arg);

/* NULL on allocation failure. */
struct sn_mqtt *sn_mqtt_new(uv_loop_t *loop, const char *client_id, sn_mqtt_message_fn on_message,
			    sn_mqtt_connected_fn on_connected, void *arg);
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
