// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd: the node daemon. Serves the node-engine API on a unix socket,
 * wires containers into the overlay, keeps semnet.ko's tables in step with
 * the cluster (MQTT) and survives kill -9 through its SQLite store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "answers.h"
#include "discover.h"
#include "interest.h"
#include "probe.h"
#include "semnetd.h"
#include "sn_daemon.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "wgrefused.h"

static void stop(void *arg)
{
	struct semnetd *d = arg;

	sn_info("stopping");
	uv_stop(d->loop);
}

/* The socket's directory (e.g. /run/semnet) when it is missing. */
static void make_parent(const char *path)
{
	char dir[sizeof(((struct semnetd_config *)0)->socket_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
}

int main(int argc, char **argv)
{
	static struct semnetd d;
	uv_loop_t loop;
	int rc, exit_code = sn_daemon_start(semnetd_config_load(&d.cfg, argc, argv), "semnetd",
					    &d.cfg.log_level, &loop);

	if (exit_code >= 0)
		return exit_code;
	exit_code = 1;
	d.loop = &loop;
	uv_timer_init(&loop, &d.subnet_timer);
	d.subnet_timer.data = &d;
	uv_timer_init(&loop, &d.interest_timer);
	d.interest_timer.data = &d;
	if ((rc = sn_genl_open(&d.genl)) < 0) {
		sn_error("%s", sn_genl_open_strerror(rc));
		goto out_loop;
	}
	if (semnetd_answers_init(&d) < 0) {
		sn_error("out of memory at startup");
		goto out_genl;
	}
	if (semnetd_store_open(&d.db, d.cfg.db_path, d.cfg.db_durable) < 0 ||
	    semnetd_store_identity_get(&d.db, &d.id) < 0)
		goto out_genl;
	if (semnetd_host_open(&d.host) < 0) {
		sn_error("cannot open a route-netlink socket");
		goto out_db;
	}
	if (semnetd_fw_open(&d.fw) < 0)
		sn_warn("no nftables context: no firewall rules and no port mappings");
	semnetd_peers_init(&d.peers);
	semnetd_wglinks_init(&d.wgl, &loop);
	d.probe = semnetd_probe_new(&d);
	d.discover = semnetd_discover_new(&d);
	d.http = sn_http_server_new(&loop, semnetd_routes, semnetd_nroutes, &d);
	if (!d.probe || !d.discover || !d.http) {
		sn_error("out of memory at startup");
		goto out_all;
	}
	make_parent(d.cfg.socket_path);
	if (sn_http_server_listen_unix(d.http, d.cfg.socket_path) < 0 ||
	    sn_loop_handle_signals(&loop, stop, &d) != 0)
		goto out_all;
	/* The orchestrator's group may use the socket, nobody else. */
	if (chmod(d.cfg.socket_path, 0660) < 0)
		sn_warn("cannot chmod %s: %s", d.cfg.socket_path, strerror(errno));

	if (d.id.node_id[0] && semnetd_node_resume(&d) < 0)
		goto out_all;
	semnetd_interest_start(&d);
	sn_info("serving on %s, database %s%s%s", d.cfg.socket_path, d.cfg.db_path,
		d.id.node_id[0] ? ", node " : " (not registered)", d.id.node_id);
	if (d.cfg.ready_file[0] && sn_write_ready_file(d.cfg.ready_file, 0) < 0)
		goto out_all;
	uv_run(&loop, UV_RUN_DEFAULT);
	exit_code = 0;
out_all:
	semnetd_answers_flush(&d);	/* what the last turn learnt */
	/* Nothing may run once the loop spins again to close the handles:
	 * the timers and the event poll would use what is freed below. */
	uv_timer_stop(&d.interest_timer);
	uv_timer_stop(&d.subnet_timer);
	if (d.events_polling)
		uv_poll_stop(&d.events_poll);
	semnetd_probe_stop(d.probe);
	semnetd_discover_stop(d.discover);	/* its snat rule goes too */
	semnetd_relaylinks_free(&d);		/* its sockets close with the loop's */
	sn_http_server_free(d.http);
	sn_mqtt_free(d.mqtt);
	d.mqtt = NULL;
	sn_loop_close_all(&loop);
	semnetd_answers_free(&d);
	semnetd_services_free(&d.services);
	semnetd_queries_free(&d.queries);
	semnetd_peers_free(&d.peers);
	semnetd_wgrefused_stop(&d);	/* table inet semnet-wg goes */
	semnetd_wglinks_free(&d.wgl);
	semnetd_probe_free(d.probe);
	semnetd_discover_free(d.discover);
	semnetd_leases_destroy(&d.leases);
	semnetd_leases6_destroy(&d.leases6);
	semnetd_fw_close(&d.fw);
	semnetd_host_close(&d.host);
	sn_db_close(&d.db);
	sn_genl_close(&d.events);
	sn_genl_close(&d.genl);
	return exit_code;
out_db:
	sn_db_close(&d.db);
out_genl:
	semnetd_answers_free(&d);
	sn_genl_close(&d.genl);
out_loop:
	sn_loop_close_all(&loop);
	return exit_code;
}
