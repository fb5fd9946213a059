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
#include <uapi/linux/semnet.h>

#include "semnetd.h"
#include "sn_daemon.h"
#include "sn_log.h"
#include "probe.h"
#include "sn_loop.h"
#include "tables.h"

static void stop(void *arg)
{
	struct semnetd *d = arg;

	sn_info("stopping");
	uv_stop(d->loop);
}

static int on_event(uint8_t cmd, struct nlattr **attrs, void *arg)
{
	struct semnetd_miss m;

	if (cmd == SEMNET_CMD_MISS && semnetd_kernel_parse_miss(attrs, &m) == 0)
		semnetd_tables_on_miss(arg, &m);
	return 0;
}

static void on_events(uv_poll_t *poll, int status, int events)
{
	struct semnetd *d = poll->data;
	int rc;

	(void)events;
	if (status < 0)
		return;
	for (int batch = 0; batch < 64; batch++) {
		rc = sn_genl_recv_events(&d->events, on_event, d);
		if (rc == -EAGAIN)
			return;
		if (rc == -ENOBUFS) {
			/* Events were lost: what missed will miss again (the
			 * kernel rate-limits, it does not stop); refresh the rest. */
			sn_warn("kernel miss events were dropped (socket full)");
			semnetd_tables_requery_all(d);
		} else if (rc < 0) {
			sn_warn("reading kernel events: %s", strerror(-rc));
			return;
		}
	}
}

static int start_events(struct semnetd *d)
{
	int rc;

	if (d->events_polling)
		return 0;
	if ((rc = sn_genl_open(&d->events)) < 0)
		return rc;
	if ((rc = semnetd_kernel_subscribe_misses(&d->events)) < 0) {
		sn_genl_close(&d->events);
		return rc;
	}
	if (uv_poll_init(d->loop, &d->events_poll, sn_genl_fd(&d->events)) < 0) {
		sn_genl_close(&d->events);
		return -EIO;
	}
	d->events_poll.data = d;
	uv_poll_start(&d->events_poll, UV_READABLE, on_events);
	d->events_polling = true;
	return 0;
}

struct lease_list {
	struct semnetd_lease *items;
	size_t n;
};

static void collect_lease(void *arg, const struct semnetd_lease *l)
{
	struct lease_list *list = arg;
	struct semnetd_lease *grown = realloc(list->items, (list->n + 1) * sizeof(*grown));

	if (!grown)
		return;
	list->items = grown;
	list->items[list->n++] = *l;
}

int semnetd_node_setup(struct semnetd *d, struct sn_err *err)
{
	struct lease_list leases = { 0 };
	struct semnetd_node_cfg node = {
		.platform = d->cfg.platform,
		.services = d->cfg.services,
		.subnet = d->id.subnet,
		.gateway = d->id.subnet.addr + 1,
		.tunnel_port = d->cfg.tunnel_port,
	};
	uint32_t cursor;
	int rc;

	if (!sn_prefix_contains(&d->cfg.platform, d->id.subnet.addr) ||
	    sn_prefix_overlaps(&d->cfg.services, &d->id.subnet)) {
		sn_err_set(err, "the subnet is outside the platform range or inside the services range");
		return -1;
	}
	semnetd_leases_destroy(&d->leases);
	if (semnetd_leases_init(&d->leases, &d->id.subnet) < 0 ||
	    semnetd_store_lease_each(&d->db, collect_lease, &leases) < 0 ||
	    semnetd_store_cursor_get(&d->db, &cursor) < 0) {
		sn_err_set(err, "cannot read the leases");
		free(leases.items);
		return -1;
	}
	for (size_t i = 0; i < leases.n; i++)
		if (semnetd_leases_reserve(&d->leases, leases.items[i].nsip) < 0)
			sn_warn("lease %08x is outside the node's subnet", leases.items[i].nsip);
	if (cursor)
		semnetd_leases_continue_after(&d->leases, cursor);

	if (semnetd_host_bridge(&d->host, d->cfg.bridge, &d->id.subnet, node.gateway,
				&d->bridge_ifindex, err) < 0)
		goto fail;
	node.bridge_ifindex = d->bridge_ifindex;
	if ((rc = semnetd_kernel_set_node(&d->genl, &node)) < 0) {
		sn_err_set(err, "the kernel refused the node configuration: %s",
			   d->genl.error[0] ? d->genl.error : strerror(-rc));
		goto fail;
	}
	if (semnetd_host_tunnel(&d->host, &d->cfg.platform, node.gateway, &d->tunnel_mtu, err) < 0)
		goto fail;
	if (d->cfg.firewall && d->fw.nft && semnetd_fw_accept(&d->fw, d->cfg.bridge, err) < 0)
		goto fail;
	if (d->fw.nft && semnetd_fw_portmap_init(&d->fw, err) < 0)
		goto fail;
	if ((rc = start_events(d)) < 0)
		sn_warn("no kernel miss events (%s): services are learnt only on deployment",
			strerror(-rc));
	/* Without probes the node still works: every peer stays at the
	 * unknown cost (probe.c says why). */
	semnetd_probe_start(d->probe, node.gateway);
	d->state = SEMNETD_READY;
	d->state_error[0] = '\0';

	/* Local instances: a container that died took its veth with it. */
	for (size_t i = 0; i < leases.n; i++) {
		struct semnetd_lease *l = &leases.items[i];
		struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
		size_t nmaps;

		if (!semnetd_host_ifindex(&d->host, l->veth)) {
			sn_info("instance %d of %s: its container is gone; undeploying it", l->number,
				l->job_name);
			semnetd_api_remove_instance(d, l);
			continue;
		}
		if (d->fw.nft && semnetd_parse_ports(l->ports, maps, &nmaps, err) == 0 &&
		    semnetd_fw_ports_add(&d->fw, l->nsip, maps, nmaps, err) < 0)
			sn_warn("instance %d of %s: %s", l->number, l->job_name, err->msg);
		semnetd_tables_install_local(d, l);
	}
	free(leases.items);
	semnetd_tables_adopt_kernel(d);
	if (d->mqtt && sn_mqtt_is_connected(d->mqtt))
		sn_mqtt_subscribe(d->mqtt, "semnet/nodes", 1);	/* the retained registry again */
	{
		char subnet[SN_CIDR_STRLEN];

		sn_prefix_format(&d->id.subnet, subnet);
		sn_info("node ready: subnet %s on %s, semnet0 MTU %d", subnet, d->cfg.bridge,
			d->tunnel_mtu);
	}
	return 0;
fail:
	free(leases.items);
	return -1;
}

static void on_interest_timer(uv_timer_t *timer)
{
	semnetd_tables_tick(timer->data);
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
	int rc = semnetd_config_load(&d.cfg, argc, argv), exit_code = 1;

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	sn_log_init("semnetd", d.cfg.log_level);
	if (uv_loop_init(&loop) != 0)
		return 1;
	d.loop = &loop;
	uv_timer_init(&loop, &d.subnet_timer);
	d.subnet_timer.data = &d;
	uv_timer_init(&loop, &d.interest_timer);
	d.interest_timer.data = &d;
	if ((rc = sn_genl_open(&d.genl)) < 0) {
		sn_error("%s", sn_genl_open_strerror(rc));
		goto out_loop;
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
	d.tables = semnetd_tables_new();
	d.probe = semnetd_probe_new(&d);
	d.http = sn_http_server_new(&loop, semnetd_routes, semnetd_nroutes, &d);
	if (!d.tables || !d.probe || !d.http) {
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

	if (d.id.node_id[0]) {
		struct sn_err err;

		d.underlay = d.cfg.underlay_addr;
		d.state = SEMNETD_WAITING_SUBNET;
		if (!d.underlay && semnetd_host_underlay(&d.host, d.cfg.underlay_dev, &d.underlay,
							 &err) < 0)
			sn_warn("cannot find the underlay address: %s", err.msg);
		/* Registered before a restart: the kernel comes back from the
		 * store at once, the cluster refreshes it once connected. */
		if (d.id.subnet.len && semnetd_node_setup(&d, &err) < 0) {
			d.state = SEMNETD_FAILED;
			snprintf(d.state_error, sizeof(d.state_error), "%s", err.msg);
			sn_error("node setup failed: %s", err.msg);
		}
		if (semnetd_cluster_start(&d) < 0)
			goto out_all;
	}
	uv_timer_start(&d.interest_timer, on_interest_timer, (uint64_t)d.cfg.interest_check_ms,
		       (uint64_t)d.cfg.interest_check_ms);
	sn_info("serving on %s, database %s%s%s", d.cfg.socket_path, d.cfg.db_path,
		d.id.node_id[0] ? ", node " : " (not registered)", d.id.node_id);
	if (d.cfg.ready_file[0] && sn_write_ready_file(d.cfg.ready_file, 0) < 0)
		goto out_all;
	uv_run(&loop, UV_RUN_DEFAULT);
	exit_code = 0;
out_all:
	/* Nothing may run once the loop spins again to close the handles:
	 * the timers and the event poll would use what is freed below. */
	uv_timer_stop(&d.interest_timer);
	uv_timer_stop(&d.subnet_timer);
	if (d.events_polling)
		uv_poll_stop(&d.events_poll);
	semnetd_probe_stop(d.probe);
	sn_http_server_free(d.http);
	sn_mqtt_free(d.mqtt);
	d.mqtt = NULL;
	sn_loop_close_all(&loop);
	semnetd_tables_free(d.tables);
	semnetd_probe_free(d.probe);
	semnetd_leases_destroy(&d.leases);
	semnetd_fw_close(&d.fw);
	semnetd_host_close(&d.host);
	sn_db_close(&d.db);
	sn_genl_close(&d.events);
	sn_genl_close(&d.genl);
	return exit_code;
out_db:
	sn_db_close(&d.db);
out_genl:
	sn_genl_close(&d.genl);
out_loop:
	sn_loop_close_all(&loop);
	return exit_code;
}
