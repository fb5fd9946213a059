// SPDX-License-Identifier: GPL-2.0
/* semnet-cluster: the cluster service manager (REST towards the root and
 * the cluster orchestrator, MQTT towards its nodes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "interests.h"
#include "nodes.h"
#include "registry.h"
#include "sn_daemon.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "store.h"
#include "stun.h"
#include "uplink.h"

int64_t sn_cluster_now(void)
{
	return (int64_t)time(NULL);
}

static void stop(void *arg)
{
	struct sn_cluster *c = arg;

	sn_info("stopping");
	uv_stop(c->loop);
}

static void on_mqtt_connected(void *arg)
{
	struct sn_cluster *c = arg;

	sn_mqtt_subscribe(c->mqtt, "nodes/+/net/#", 1);
	/* A broker restarted without persistence lost the retained registry. */
	sn_registry_publish(c, -1);
}

int main(int argc, char **argv)
{
	static struct sn_cluster c;
	uv_loop_t loop;
	char client_id[96];
	int exit_code = sn_daemon_start(sn_cluster_config_load(&c.cfg, argc, argv),
					"semnet-cluster", &c.cfg.log_level, &loop);

	if (exit_code >= 0)
		return exit_code;
	exit_code = 1;
	c.loop = &loop;
	sn_registry_init(&c);
	if (sn_cluster_store_open(&c.db, c.cfg.db_path, c.cfg.db_durable) < 0 ||
	    sn_cluster_store_tables_invalidate_all(&c.db) < 0)
		goto out_loop;
	snprintf(client_id, sizeof(client_id), "semnet-cluster%s%s", c.cfg.cluster_id[0] ? "-" : "",
		 c.cfg.cluster_id);
	c.client = sn_http_client_new(&loop);
	c.http = sn_http_server_new(&loop, sn_cluster_routes, sn_cluster_nroutes, &c);
	c.mqtt = sn_mqtt_new(&loop, client_id, sn_nodes_on_message, on_mqtt_connected, &c);
	c.uplink = sn_uplink_new(&c);
	if (!c.client || !c.http || !c.mqtt || !c.uplink) {
		sn_error("out of memory at startup");
		goto out_all;
	}
	if (c.cfg.stun_port) {
		struct sn_err err;

		if (!(c.stun = sn_stun_new(&loop))) {
			sn_error("out of memory at startup");
			goto out_all;
		}
		if (sn_stun_listen(c.stun, c.cfg.listen, c.cfg.stun_port, &err) < 0) {
			sn_error("%s", err.msg);
			goto out_all;
		}
		sn_info("endpoint discovery on %s UDP %d and %d", c.cfg.listen, c.cfg.stun_port,
			c.cfg.stun_port + 1);
	}
	if (sn_http_server_listen_tcp(c.http, c.cfg.listen, c.cfg.port) < 0 ||
	    sn_loop_handle_signals(&loop, stop, &c) != 0 ||
	    sn_mqtt_secure(c.mqtt, &c.cfg.mqtt_security) < 0 ||
	    sn_mqtt_connect(c.mqtt, c.cfg.mqtt_host, c.cfg.mqtt_port) < 0)
		goto out_all;
	sn_info("cluster %s serving on %s:%d, broker %s:%d%s, root %s, database %s",
		c.cfg.cluster_id[0] ? c.cfg.cluster_id : "(known by its address)", c.cfg.listen,
		sn_http_server_port(c.http), c.cfg.mqtt_host, c.cfg.mqtt_port,
		c.cfg.mqtt_security.tls ? " (TLS)" : "", c.cfg.root_url, c.cfg.db_path);
	sn_uplink_start(c.uplink);
	sn_interests_start(&c);
	if (c.cfg.ready_file[0] && sn_write_ready_file(c.cfg.ready_file, sn_http_server_port(c.http)) < 0)
		goto out_all;
	uv_run(&loop, UV_RUN_DEFAULT);
	exit_code = 0;
out_all:
	sn_http_server_free(c.http);
	sn_http_client_free(c.client);
	sn_uplink_free(c.uplink);
	sn_mqtt_free(c.mqtt);
	sn_stun_free(c.stun);
	sn_db_close(&c.db);
out_loop:
	sn_loop_close_all(&loop);
	return exit_code;
}
