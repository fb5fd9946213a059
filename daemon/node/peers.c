// SPDX-License-Identifier: GPL-2.0
/* Tunnel peers from the node registry and from table answers (peers.h). */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "peer_parse.h"
#include "probe.h"
#include "semnetd.h"
#include "relaylinks.h"
#include "wglinks.h"
#include "sn_log.h"

void semnetd_peers_init(struct semnetd_peers *ps)
{
	ps->head = NULL;
	ps->registry_version = -1;
	ps->policy = SN_LINKS_GRE_UDP;
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

void semnetd_peer_prefix(const struct semnetd_peer *p, struct sn_link_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (p->is6) {
		out->addr.family = AF_INET6;
		out->addr.v6 = p->subnet6.addr;
		out->len = p->subnet6.len;
	} else {
		out->addr = sn_ipaddr4(p->subnet.addr);
		out->addr.family = AF_INET;
		out->len = p->subnet.len;
	}
}

/* The direct route of @p goes (before its peer changes or leaves). */
static void route_unmake(struct semnetd *d, struct semnetd_peer *p)
{
	struct sn_link_prefix sub;
	char text[SN_CIDR6_STRLEN];
	struct sn_err err;

	if (!p->routed)
		return;
	semnetd_peer_prefix(p, &sub);
	peer_text(p, text);
	if ((semnetd_peer_is_wg(p) ?
	     semnetd_host_wg_route_del(&d->host, &sub, p->ifindex, &err) :
	     semnetd_host_direct_route_del(&d->host, &sub, p->ifindex, &err)) < 0)
		sn_warn("peer %s: its %s route stays: %s", text,
			semnetd_peer_is_wg(p) ? "encrypted" : "direct", err.msg);
	else
		sn_info("peer %s: %s route removed", text,
			semnetd_peer_is_wg(p) ? "encrypted" : "direct");
	p->routed = false;
}

/*
 * An encrypted peer's subnet into its WireGuard device @ifindex (replacing
 * any route to it): 0, or -1 said once.
 */
static int wg_route(struct semnetd *d, const struct sn_prefix *subnet4,
		    const struct sn_prefix6 *subnet6, int ifindex)
{
	struct semnetd_peer tmp = { .is6 = !!subnet6 };
	struct sn_link_prefix sub;
	char text[SN_CIDR6_STRLEN], key[sizeof(((struct sn_err *)0)->msg) + 96];
	struct sn_err err;

	if (subnet6)
		tmp.subnet6 = *subnet6;
	else
		tmp.subnet = *subnet4;
	semnetd_peer_prefix(&tmp, &sub);
	peer_text(&tmp, text);
	if (semnetd_host_wg_route(&d->host, &sub, ifindex, &err) < 0) {
		snprintf(key, sizeof(key), "peer %s: no encrypted route: %s", text, err.msg);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s", key);
		return -1;
	}
	return 0;
}

/* Takes back what wg_route() made (its peer was not put). */
static void wg_route_undo(struct semnetd *d, const struct sn_prefix *subnet4,
			  const struct sn_prefix6 *subnet6, int ifindex)
{
	struct semnetd_peer tmp = { .is6 = !!subnet6 };
	struct sn_link_prefix sub;
	char text[SN_CIDR6_STRLEN];
	struct sn_err err;

	if (subnet6)
		tmp.subnet6 = *subnet6;
	else
		tmp.subnet = *subnet4;
	semnetd_peer_prefix(&tmp, &sub);
	peer_text(&tmp, text);
	if (semnetd_host_wg_route_del(&d->host, &sub, ifindex, &err) < 0)
		sn_warn("peer %s: its encrypted route stays: %s", text, err.msg);
}

/* A direct peer's route via its node's underlay address, once made; a
 * failure is said once and tried again with the next registry (meanwhile
 * semnet0 carries the subnet, as GRE, which a direct peer accepts). */
static void route_make(struct semnetd *d, struct semnetd_peer *p)
{
	struct sn_link_prefix sub;
	char text[SN_CIDR6_STRLEN], at[SN_IPADDR_STRLEN], key[sizeof(((struct sn_err *)0)->msg) + 96];
	struct sn_err err;

	if (p->routed || p->encap != SEMNET_ENCAP_DIRECT)
		return;
	semnetd_peer_prefix(p, &sub);
	peer_text(p, text);
	if (semnetd_peer_is_wg(p)) {
		/* Said once when it fails; the next registry tries again. */
		p->routed = wg_route(d, p->is6 ? NULL : &p->subnet, p->is6 ? &p->subnet6 : NULL,
				     p->ifindex) == 0;
		return;
	}
	if (semnetd_host_direct_route(&d->host, &sub, &p->addr, p->ifindex, &err) < 0) {
		snprintf(key, sizeof(key), "peer %s: no direct route: %s", text, err.msg);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s (semnet0 carries it meanwhile)", key);
		return;
	}
	p->routed = true;
	sn_info("peer %s: route via %s (direct)", text, sn_ipaddr_format(&p->addr, at));
}

/* The pair's kind and why (@pick), or a table answer's peer: its
 * tunnel. True when they changed. */
static bool note_kind_quiet(struct semnetd_peer *p, int encap,
			    const struct semnetd_link_pick *pick)
{
	if (!pick) {
		if (p->why[0])
			return false;	/* it keeps what the registry said */
		p->kind = encap == SEMNET_ENCAP_IPUDP ? SN_LINK_IPUDP : SN_LINK_GRE_UDP;
		snprintf(p->why, sizeof(p->why), "from a table answer: its node is not in the "
			 "registry (yet)");
		return true;
	}
	if (p->kind == pick->kind && !strcmp(p->why, pick->why))
		return false;
	p->kind = pick->kind;
	snprintf(p->why, sizeof(p->why), "%s", pick->why);
	return true;
}

static void note_kind(struct semnetd_peer *p, int encap, const struct semnetd_link_pick *pick)
{
	char text[SN_CIDR6_STRLEN];

	if (!note_kind_quiet(p, encap, pick) || !pick)
		return;
	peer_text(p, text);
	sn_info("peer %s: link %s: %s", text, sn_link_kind_name(p->kind), p->why);
}

/* Room for "<kind>: <why>"; the kernel's label is cut to fit
 * (semnetd_kernel_peer_put). */
#define PEER_LABEL_LEN (16 + sizeof(((struct semnetd_peer *)0)->why))

/* What `semnet peer show` says of the peer: the kind and why that
 * note_kind() will record (@pick's, or a table answer's). */
static void peer_label(const struct semnetd_peer *p, int encap,
		       const struct semnetd_link_pick *pick, char out[PEER_LABEL_LEN])
{
	struct semnetd_peer next = { 0 };

	if (p) {
		next.kind = p->kind;
		snprintf(next.why, sizeof(next.why), "%s", p->why);
	}
	note_kind_quiet(&next, encap, pick);
	snprintf(out, PEER_LABEL_LEN, "%s: %s", sn_link_kind_name(next.kind), next.why);
}

/* The kernel peer, with @label unless the module keeps none (an older
 * semnet.ko refuses the attribute: then it is sent without, from then on). */
static int kernel_put(struct semnetd *d, const struct sn_prefix *subnet4,
		      const struct sn_prefix6 *subnet6, const struct sn_ipaddr *addr, int port,
		      int encap, int ifindex, const char *label)
{
	const char *l = d->kernel_lacks_label ? NULL : label;
	int rc;

	for (;;) {
		rc = subnet6 ? semnetd_kernel_peer_put6(&d->genl, subnet6, addr, port, encap,
							ifindex, l) :
			       semnetd_kernel_peer_put(&d->genl, subnet4, addr, port, encap,
						       ifindex, l);
		if (rc != -EINVAL || !l)
			return rc;
		l = NULL;
		rc = subnet6 ? semnetd_kernel_peer_put6(&d->genl, subnet6, addr, port, encap,
							ifindex, NULL) :
			       semnetd_kernel_peer_put(&d->genl, subnet4, addr, port, encap,
						       ifindex, NULL);
		if (rc == 0) {
			d->kernel_lacks_label = true;
			sn_info("semnet.ko keeps no peer labels (an older module): "
				"`semnet peer show` will not say a peer's link kind");
		}
		return rc;
	}
}

/* semnetd_peers_set and _set6: @subnet4 or @subnet6. */
static struct semnetd_peer *peer_set(struct semnetd *d, const struct sn_prefix *subnet4,
				     const struct sn_prefix6 *subnet6,
				     const struct sn_ipaddr *addr, int port, int encap,
				     const struct semnetd_link_pick *pick)
{
	struct semnetd_peer *p = subnet6 ? semnetd_peers_find6(&d->peers, subnet6) :
					   semnetd_peers_find(&d->peers, subnet4);
	char text[SN_CIDR6_STRLEN], at[SN_IPADDR_STRLEN + 8], label[PEER_LABEL_LEN];
	bool was_ipudp = p && p->encap == SEMNET_ENCAP_IPUDP, wg;
	struct sn_err err;
	int rc, ifindex;

	/* A table answer does not undo the registry's link for a node. */
	if (!pick && p && p->from_registry && sn_ipaddr_equal(&p->addr, addr))
		return p;
	if (pick)
		encap = pick->encap;
	wg = pick && (pick->kind == SN_LINK_ENCRYPTED || pick->kind == SN_LINK_RELAY) &&
	     encap == SEMNET_ENCAP_DIRECT;
	ifindex = encap == SEMNET_ENCAP_DIRECT ? d->underlay.ifindex : 0;
	if (subnet6)
		sn_prefix6_format(subnet6, text);
	else
		sn_prefix_format(subnet4, text);
	if (wg && semnetd_wglinks_ensure(d, pick, &ifindex, &err) < 0) {
		char key[sizeof(err.msg) + 96];

		/* Nothing changes: a peer that was encrypted keeps its device;
		 * one that was not stays as it was. */
		snprintf(key, sizeof(key), "peer %s: no encrypted link: %s", text, err.msg);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s", key);
		return p;
	}
	peer_label(p, encap, pick, label);
	if (p && sn_ipaddr_equal(&p->addr, addr) && p->port == port && p->encap == encap &&
	    p->ifindex == ifindex && semnetd_peer_is_wg(p) == wg) {
		/* Only a new kind or why: the same peer with its new label,
		 * its routes untouched. */
		bool relabel = pick && (p->kind != pick->kind || strcmp(p->why, pick->why)) &&
			       !d->kernel_lacks_label;

		/* The kind and why are recorded only once the kernel has the
		 * label `semnet peer show` prints: a refused put leaves the
		 * old ones, so the next registry tries again. */
		if (relabel && kernel_put(d, subnet4, subnet6, addr, port, encap, ifindex,
					  label) < 0) {
			char key[sizeof(d->genl.error) + 96];

			snprintf(key, sizeof(key), "peer %s: its label was not updated: %s", text,
				 d->genl.error[0] ? d->genl.error : "refused");
			if (!semnetd_peers_said(&d->peers, key))
				sn_warn("%s (tried again with the next registry)", key);
		} else {
			note_kind(p, encap, pick);
		}
		route_make(d, p);
		return p;
	}
	if (!semnetd_peers_reachable(d, addr, NULL))
		return NULL;
	/*
	 * The order of route and peer changes:
	 * - Becoming encrypted: the subnet goes into the WireGuard device
	 *   first (the route replaces semnet0's platform route for it and a
	 *   direct route), then the kernel peer is bound to the device. The
	 *   other way round a packet would meet a peer that is direct with
	 *   no route of its own, reach semnet0 and leave as GRE in clear to
	 *   the underlay address. Meanwhile the other node's packets that
	 *   arrive by the device before the binding are dropped, never taken
	 *   in clear.
	 * - Anything else: the old route goes first; what is in flight goes
	 *   to semnet0 as GRE, which a direct peer accepts too (LINKS.md
	 *   §1b), and the new kind (gre-udp or direct) is cleartext by the
	 *   cluster's own policy.
	 */
	if (wg) {
		if (wg_route(d, subnet4, subnet6, ifindex) < 0)
			return p;	/* as it was, tried again with the next registry */
		if (p)
			p->routed = false;	/* replaced, not to be removed */
	} else if (p) {
		route_unmake(d, p);
	}
	rc = kernel_put(d, subnet4, subnet6, addr, port, encap, ifindex, label);
	if (rc < 0) {
		if (!subnet6)
			sn_warn("peer %s: the kernel refused it: %s", text,
				d->genl.error[0] ? d->genl.error : strerror(-rc));
		else if (!d->v6_peers_refused)
			sn_warn("peer %s: the kernel refused it (%s): IPv6 instances on other nodes are left out",
				text, d->genl.error[0] ? d->genl.error : strerror(-rc));
		else
			sn_debug("peer %s: the kernel refused it", text);
		if (subnet6)
			d->v6_peers_refused = true;
		/* The WireGuard route made above leads to no peer bound to its
		 * device, and none records it: it goes (the subnet falls back
		 * to semnet0). */
		if (wg)
			wg_route_undo(d, subnet4, subnet6, ifindex);
		return NULL;
	}
	if (!p) {
		if (!(p = calloc(1, sizeof(*p)))) {
			/* Nothing would record the kernel's peer: it goes. */
			if ((subnet6 ? semnetd_kernel_peer_del6(&d->genl, subnet6) :
				       semnetd_kernel_peer_del(&d->genl, subnet4)) < 0)
				sn_warn("peer %s: out of memory, and its kernel peer stays", text);
			if (wg)
				wg_route_undo(d, subnet4, subnet6, ifindex);
			return NULL;
		}
		if (subnet6) {
			p->is6 = true;
			p->subnet6 = *subnet6;
		} else {
			p->subnet = *subnet4;
		}
		p->next = d->peers.head;
		d->peers.head = p;
	}
	p->addr = *addr;
	p->port = port;
	p->encap = encap;
	p->ifindex = ifindex;
	p->routed = p->routed || wg;
	if (wg)
		sn_info("peer %s at %s, direct dev %s (%s)", text, at_text(addr, port, at),
			pick->wg_dev, pick->wg_relayed ? "encrypted, relayed" : "encrypted");
	else
		sn_info("peer %s at %s, %s", text, at_text(addr, port, at),
			semnetd_encap_name(encap));
	note_kind(p, encap, pick);
	route_make(d, p);
	if (subnet6)
		return p;
	if (encap != SEMNET_ENCAP_IPUDP) {
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
	return p;
}

struct semnetd_peer *semnetd_peers_set6(struct semnetd *d, const struct sn_prefix6 *subnet,
					const struct sn_ipaddr *addr, int port, int encap,
					const struct semnetd_link_pick *pick)
{
	return peer_set(d, NULL, subnet, addr, port, encap, pick);
}

struct semnetd_peer *semnetd_peers_set(struct semnetd *d, const struct sn_prefix *subnet,
				       const struct sn_ipaddr *addr, int port, int encap,
				       const struct semnetd_link_pick *pick)
{
	return peer_set(d, subnet, NULL, addr, port, encap, pick);
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
	/* A direct peer's route first (in flight: GRE, which it accepts); an
	 * encrypted peer's kernel peer first: with its route gone first, a
	 * packet would reach semnet0, meet the peer and leave as GRE in
	 * clear; with the peer gone, what the route still leads into the
	 * device is encrypted or, at semnet0, dropped (no peer). */
	if (!semnetd_peer_is_wg(p))
		route_unmake(d, p);
	peer_text(p, text);
	if ((p->is6 ? semnetd_kernel_peer_del6(&d->genl, &p->subnet6) :
		      semnetd_kernel_peer_del(&d->genl, &p->subnet)) < 0)
		sn_debug("peer %s was not in the kernel", text);
	route_unmake(d, p);
	sn_info("peer %s removed", text);
	free(p);
	semnetd_probe_peers_changed(d->probe);
}

/* A service instance adopted from the kernel at start (number -1) that
 * no table answer has replaced yet lies behind the kernel peer @k: its
 * answer is still to come and may want the peer (answers.c puts it
 * again then). An answer drops or renumbers every adopted instance. */
static const char *awaited_instance(const struct semnetd *d, const struct semnetd_kpeer *k,
				    const struct sn_ipaddr *at)
{
	for (const struct semnetd_svc *s = d->services.head; s; s = s->next)
		for (size_t i = 0; i < s->ninst; i++) {
			const struct semnetd_svc_instance *in = &s->inst[i];

			if (in->number != -1)
				continue;
			if (sn_ipaddr_is_set(&in->node) ? sn_ipaddr_equal(&in->node, at) :
			    k->is6 ? sn_prefix6_contains(&k->subnet6, &in->nsip6) :
				     in->nsip && sn_prefix_contains(&k->subnet, in->nsip))
				return s->name;
		}
	return NULL;
}

void semnetd_peers_sweep_kernel(struct semnetd *d)
{
	struct semnetd_kpeer *kp;
	size_t n, spared = 0, removed = 0;
	int rc;

	if (d->peers.kernel_swept || !d->peers.registry_seen || d->state != SEMNETD_READY)
		return;
	if ((rc = semnetd_kernel_peers(&d->genl, &kp, &n)) < 0) {
		if (!semnetd_peers_said(&d->peers, "cannot list the kernel's peers"))
			sn_warn("cannot list the kernel's peers (%s): those of nodes that left "
				"while semnetd was down stay until the next registry",
				strerror(-rc));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct semnetd_kpeer *k = &kp[i];
		char text[SN_CIDR6_STRLEN], at_s[SN_IPADDR_STRLEN];
		struct sn_ipaddr at;
		const char *svc;

		if (k->is6 ? !!semnetd_peers_find6(&d->peers, &k->subnet6) :
			     !!semnetd_peers_find(&d->peers, &k->subnet))
			continue;	/* made again by this run */
		if (k->addr) {
			at = sn_ipaddr4(k->addr);
		} else {
			memset(&at, 0, sizeof(at));
			at.family = AF_INET6;
			at.v6 = k->addr6;
		}
		if (k->is6)
			sn_prefix6_format(&k->subnet6, text);
		else
			sn_prefix_format(&k->subnet, text);
		sn_ipaddr_format(&at, at_s);
		if ((svc = awaited_instance(d, k, &at))) {
			spared++;
			sn_debug("peer %s at %s (an earlier run's): kept until the table answer "
				 "for %s", text, at_s, svc);
			continue;
		}
		if ((k->is6 ? semnetd_kernel_peer_del6(&d->genl, &k->subnet6) :
			      semnetd_kernel_peer_del(&d->genl, &k->subnet)) < 0) {
			sn_warn("peer %s at %s: an earlier run's, its node not in the registry: "
				"cannot remove it: %s", text, at_s,
				d->genl.error[0] ? d->genl.error : "refused");
			spared++;	/* tried again */
			continue;
		}
		removed++;
		sn_info("peer %s at %s removed: an earlier run's, its node is not in the registry",
			text, at_s);
	}
	free(kp);
	if (removed)
		semnetd_probe_peers_changed(d->probe);
	if (!spared)
		d->peers.kernel_swept = true;
}

void semnetd_peers_each(const struct semnetd_peers *ps,
			void (*fn)(void *arg, const struct sn_prefix *subnet,
				   const struct sn_ipaddr *addr),
			void *arg)
{
	for (const struct semnetd_peer *p = ps->head; p; p = p->next)
		if (!p->is6 && (p->encap == SEMNET_ENCAP_GRE_UDP ||
				p->encap == SEMNET_ENCAP_DIRECT))
			fn(arg, &p->subnet, &p->addr);
}

/* The registry's entries, read once: this node's among them, and the
 * link facts of every node (relay candidates) for semnetd_link_pick. */
struct registry_read {
	struct semnetd_node_entry *e;
	enum semnetd_node_read *got;
	struct sn_link_node *nodes;
	struct semnetd_node_entry *peers;	/* the PEER entries, in order */
	size_t n, n_nodes;
	const struct semnetd_node_entry *self;
};

static int registry_read(struct semnetd *d, json_t *nodes, struct registry_read *r)
{
	json_t *n;
	size_t i;

	r->n = json_array_size(nodes);
	r->e = calloc(r->n ? r->n : 1, sizeof(*r->e));
	r->got = calloc(r->n ? r->n : 1, sizeof(*r->got));
	r->nodes = calloc(r->n ? r->n : 1, sizeof(*r->nodes));
	r->peers = calloc(r->n ? r->n : 1, sizeof(*r->peers));
	if (!r->e || !r->got || !r->nodes || !r->peers)
		return -1;
	json_array_foreach(nodes, i, n) {
		struct semnetd_node_entry *e = &r->e[i];
		struct sn_err why;	/* a BAD entry's is read again when said */

		r->got[i] = semnetd_node_entry_read(n, e, &why);
		if (r->got[i] != SEMNETD_NODE_PEER)
			continue;
		if (e->subnet.addr == d->id.subnet.addr && e->subnet.len == d->id.subnet.len)
			r->self = e;
		r->peers[r->n_nodes] = *e;
		semnetd_link_node_of(e, &r->nodes[r->n_nodes++]);
	}
	return 0;
}

static void registry_read_free(struct registry_read *r)
{
	free(r->e);
	free(r->got);
	free(r->nodes);
	free(r->peers);
}

/* The pick for one subnet of @e; false (said once) when the pair gets no
 * peer at all. */
static bool pick_for(struct semnetd *d, const struct sn_links *links,
		     const struct registry_read *r, const struct semnetd_node_entry *e, int family,
		     struct semnetd_link_pick *pick)
{
	char key[sizeof(pick->why) + 80];

	struct semnetd_link_here here = {
		.have_dev = d->underlay.ifindex != 0, .wg = d->wgl.up, .platform = &d->cfg.platform,
		.registry = r->peers, .n_registry = r->n_nodes,
	};

	semnetd_link_pick(links, r->self, e, &here, family, pick);
	if (pick->encap >= 0)
		return true;
	d->peers.skipped++;
	snprintf(key, sizeof(key), "node %.64s: %s", e->node_id ? e->node_id : "?", pick->why);
	if (!semnetd_peers_said(&d->peers, key))
		sn_warn("%s: no peer, its instances are left out", key);
	return false;
}

void semnetd_peers_on_registry(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err), *nodes;
	struct registry_read r = { 0 };
	struct sn_links links = { 0 };
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
	if (registry_read(d, nodes, &r) < 0) {
		sn_error("node registry ignored: out of memory");
		goto out;
	}
	if (semnetd_links_policy_read(msg, &links.policy, &err) < 0) {
		char key[sizeof(err.msg) + 32];

		snprintf(key, sizeof(key), "node registry: %s", err.msg);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s: read as policy encrypted (no direct links)", key);
	}
	semnetd_discover_on_registry(d->discover, msg);	/* links.stun_port */
	links.nodes = r.nodes;
	links.n_nodes = r.n_nodes;
	d->peers.policy = links.policy;
	for (struct semnetd_peer *p = d->peers.head; p; p = p->next)
		p->from_registry = false;
	for (i = 0; i < r.n; i++) {
		const struct semnetd_node_entry *e = &r.e[i];
		struct semnetd_link_pick pick;
		struct semnetd_peer *p;
		char key[sizeof(err.msg) + 80];

		if (r.got[i] == SEMNETD_NODE_PENDING)
			continue;	/* no underlay yet */
		if (e->subnet.addr == d->id.subnet.addr && e->subnet.len == d->id.subnet.len)
			continue;	/* this node */
		if (r.got[i] == SEMNETD_NODE_BAD) {
			struct semnetd_node_entry again;

			/* Never from semnet-cluster, which checks what it
			 * takes; said once a node and reason. */
			d->peers.skipped++;
			semnetd_node_entry_read(json_array_get(nodes, i), &again, &err);
			snprintf(key, sizeof(key), "node %.64s: %s", e->node_id ? e->node_id : "?",
				 err.msg);
			if (!semnetd_peers_said(&d->peers, key))
				sn_warn("%s: no peer, its instances are left out", key);
			continue;
		}
		/* Once a node; its IPv6 subnet's peer needs the same. */
		if (!semnetd_peers_reachable(d, &e->addr, e->node_id))
			continue;
		if (pick_for(d, &links, &r, e, AF_INET, &pick) &&
		    (p = semnetd_peers_set(d, &e->subnet, &e->addr, e->port, e->encap, &pick)))
			p->from_registry = true;
		/* Its IPv6 subnet (semnet's registry, when it has one): the
		 * same node, the same underlay. */
		if (d->v6 && e->has6 &&
		    (e->subnet6.len != d->id.subnet6.len ||
		     sn_ipv6_cmp(&e->subnet6.addr, &d->id.subnet6.addr)) &&
		    pick_for(d, &links, &r, e, AF_INET6, &pick) &&
		    (p = semnetd_peers_set6(d, &e->subnet6, &e->addr, e->port, e->encap, &pick)))
			p->from_registry = true;
	}
	/* Nodes that left: unless a table answer still needs them. */
	for (struct semnetd_peer *p = d->peers.head, *next; p; p = next) {
		next = p->next;
		if (!p->from_registry && !p->from_table)
			peer_drop(d, p);
	}
	d->peers.registry_seen = true;
	/* Kernel peers an earlier run left for nodes gone meanwhile (before
	 * the device sweep: an encrypted one is bound to its device). */
	semnetd_peers_sweep_kernel(d);
	/* WireGuard devices no peer is bound to any more (after the drops
	 * above: their peers went first). */
	semnetd_wglinks_sweep(d);
	/* This node's own entry: a staged key rotation waits for it. */
	semnetd_wglinks_registry_self(d, r.self && r.self->has_link ? &r.self->link : NULL);
	/* This node's relay serves the registry's nodes (relaylinks.h). */
	semnetd_relaylinks_on_registry(d, r.self, r.peers, r.n_nodes);
	d->peers.registry_version = version;
out:
	registry_read_free(&r);
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
		/* kind: the pair's link kind and why (issue 18); encap: what
		 * the kernel does now, which differs while a kind is not
		 * wired (the why says so); routed: a direct peer's route. */
		json_array_append_new(peers, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:b, s:b}",
			"subnet", subnet, "addr", sn_ipaddr_format(&p->addr, addr), "port", p->port,
			"encap", semnetd_encap_name(p->encap), "kind", sn_link_kind_name(p->kind),
			"why", p->why, "routed", p->routed, "registry", p->from_registry, "table",
			p->from_table));
	}
	return peers;
}
