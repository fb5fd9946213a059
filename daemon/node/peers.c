// SPDX-License-Identifier: GPL-2.0
/* Tunnel peers from the node registry and from table answers (peers.h). */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_parse.h"
#include "probe.h"
#include "semnetd.h"
#include "sn_log.h"

void semnetd_peers_init(struct semnetd_peers *ps)
{
	ps->head = NULL;
	ps->registry_version = -1;
	ps->unreachable = NULL;
	ps->nunreachable = 0;
	ps->skipped = 0;
	ps->said = NULL;
	ps->nsaid = 0;
}

void semnetd_peers_free(struct semnetd_peers *ps)
{
	while (ps->head) {
		struct semnetd_peer *p = ps->head;

		ps->head = p->next;
		free(p);
	}
	free(ps->unreachable);
	ps->unreachable = NULL;
	ps->nunreachable = 0;
	for (size_t i = 0; i < ps->nsaid; i++)
		free(ps->said[i]);
	free(ps->said);
	ps->said = NULL;
	ps->nsaid = 0;
}

/* The log says each unreachable node once (a registry comes again with
 * every change); past this many, at debug level. */
#define UNREACHABLE_MAX 1024

static bool said_unreachable(struct semnetd_peers *ps, const struct sn_ipaddr *addr)
{
	struct sn_ipaddr *grown;

	for (size_t i = 0; i < ps->nunreachable; i++)
		if (sn_ipaddr_equal(&ps->unreachable[i], addr))
			return true;
	if (ps->nunreachable >= UNREACHABLE_MAX ||
	    !(grown = realloc(ps->unreachable, (ps->nunreachable + 1) * sizeof(*grown))))
		return ps->nunreachable >= UNREACHABLE_MAX;
	ps->unreachable = grown;
	ps->unreachable[ps->nunreachable++] = *addr;
	return false;
}

bool semnetd_peers_reachable(struct semnetd *d, const struct sn_ipaddr *addr, const char *node)
{
	char text[SN_IPADDR_STRLEN], ours[SN_IPADDR_STRLEN];
	const struct sn_ipaddr *own = &d->underlay.addr;
	const char *why = sn_ipaddr_underlay_unfit(addr);
	bool family = !why && sn_ipaddr_is_set(own) && own->family != addr->family;

	/* Without an underlay of our own (not found yet), every family. */
	if (!why && !family)
		return true;
	d->peers.skipped++;
	sn_ipaddr_format(addr, text);
	if (said_unreachable(&d->peers, addr)) {
		sn_debug("node %s at %s: no peer", node ? node : "?", text);
		return false;
	}
	if (why)
		sn_warn("node %s: its underlay address %s is %s: no peer, its instances are left out",
			node ? node : "?", text[0] ? text : "(none)", why);
	else
		sn_warn("node %s is at %s, an %s underlay, and this node's underlay is %s (%s): "
			"a node peers only over its own underlay's family, so no peer; its "
			"instances are left out here",
			node ? node : "?", text, sn_ipaddr_family_name(addr->family),
			sn_ipaddr_format(own, ours), sn_ipaddr_family_name(own->family));
	return false;
}

struct semnetd_peer *semnetd_peers_find(struct semnetd_peers *ps, const struct sn_prefix *subnet)
{
	for (struct semnetd_peer *p = ps->head; p; p = p->next)
		if (!p->is6 && p->subnet.addr == subnet->addr && p->subnet.len == subnet->len)
			return p;
	return NULL;
}

struct semnetd_peer *semnetd_peers_find6(struct semnetd_peers *ps,
					const struct sn_prefix6 *subnet)
{
	for (struct semnetd_peer *p = ps->head; p; p = p->next)
		if (p->is6 && !sn_ipv6_cmp(&p->subnet6.addr, &subnet->addr) &&
		    p->subnet6.len == subnet->len)
			return p;
	return NULL;
}

/* "10.0.0.2:4754" or "[2001:db8::2]:4754" */
static const char *at_text(const struct sn_ipaddr *addr, int port, char *out)
{
	char text[SN_IPADDR_STRLEN];

	sn_ipaddr_format(addr, text);
	sprintf(out, addr->family == AF_INET6 ? "[%s]:%d" : "%s:%d", text, port & 0xffff);
	return out;
}

static void peer_text(const struct semnetd_peer *p, char out[SN_CIDR6_STRLEN])
{
	if (p->is6)
		sn_prefix6_format(&p->subnet6, out);
	else
		sn_prefix_format(&p->subnet, out);
}

struct semnetd_peer *semnetd_peers_set6(struct semnetd *d, const struct sn_prefix6 *subnet,
					const struct sn_ipaddr *addr, int port, int encap)
{
	struct semnetd_peer *p = semnetd_peers_find6(&d->peers, subnet);
	char text[SN_CIDR6_STRLEN], at[SN_IPADDR_STRLEN + 8];
	int rc;

	if (p && sn_ipaddr_equal(&p->addr, addr) && p->port == port && p->encap == encap)
		return p;
	if (!semnetd_peers_reachable(d, addr, NULL))
		return NULL;
	sn_prefix6_format(subnet, text);
	rc = semnetd_kernel_peer_put6(&d->genl, subnet, addr, port, encap);
	if (rc < 0) {
		if (!d->v6_peers_refused)
			sn_warn("peer %s: the kernel refused it (%s): IPv6 instances on other nodes are left out",
				text, d->genl.error[0] ? d->genl.error : strerror(-rc));
		else
			sn_debug("peer %s: the kernel refused it", text);
		d->v6_peers_refused = true;
		return NULL;
	}
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return NULL;
		p->is6 = true;
		p->subnet6 = *subnet;
		p->next = d->peers.head;
		d->peers.head = p;
	}
	p->addr = *addr;
	p->port = port;
	p->encap = encap;
	sn_info("peer %s at %s, %s", text, at_text(addr, port, at), semnetd_encap_name(encap));
	return p;
}

struct semnetd_peer *semnetd_peers_set(struct semnetd *d, const struct sn_prefix *subnet,
				       const struct sn_ipaddr *addr, int port, int encap)
{
	struct semnetd_peer *p = semnetd_peers_find(&d->peers, subnet);
	char text[SN_CIDR_STRLEN], at[SN_IPADDR_STRLEN + 8];
	bool was_ipudp = p && p->encap == SEMNET_ENCAP_IPUDP;
	int rc;

	if (p && sn_ipaddr_equal(&p->addr, addr) && p->port == port && p->encap == encap)
		return p;
	if (!semnetd_peers_reachable(d, addr, NULL))
		return NULL;
	sn_prefix_format(subnet, text);
	rc = semnetd_kernel_peer_put(&d->genl, subnet, addr, port, encap);
	if (rc < 0) {
		sn_warn("peer %s: the kernel refused it: %s", text,
			d->genl.error[0] ? d->genl.error : strerror(-rc));
		return NULL;
	}
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return NULL;
		p->subnet = *subnet;
		p->next = d->peers.head;
		d->peers.head = p;
	}
	p->addr = *addr;
	p->port = port;
	p->encap = encap;
	if (encap == SEMNET_ENCAP_GRE_UDP) {
		semnetd_probe_peer_added(d->probe, addr);
	} else {
		/* Not probed (semnetd_peers_each): cost unknown and up, also
		 * for a node that was a GRE peer, measured (the kernel keeps
		 * both across a replace, and across a restart of semnetd). */
		if (!was_ipudp && semnetd_kernel_peer_state(&d->genl, addr, SEMNET_PEER_COST_UNKNOWN,
							 false) < 0)
			sn_debug("peer %s: its cost was not reset", text);
		semnetd_probe_peers_changed(d->probe);
	}
	sn_info("peer %s at %s, %s", text, at_text(addr, port, at), semnetd_encap_name(encap));
	return p;
}

bool semnetd_peers_said(struct semnetd_peers *ps, const char *key)
{
	char **grown, *copy;

	for (size_t i = 0; i < ps->nsaid; i++)
		if (!strcmp(ps->said[i], key))
			return true;
	if (ps->nsaid >= UNREACHABLE_MAX)
		return true;	/* said enough: the rest go unsaid */
	if (!(copy = strdup(key)))
		return false;
	if (!(grown = realloc(ps->said, (ps->nsaid + 1) * sizeof(*grown)))) {
		free(copy);
		return false;
	}
	ps->said = grown;
	ps->said[ps->nsaid++] = copy;
	return false;
}

static void peer_drop(struct semnetd *d, struct semnetd_peer *p)
{
	char text[SN_CIDR6_STRLEN];

	for (struct semnetd_peer **pp = &d->peers.head; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	peer_text(p, text);
	if ((p->is6 ? semnetd_kernel_peer_del6(&d->genl, &p->subnet6) :
		      semnetd_kernel_peer_del(&d->genl, &p->subnet)) < 0)
		sn_debug("peer %s was not in the kernel", text);
	sn_info("peer %s removed", text);
	free(p);
	semnetd_probe_peers_changed(d->probe);
}

void semnetd_peers_each(const struct semnetd_peers *ps,
			void (*fn)(void *arg, const struct sn_prefix *subnet,
				   const struct sn_ipaddr *addr),
			void *arg)
{
	for (const struct semnetd_peer *p = ps->head; p; p = p->next)
		if (!p->is6 && p->encap == SEMNET_ENCAP_GRE_UDP)
			fn(arg, &p->subnet, &p->addr);
}

void semnetd_peers_on_registry(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err), *nodes, *n;
	json_int_t version;
	size_t i;

	if (!msg) {
		sn_warn("node registry ignored: %s", err.msg);
		return;
	}
	if (d->state != SEMNETD_READY)
		goto out;	/* the retained copy comes again after setup */
	nodes = json_object_get(msg, "nodes");
	version = json_integer_value(json_object_get(msg, "version"));
	if (!json_is_array(nodes)) {
		sn_warn("node registry ignored: no 'nodes' list");
		goto out;
	}
	for (struct semnetd_peer *p = d->peers.head; p; p = p->next)
		p->from_registry = false;
	json_array_foreach(nodes, i, n) {
		struct semnetd_node_entry e;
		struct semnetd_peer *p;
		struct sn_err why;
		char key[sizeof(why.msg) + 80];
		enum semnetd_node_read got = semnetd_node_entry_read(n, &e, &why);

		if (got == SEMNETD_NODE_PENDING)
			continue;	/* no underlay yet */
		if (e.subnet.addr == d->id.subnet.addr && e.subnet.len == d->id.subnet.len)
			continue;	/* this node */
		if (got == SEMNETD_NODE_BAD) {
			/* Never from semnet-cluster, which checks what it
			 * takes; said once a node and reason. */
			d->peers.skipped++;
			snprintf(key, sizeof(key), "node %.64s: %s", e.node_id ? e.node_id : "?",
				 why.msg);
			if (!semnetd_peers_said(&d->peers, key))
				sn_warn("%s: no peer, its instances are left out", key);
			continue;
		}
		/* Once a node; its IPv6 subnet's peer needs the same. */
		if (!semnetd_peers_reachable(d, &e.addr, e.node_id))
			continue;
		if ((p = semnetd_peers_set(d, &e.subnet, &e.addr, e.port, e.encap)))
			p->from_registry = true;
		/* Its IPv6 subnet (semnet's registry, when it has one): the
		 * same node, the same underlay. */
		if (d->v6 && e.has6 &&
		    (e.subnet6.len != d->id.subnet6.len ||
		     sn_ipv6_cmp(&e.subnet6.addr, &d->id.subnet6.addr)) &&
		    (p = semnetd_peers_set6(d, &e.subnet6, &e.addr, e.port, e.encap)))
			p->from_registry = true;
	}
	/* Nodes that left: unless a table answer still needs them. */
	for (struct semnetd_peer *p = d->peers.head, *next; p; p = next) {
		next = p->next;
		if (!p->from_registry && !p->from_table)
			peer_drop(d, p);
	}
	d->peers.registry_version = version;
out:
	json_decref(msg);
}

json_t *semnetd_peers_json(const struct semnetd_peers *ps)
{
	json_t *peers = json_array();

	if (!peers)
		return NULL;
	for (const struct semnetd_peer *p = ps->head; p; p = p->next) {
		char subnet[SN_CIDR6_STRLEN];

		char addr[SN_IPADDR_STRLEN];

		peer_text(p, subnet);
		json_array_append_new(peers, json_pack("{s:s, s:s, s:i, s:s, s:b, s:b}", "subnet",
			subnet, "addr", sn_ipaddr_format(&p->addr, addr), "port", p->port, "encap",
			semnetd_encap_name(p->encap), "registry", p->from_registry, "table",
			p->from_table));
	}
	return peers;
}
