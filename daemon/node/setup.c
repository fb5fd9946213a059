// SPDX-License-Identifier: GPL-2.0
/* Registration, the node's setup and what a restart picks up (setup.h). */
#include "setup.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
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

/* This node's underlay: the address given (and the device holding it, if
 * one here does), or the one found (host.h). 0, or < 0 with @err. */
static int find_underlay(struct semnetd *d, struct semnetd_underlay *u, struct sn_err *err)
{
	char text[SN_IPADDR_STRLEN], dev[IF_NAMESIZE] = "-", prefix[SN_IPADDR_STRLEN + 4];
	int rc;

	if (sn_ipaddr_is_set(&d->cfg.underlay_addr))
		rc = semnetd_host_underlay_of(&d->host, &d->cfg.underlay_addr, u);
	else
		rc = semnetd_host_underlay(&d->host, d->cfg.underlay_dev, d->cfg.underlay_family, u,
					   err);
	if (rc < 0 && sn_ipaddr_is_set(&d->cfg.underlay_addr)) {
		u->addr = d->cfg.underlay_addr;	/* the device stays unknown */
		rc = 0;
	}
	if (rc < 0)
		return rc;
	if (u->ifindex)
		if_indextoname((unsigned int)u->ifindex, dev);
	sn_link_prefix_format(&u->prefix, prefix);
	sn_info("underlay: %s (%s) on %s, prefix %s", sn_ipaddr_format(&u->addr, text),
		sn_ipaddr_family_name(u->addr.family), dev, prefix[0] ? prefix : "unknown");
	return 0;
}

/* The underlay device's name ("" when unknown), for its sysctls. */
static const char *underlay_dev(const struct semnetd *d, char name[IF_NAMESIZE])
{
	name[0] = '\0';
	if (d->cfg.underlay_dev[0])
		snprintf(name, IF_NAMESIZE, "%s", d->cfg.underlay_dev);
	else if (d->underlay.ifindex && !if_indextoname((unsigned int)d->underlay.ifindex, name))
		name[0] = '\0';
	return name;
}

int semnetd_node_register(struct semnetd *d, const struct semnetd_register_req *r,
			  struct sn_err *err)
{
	struct semnetd_underlay underlay;
	struct sn_err why;

	if (d->id.node_id[0]) {
		if (strcmp(d->id.node_id, r->client_id) != 0) {
			sn_err_set(err, "this node is registered as '%s' already", d->id.node_id);
			return -EEXIST;
		}
		return 0;	/* the same registration again: idempotent */
	}
	if (find_underlay(d, &underlay, &why) < 0) {
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
		if (ks[i].family == AF_INET6) {
			if (!strcmp(ks[i].policy, "closest") || !sn_ipv6_is_zero(&s->rr_ip6))
				s->closest_ip6 = ks[i].addr6;
			else
				s->rr_ip6 = ks[i].addr6;
		} else if (!strcmp(ks[i].policy, "closest") || s->rr_ip) {
			s->closest_ip = ks[i].addr;
		} else {
			s->rr_ip = ks[i].addr;
		}
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
		/* One family each: the answer pairs them up again. */
		if (ki[i].family == AF_INET6)
			s->inst[s->ninst++] = (struct semnetd_svc_instance){
				.number = -1, .instance_ip6 = ki[i].addr6, .nsip6 = ki[i].nsip6,
				.node = sn_ipaddr4(ki[i].node),
			};
		else
			s->inst[s->ninst++] = (struct semnetd_svc_instance){
				.number = -1, .instance_ip = ki[i].addr, .nsip = ki[i].nsip,
				.node = sn_ipaddr4(ki[i].node),
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

/* The node's plan for the kernel: IPv4, and IPv6 when @with6. */
static void node_cfg(const struct semnetd *d, bool with6, struct semnetd_node_cfg *node)
{
	*node = (struct semnetd_node_cfg){
		.platform = d->cfg.platform,
		.services = d->cfg.services,
		.subnet = d->id.subnet,
		.gateway = d->id.subnet.addr + 1,
		.bridge_ifindex = d->bridge_ifindex,
		.tunnel_port = d->cfg.tunnel_port,
	};
	if (!with6)
		return;
	node->has6 = true;
	node->platform6 = d->cfg.platform6;
	node->services6 = d->cfg.services6;
	node->subnet6 = d->id.subnet6;
	/* ::1 of the subnet (what semnetd_leases6_gateway gives). */
	node->gateway6 = d->id.subnet6.addr;
	node->gateway6.s6_addr[15] |= 1;
}

/* The node has an IPv6 subnet that fits the IPv6 plan. */
static bool subnet6_usable(const struct semnetd *d)
{
	return d->id.subnet6.len >= 96 && d->id.subnet6.len <= 126 &&
	       sn_prefix6_contains(&d->cfg.platform6, &d->id.subnet6.addr) &&
	       !sn_prefix6_overlaps(&d->cfg.services6, &d->id.subnet6);
}

static void reserve6(void *arg, const struct semnetd_lease *l)
{
	struct semnetd_leases6 *pool = arg;
	char text[SN_IPV6_STRLEN];

	if (sn_ipv6_is_zero(&l->nsip6) || semnetd_leases6_reserve(pool, &l->nsip6) == 0)
		return;
	sn_ipv6_format(&l->nsip6, text);
	sn_warn("IPv6 lease %s of %s/%d is outside the node's IPv6 subnet", text, l->job_name,
		l->number);
}

/*
 * The node's IPv6 side, once it has an IPv6 subnet: its leases, the
 * gateway ::1 (bridge or semnet-gw), forwarding, the kernel's IPv6 plan
 * and the route of platform6 into semnet0. After the IPv4 setup (the
 * bridge and semnet0 exist). A failure leaves the node IPv4-only, said in
 * the log (an older semnet.ko has no IPv6): 0 when set up, else -1.
 */
static int setup6(struct semnetd *d)
{
	char dev[IF_NAMESIZE];
	struct semnetd_node_cfg node;
	char subnet[SN_CIDR6_STRLEN];
	struct in6_addr gw;
	struct sn_err err;
	int rc;

	if (!d->id.subnet6.len || d->v6)
		return d->v6 ? 0 : -1;
	sn_prefix6_format(&d->id.subnet6, subnet);
	if (!subnet6_usable(d)) {
		sn_warn("IPv6 subnet %s is not a /96../126 inside platform6 and outside services6: IPv4 only",
			subnet);
		return -1;
	}
	semnetd_leases6_destroy(&d->leases6);
	if (semnetd_leases6_init(&d->leases6, &d->id.subnet6) < 0) {
		sn_warn("IPv6 subnet %s: no leases (a /96 to a /126 is needed): IPv4 only", subnet);
		return -1;
	}
	if (semnetd_store_lease_each(&d->db, reserve6, &d->leases6) < 0) {
		sn_err_set(&err, "cannot read the leases");
		goto fail;
	}
	semnetd_leases6_gateway(&d->leases6, &gw);
	if (semnetd_host_forwarding6(underlay_dev(d, dev), &err) < 0 ||
	    (d->cfg.routed ? semnetd_host_routed6(&d->host, &gw, &err) :
			     semnetd_host_bridge6(&d->host, d->cfg.bridge, &d->id.subnet6, &gw,
						  &err)) < 0)
		goto fail;
	node_cfg(d, true, &node);
	if ((rc = semnetd_kernel_set_node(&d->genl, &node)) < 0) {
		sn_err_set(&err, "the kernel refused the IPv6 plan: %s",
			   d->genl.error[0] ? d->genl.error : strerror(-rc));
		goto fail;
	}
	if (semnetd_host_tunnel6(&d->host, &d->cfg.platform6, &gw, &err) < 0)
		goto fail;
	d->v6 = true;
	sn_info("IPv6: subnet %s, %u addresses free", subnet, semnetd_leases6_free(&d->leases6));
	return 0;
fail:
	sn_warn("IPv6 subnet %s not set up, the node is IPv4 only: %s", subnet, err.msg);
	semnetd_leases6_destroy(&d->leases6);
	return -1;
}

/*
 * The largest MTU semnet0 may have over an IPv6 underlay: its device's
 * less 56 bytes (outer IPv6, UDP, GRE with its key), 0 when unknown or
 * over IPv4. The kernel sizes a new semnet0 by the IPv4 default route
 * first: on an uplink with both families, an IPv6 underlay would be 20
 * bytes short.
 */
static int tunnel_mtu_max(struct semnetd *d)
{
	char dev[IF_NAMESIZE];
	int mtu;

	if (d->underlay.addr.family != AF_INET6 || !underlay_dev(d, dev)[0] ||
	    (mtu = semnetd_host_mtu(&d->host, dev)) <= 0)
		return 0;
	return mtu - SEMNETD_OUTER6_OVERHEAD;
}

static int setup(struct semnetd *d, struct sn_err *err)
{
	struct lease_list leases = { 0 };
	struct semnetd_node_cfg node;
	char subnet[SN_CIDR_STRLEN];
	uint32_t cursor;
	int rc;

	if (!sn_prefix_contains(&d->cfg.platform, d->id.subnet.addr) ||
	    sn_prefix_overlaps(&d->cfg.services, &d->id.subnet)) {
		sn_err_set(err, "the subnet is outside the platform range or inside the services range");
		return -1;
	}
	/*
	 * With the IPv6 plan at once when the node has one: after a restart
	 * the kernel has it, and a node's subnets (both families) are
	 * replaced together. A kernel that refuses it gets IPv4 alone, and
	 * setup6() says why.
	 */
	node_cfg(d, subnet6_usable(d), &node);
	d->v6 = false;
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
	rc = semnetd_kernel_set_node(&d->genl, &node);
	if (rc < 0 && node.has6) {
		node.has6 = false;
		rc = semnetd_kernel_set_node(&d->genl, &node);
	}
	if (rc < 0) {
		sn_err_set(err, "the kernel refused the node configuration: %s",
			   d->genl.error[0] ? d->genl.error : strerror(-rc));
		goto fail;
	}
	if (semnetd_host_tunnel(&d->host, &d->cfg.platform, node.gateway, tunnel_mtu_max(d),
				&d->tunnel_mtu, err) < 0)
		goto fail;
	/* Direct routes a run before this one left (issue 18): the registry
	 * makes those it still wants again; meanwhile semnet0 carries them. */
	if ((rc = semnetd_host_direct_routes_flush(&d->host, err)) < 0)
		goto fail;
	if (rc > 0)
		sn_info("removed %d direct route(s) of an earlier run", rc);
	/* Routed: every container veth, by the prefix of their names. */
	if (d->cfg.firewall && d->fw.available &&
	    semnetd_fw_accept(&d->fw, d->cfg.routed ? SEMNETD_VETH_PREFIX "*" : d->cfg.bridge,
			      err) < 0)
		goto fail;
	if (d->fw.available && semnetd_fw_portmap_init(&d->fw, err) < 0)
		goto fail;
	/* Discovery's snat rule of an earlier run (discover.h). */
	semnetd_discover_setup(d->discover);
	if ((rc = semnetd_misses_start(d)) < 0)
		sn_warn("no kernel miss events (%s): services are learnt only on deployment",
			strerror(-rc));
	setup6(d);
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

/* A node set up with IPv4 only learns its IPv6 subnet (a cluster that
 * gave none before): stored, and the IPv6 side set up. Containers already
 * deployed stay IPv4 only; new ones get both. */
static void learn_subnet6(struct semnetd *d, const struct sn_prefix6 *subnet6)
{
	d->id.subnet6 = *subnet6;
	if (sn_db_begin(&d->db) < 0 || semnetd_store_identity_put(&d->db, &d->id) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		d->id.subnet6.len = 0;
		sn_error("cannot store the IPv6 subnet");
		return;
	}
	if (d->state == SEMNETD_READY && setup6(d) == 0 && d->mqtt &&
	    sn_mqtt_is_connected(d->mqtt))
		/* The registry again, for the other nodes' IPv6 subnets. */
		sn_mqtt_subscribe(d->mqtt, "semnet/nodes", 1);
}

void semnetd_node_on_subnet(struct semnetd *d, const struct sn_prefix *subnet,
			    const struct sn_prefix6 *subnet6)
{
	if (d->state != SEMNETD_WAITING_SUBNET) {
		if (d->id.subnet.addr != subnet->addr || d->id.subnet.len != subnet->len)
			sn_warn("the cluster now names another subnet for this node; keeping ours");
		else if (subnet6->len && !d->id.subnet6.len)
			learn_subnet6(d, subnet6);
		else if (subnet6->len && (subnet6->len != d->id.subnet6.len ||
					  sn_ipv6_cmp(&subnet6->addr, &d->id.subnet6.addr)))
			sn_warn("the cluster now names another IPv6 subnet for this node; keeping ours");
		return;
	}
	d->id.subnet = *subnet;
	d->id.subnet6 = *subnet6;
	if (sn_db_begin(&d->db) < 0 || semnetd_store_identity_put(&d->db, &d->id) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		d->id.subnet.len = 0;
		d->id.subnet6.len = 0;
		d->state = SEMNETD_FAILED;
		snprintf(d->state_error, sizeof(d->state_error), "cannot store the subnet");
		return;
	}
	semnetd_node_setup(d);
}

int semnetd_node_resume(struct semnetd *d)
{
	struct sn_err err;

	d->state = SEMNETD_WAITING_SUBNET;
	if (find_underlay(d, &d->underlay, &err) < 0)
		sn_warn("cannot find the underlay address: %s", err.msg);
	/* Registered before a restart: the kernel comes back from the store
	 * at once, the cluster refreshes it once connected. */
	if (d->id.subnet.len)
		semnetd_node_setup(d);
	return semnetd_upstream_start(d);
}
