// SPDX-License-Identifier: GPL-2.0
/* Registration, the node's setup and what a restart picks up (setup.h). */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances.h"
#include "probe.h"
#include "semnetd.h"
#include "sn_log.h"

const char *semnetd_state_name(enum semnetd_state s)
{
	switch (s) {
	case SEMNETD_UNREGISTERED:
		return "unregistered";
	case SEMNETD_WAITING_SUBNET:
		return "waiting-for-subnet";
	case SEMNETD_READY:
		return "ready";
	case SEMNETD_FAILED:
		return "failed";
	}
	return "?";
}

int semnetd_node_ready(struct semnetd *d, struct sn_err *err)
{
	switch (d->state) {
	case SEMNETD_READY:
		return 0;
	case SEMNETD_UNREGISTERED:
		sn_err_set(err, "the node is not registered (POST /register first)");
		return -ENOTCONN;
	case SEMNETD_WAITING_SUBNET:
		sn_err_set(err, "the node is registered but waiting for its subnet from the cluster%s%s",
			   d->state_error[0] ? ": " : "", d->state_error);
		return -EAGAIN;
	case SEMNETD_FAILED:
		sn_err_set(err, "the node's network setup failed: %s", d->state_error);
		return -EAGAIN;
	}
	return -EIO;
}

int semnetd_node_register(struct semnetd *d, const struct semnetd_register_req *r,
			  struct sn_err *err)
{
	uint32_t underlay = d->cfg.underlay_addr;
	struct sn_err why;

	if (d->id.node_id[0]) {
		if (strcmp(d->id.node_id, r->client_id) != 0) {
			sn_err_set(err, "this node is registered as '%s' already", d->id.node_id);
			return -EEXIST;
		}
		return 0;	/* the same registration again: idempotent */
	}
	if (!underlay &&
	    semnetd_host_underlay(&d->host, d->cfg.underlay_dev, &underlay, &why) < 0) {
		sn_err_set(err, "cannot find this node's underlay address: %s", why.msg);
		return -EIO;
	}
	snprintf(d->id.node_id, sizeof(d->id.node_id), "%s", r->client_id);
	snprintf(d->id.cluster_address, sizeof(d->id.cluster_address), "%s", r->cluster_address);
	if (sn_db_begin(&d->db) < 0 || semnetd_store_identity_put(&d->db, &d->id) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		memset(&d->id, 0, sizeof(d->id));
		sn_err_set(err, SEMNETD_STORE_ERROR);
		return -EIO;
	}
	d->underlay = underlay;
	d->state = SEMNETD_WAITING_SUBNET;
	if (semnetd_upstream_start(d) < 0)
		sn_error("cannot start the MQTT client");
	sn_info("registered as %s with cluster %s", d->id.node_id, d->id.cluster_address);
	return 0;
}

/* After a restart: adopts the services the kernel still has (flows keep
 * running) and refreshes them from the cluster. */
static void adopt_kernel(struct semnetd *d)
{
	struct semnetd_kservice *ks;
	struct semnetd_kinstance *ki;
	size_t nks, nki;

	if (semnetd_kernel_services(&d->genl, &ks, &nks) < 0)
		return;
	if (semnetd_kernel_instances(&d->genl, &ki, &nki) < 0) {
		free(ks);
		return;
	}
	for (size_t i = 0; i < nks; i++) {
		struct semnetd_svc *s = semnetd_services_find(&d->services, ks[i].name);

		if (!sn_oak_job_name_valid(ks[i].name))
			continue;	/* not one of ours (added by hand) */
		if (!s && !(s = semnetd_services_add(d, ks[i].name)))
			continue;
		s->packets += ks[i].c.packets;
		/* The policy tells the addresses apart; the cluster's answer
		 * re-installs both and drops what is not listed. */
		if (!strcmp(ks[i].policy, "closest") || s->rr_ip)
			s->closest_ip = ks[i].addr;
		else
			s->rr_ip = ks[i].addr;
	}
	for (size_t i = 0; i < nki; i++) {
		struct semnetd_svc *s = semnetd_services_find(&d->services, ki[i].service);
		struct semnetd_svc_instance *grown;

		if (!sn_oak_job_name_valid(ki[i].service))
			continue;
		if (!s && !(s = semnetd_services_add(d, ki[i].service)))
			continue;
		if (!(grown = realloc(s->inst, (s->ninst + 1) * sizeof(*grown))))
			continue;
		s->inst = grown;
		s->inst[s->ninst++] = (struct semnetd_svc_instance){
			.number = -1, .instance_ip = ki[i].addr, .nsip = ki[i].nsip,
			.node = ki[i].node,
		};
		s->packets += ki[i].c.packets;
	}
	free(ks);
	free(ki);
	for (struct semnetd_svc *s = d->services.head; s; s = s->next)
		semnetd_query_name(d, s->name);
	if (nks || nki)
		sn_info("adopted %zu service addresses and %zu instances from the kernel", nks, nki);
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

static int setup(struct semnetd *d, struct sn_err *err)
{
	struct lease_list leases = { 0 };
	struct semnetd_node_cfg node = {
		.platform = d->cfg.platform,
		.services = d->cfg.services,
		.subnet = d->id.subnet,
		.gateway = d->id.subnet.addr + 1,
		.tunnel_port = d->cfg.tunnel_port,
	};
	char subnet[SN_CIDR_STRLEN];
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

	if (d->cfg.routed) {
		/* No bridge: bridge_ifindex 0 tells the kernel and the veths. */
		if (semnetd_host_routed(&d->host, node.gateway, err) < 0)
			goto fail;
		d->bridge_ifindex = 0;
	} else if (semnetd_host_bridge(&d->host, d->cfg.bridge, &d->id.subnet, node.gateway,
				       &d->bridge_ifindex, err) < 0) {
		goto fail;
	}
	node.bridge_ifindex = d->bridge_ifindex;
	if ((rc = semnetd_kernel_set_node(&d->genl, &node)) < 0) {
		sn_err_set(err, "the kernel refused the node configuration: %s",
			   d->genl.error[0] ? d->genl.error : strerror(-rc));
		goto fail;
	}
	if (semnetd_host_tunnel(&d->host, &d->cfg.platform, node.gateway, &d->tunnel_mtu, err) < 0)
		goto fail;
	/* Routed: every container veth, by the prefix of their names. */
	if (d->cfg.firewall && d->fw.available &&
	    semnetd_fw_accept(&d->fw, d->cfg.routed ? SEMNETD_VETH_PREFIX "*" : d->cfg.bridge,
			      err) < 0)
		goto fail;
	if (d->fw.available && semnetd_fw_portmap_init(&d->fw, err) < 0)
		goto fail;
	if ((rc = semnetd_misses_start(d)) < 0)
		sn_warn("no kernel miss events (%s): services are learnt only on deployment",
			strerror(-rc));
	/* Without probes the node still works: every peer stays at the
	 * unknown cost (probe.c says why). */
	semnetd_probe_start(d->probe, node.gateway);
	d->state = SEMNETD_READY;
	d->state_error[0] = '\0';

	for (size_t i = 0; i < leases.n; i++)
		semnetd_instance_restore(d, &leases.items[i]);
	free(leases.items);
	adopt_kernel(d);
	if (d->mqtt && sn_mqtt_is_connected(d->mqtt))
		/* The retained registry again. */
		sn_mqtt_subscribe(d->mqtt, "semnet/nodes", 1);
	sn_prefix_format(&d->id.subnet, subnet);
	sn_info("node ready: subnet %s on %s, semnet0 MTU %d", subnet,
		d->cfg.routed ? "routed veths" : d->cfg.bridge, d->tunnel_mtu);
	return 0;
fail:
	free(leases.items);
	return -1;
}

int semnetd_node_setup(struct semnetd *d)
{
	struct sn_err err;

	if (setup(d, &err) == 0)
		return 0;
	d->state = SEMNETD_FAILED;
	snprintf(d->state_error, sizeof(d->state_error), "%s", err.msg);
	sn_error("node setup failed: %s", err.msg);
	return -1;
}

void semnetd_node_on_subnet(struct semnetd *d, const struct sn_prefix *subnet)
{
	if (d->state != SEMNETD_WAITING_SUBNET) {
		if (d->id.subnet.addr != subnet->addr || d->id.subnet.len != subnet->len)
			sn_warn("the cluster now names another subnet for this node; keeping ours");
		return;
	}
	d->id.subnet = *subnet;
	if (sn_db_begin(&d->db) < 0 || semnetd_store_identity_put(&d->db, &d->id) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		d->id.subnet.len = 0;
		d->state = SEMNETD_FAILED;
		snprintf(d->state_error, sizeof(d->state_error), "cannot store the subnet");
		return;
	}
	semnetd_node_setup(d);
}

int semnetd_node_resume(struct semnetd *d)
{
	struct sn_err err;

	d->underlay = d->cfg.underlay_addr;
	d->state = SEMNETD_WAITING_SUBNET;
	if (!d->underlay &&
	    semnetd_host_underlay(&d->host, d->cfg.underlay_dev, &d->underlay, &err) < 0)
		sn_warn("cannot find the underlay address: %s", err.msg);
	/* Registered before a restart: the kernel comes back from the store
	 * at once, the cluster refreshes it once connected. */
	if (d->id.subnet.len)
		semnetd_node_setup(d);
	return semnetd_upstream_start(d);
}
