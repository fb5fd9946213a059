// SPDX-License-Identifier: GPL-2.0
/* What the cluster says about another node (peer_parse.h). */
#include "peer_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uapi/linux/semnet.h>

#include "sn_kernel.h"
#include "sn_oak.h"

int semnetd_encap_of(const char *tunnel, int host_port)
{
	const char *kind = sn_oak_tunnel(tunnel, host_port);

	if (!kind)
		return -1;
	return strcmp(kind, "ipudp") ? SEMNET_ENCAP_GRE_UDP : SEMNET_ENCAP_IPUDP;
}

const char *semnetd_encap_name(int encap)
{
	const char *name = encap >= 0 ? sn_encap_name((unsigned int)encap) : NULL;

	return name ? name : "unknown";
}

/*
 * host_port: a JSON integer, or a string of decimal digits (Oakestra's
 * NetManager sends "50103"), 1 to 65535. 1 with *port, 0 when it is
 * absent or null, -1 with @err (quoting what came) for anything else.
 */
static int read_port(json_t *v, int *port, struct sn_err *err)
{
	long long n = 0;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n >= 1 && n <= 65535) {
			*port = (int)n;
			return 1;
		}
		sn_err_set(err, "host_port %lld is no port (1 to 65535)", n);
		return -1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v), i;

		for (i = 0; i < len && i < 6 && s[i] >= '0' && s[i] <= '9'; i++)
			n = n * 10 + (s[i] - '0');
		if (len > 0 && i == len && n >= 1 && n <= 65535) {
			*port = (int)n;
			return 1;
		}
		sn_err_set(err, "host_port \"%.32s\" is no port (1 to 65535)",
			   strlen(s) == len ? s : "(with a NUL byte)");
		return -1;
	}
	sn_err_set(err, "host_port must be a number or a string of one, not a JSON %s",
		   json_is_real(v) ? "real" : json_is_boolean(v) ? "boolean" :
		   json_is_array(v) ? "array" : "object");
	return -1;
}

enum semnetd_node_read semnetd_node_entry_read(json_t *entry, struct semnetd_node_entry *out,
					       struct sn_err *err)
{
	const char *subnet = json_string_value(json_object_get(entry, "subnet"));
	const char *subnet6 = json_string_value(json_object_get(entry, "subnet_v6"));
	json_t *host = json_object_get(entry, "host_ip");
	json_t *tunnel = json_object_get(entry, "tunnel");
	const char *tunnel_text = NULL;
	json_t *link;
	int got;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	out->node_id = json_string_value(json_object_get(entry, "node_id"));
	/* No subnet or no underlay address yet (a node the cluster knows
	 * before its first report): not a peer yet, nothing wrong. */
	if (!subnet || !sn_prefix_parse(subnet, &out->subnet) || !host || json_is_null(host))
		return SEMNETD_NODE_PENDING;
	if (!json_is_string(host) || strlen(json_string_value(host)) != json_string_length(host) ||
	    !sn_ipaddr_parse(json_string_value(host), &out->addr)) {
		sn_err_set(err, "host_ip %s%.64s%s is no IPv4 or IPv6 address",
			   json_is_string(host) ? "'" : "",
			   json_is_string(host) ? json_string_value(host) : "(not a string)",
			   json_is_string(host) ? "'" : "");
		return SEMNETD_NODE_BAD;
	}
	got = read_port(json_object_get(entry, "host_port"), &out->port, err);
	if (got < 0)
		return SEMNETD_NODE_BAD;
	if (got == 0) {
		sn_err_set(err, "host_ip without host_port");
		return SEMNETD_NODE_BAD;
	}
	if (tunnel && !json_is_null(tunnel)) {
		if (!json_is_string(tunnel)) {
			sn_err_set(err, "tunnel must be a string");
			return SEMNETD_NODE_BAD;
		}
		/* "" is none, as Oakestra sends absent optional fields. */
		if (json_string_length(tunnel))
			tunnel_text = json_string_value(tunnel);
	}
	out->encap = semnetd_encap_of(tunnel_text, out->port);
	if (out->encap < 0) {
		sn_err_set(err, "tunnel '%.32s' is none semnet0 speaks (gre-udp, ipudp)",
			   tunnel_text);
		return SEMNETD_NODE_BAD;
	}
	out->has6 = subnet6 && sn_prefix6_parse(subnet6, &out->subnet6);
	link = json_object_get(entry, "link");
	if (link && !json_is_null(link)) {
		out->has_link = sn_link_info_read(link, &out->link, err) == 0;
		out->link_unreadable = !out->has_link;
		if (!out->has_link)
			memset(&out->link, 0, sizeof(out->link));
	}
	return SEMNETD_NODE_PEER;
}

int semnetd_links_policy_read(json_t *registry, enum sn_links_policy *out, struct sn_err *err)
{
	json_t *links = json_object_get(registry, "links"), *policy;

	*out = SN_LINKS_GRE_UDP;
	err->msg[0] = '\0';
	if (!links || json_is_null(links))
		return 0;
	policy = json_object_get(links, "policy");
	if (json_is_object(links) && json_is_string(policy) &&
	    strlen(json_string_value(policy)) == json_string_length(policy) &&
	    sn_links_policy_parse(json_string_value(policy), out))
		return 0;
	*out = SN_LINKS_ENCRYPTED;
	if (!json_is_object(links))
		sn_err_set(err, "links is not an object");
	else if (!policy || json_is_null(policy))
		sn_err_set(err, "links has no policy");
	else if (!json_is_string(policy))
		sn_err_set(err, "links policy is not a string");
	else
		sn_err_set(err, "links policy '%.32s' is unknown here",
			   strlen(json_string_value(policy)) == json_string_length(policy) ?
			   json_string_value(policy) : "(with a NUL byte)");
	return -1;
}

void semnetd_link_node_of(const struct semnetd_node_entry *e, struct sn_link_node *out)
{
	memset(out, 0, sizeof(*out));
	out->id = e->node_id;
	out->has_link = e->has_link;
	out->link_unreadable = e->link_unreadable;
	out->ipudp = e->encap == SEMNET_ENCAP_IPUDP;
	if (e->has_link) {
		out->underlay_prefix = e->link.underlay_prefix;
		out->kind_override = e->link.kind_override;
		out->relay = e->link.relay;
		/* Not reported: counts as public (SN_NAT_NONE). */
		if (e->link.has_nat) {
			out->nat = e->link.nat;
			out->public_addr = e->link.public_addr;
		}
	}
}

int semnetd_stun_port_read(json_t *registry, struct sn_err *err)
{
	json_t *links = json_object_get(registry, "links"), *port;

	err->msg[0] = '\0';
	if (!json_is_object(links))
		return 0;
	port = json_object_get(links, "stun_port");
	if (!port || json_is_null(port))
		return 0;
	/* The cluster answers on it and the next port. */
	if (json_is_integer(port) && json_integer_value(port) >= 1 &&
	    json_integer_value(port) <= 65534)
		return (int)json_integer_value(port);
	sn_err_set(err, "links stun_port must be a port from 1 to 65534");
	return -1;
}

/* The tunnel @e speaks, and why the pair uses it instead of the kind
 * @kind_why names. */
static void fall_back(const struct semnetd_node_entry *e, const char *kind_why,
		      struct semnetd_link_pick *out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fall_back(const struct semnetd_node_entry *e, const char *kind_why,
		      struct semnetd_link_pick *out, const char *fmt, ...)
{
	char tail[96];
	va_list ap;

	out->encap = e->encap;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(out->why, sizeof(out->why), "%s; %s, using %s", kind_why, tail,
		 semnetd_encap_name(e->encap));
}

int semnetd_wg_slot(const struct sn_prefix *platform, const struct sn_prefix *subnet,
		    unsigned int *slot)
{
	if (!platform || subnet->len < platform->len || subnet->len > 32 ||
	    !sn_prefix_contains(platform, subnet->addr))
		return -1;
	/* len 32: one slot per address; a shift by 32 is undefined. */
	*slot = subnet->len == 32 ? subnet->addr - platform->addr :
		(subnet->addr - platform->addr) >> (32 - subnet->len);
	return 0;
}

/* No peer for the pair: the kind's why and why not. */
static void refuse(struct semnetd_link_pick *out, const char *kind_why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct semnetd_link_pick *out, const char *kind_why, const char *fmt, ...)
{
	char tail[160];
	va_list ap;

	out->encap = -1;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(out->why, sizeof(out->why), "%s; %s", kind_why, tail);
}

/* @e's id for a why ("?" when it has none). */
static const char *id_of(const struct semnetd_node_entry *e)
{
	return e->node_id ? e->node_id : "?";
}

/*
 * The encrypted pair {@self, @other} (LINKS.md §1a's fallback): its
 * WireGuard device and ports, or why not. Said the same from both ends:
 * a fact about one node names that node, the pair's two nodes checked in
 * the order of their ids.
 */
static void pick_encrypted(const struct semnetd_node_entry *self,
			   const struct semnetd_node_entry *other,
			   const struct semnetd_link_here *here, const char *kind_why,
			   struct semnetd_link_pick *out)
{
	const struct semnetd_node_entry *n[2] = { self, other };
	unsigned int slot[2];
	int port[2];

	if (self && other->node_id && self->node_id && strcmp(other->node_id, self->node_id) < 0) {
		n[0] = other;
		n[1] = self;
	}
	for (int i = 0; i < 2; i++) {
		if (!n[i])
			return fall_back(other, kind_why, out, "%s",
					 "this node is not in the registry yet");
		if (!n[i]->has_link || !n[i]->link.has_wg_key)
			return fall_back(other, kind_why, out, "%.64s offers no WireGuard key",
					 id_of(n[i]));
	}
	if (!here->wg)
		return fall_back(other, kind_why, out, "%s",
				 "this node's WireGuard is not up");
	for (int i = 0; i < 2; i++) {
		if (semnetd_wg_slot(here->platform, &n[i]->subnet, &slot[i]) < 0) {
			return refuse(out, kind_why, "%.64s's subnet is outside the platform range: "
				      "no slot, no encrypted link", id_of(n[i]));
		}
	}
	/* n[i] listens for n[1 - i] on its wg_port + the other's slot. */
	for (int i = 0; i < 2; i++) {
		long long p = (long long)n[i]->link.wg_port + slot[1 - i];

		if (p > 65535) {
			return refuse(out, kind_why, "%.32s's WireGuard port for %.32s (wg_port %d + "
				      "slot %u) is beyond 65535: no encrypted link", id_of(n[i]),
				      id_of(n[1 - i]), n[i]->link.wg_port, slot[1 - i]);
		}
		port[i] = (int)p;
	}
	out->encap = SEMNET_ENCAP_DIRECT;
	snprintf(out->why, sizeof(out->why), "%s", kind_why);
	/* Ours for @other: the port of our listening side, its slot. */
	{
		int me = n[0] == self ? 0 : 1;

		snprintf(out->wg_dev, sizeof(out->wg_dev), SEMNETD_WG_DEV_PREFIX "%u", slot[1 - me]);
		out->wg_listen_port = port[me];
		out->wg_endpoint_port = port[1 - me];
	}
	memcpy(out->wg_peer_key, other->link.wg_key, sizeof(out->wg_peer_key));
	if (other->link.has_wg_key_next) {
		out->wg_has_next = true;
		memcpy(out->wg_peer_key_next, other->link.wg_key_next,
		       sizeof(out->wg_peer_key_next));
	}
	/* Where @other is reached: behind NAT, its NAT's address, and the
	 * port only when the NAT keeps ports (else @other's first packet
	 * tells WireGuard, which follows the last authenticated source). */
	if (other->link.has_nat && other->link.nat != SN_NAT_NONE) {
		if (other->link.port_preserved)
			out->wg_endpoint_addr = other->link.public_addr;
	} else {
		out->wg_endpoint_addr = other->addr;
	}
	if ((self && self->link.has_nat && self->link.nat != SN_NAT_NONE) ||
	    (other->link.has_nat && other->link.nat != SN_NAT_NONE))
		out->wg_keepalive = SEMNETD_WG_NAT_KEEPALIVE;
}

void semnetd_relay_member_addr(const struct semnetd_node_entry *e, struct sn_ipaddr *out)
{
	*out = e->has_link && e->link.has_nat && e->link.nat != SN_NAT_NONE ?
	       e->link.public_addr : e->addr;
}

int semnetd_relay_base(const struct semnetd_node_entry *relay)
{
	if (!relay->has_link || !relay->link.has_wg_key || relay->link.wg_port < 1)
		return -1;
	return relay->link.wg_port + SEMNETD_RELAY_PORT_OFFSET;
}

static bool same_node(const struct semnetd_node_entry *a, const struct semnetd_node_entry *b)
{
	return a == b || (a->subnet.addr == b->subnet.addr && a->subnet.len == b->subnet.len);
}

/* @e is a node the relay would serve by its own facts (no sharing check). */
static bool relay_may_serve(const struct semnetd_node_entry *relay,
			    const struct semnetd_node_entry *e, const struct sn_prefix *platform,
			    int base, struct semnetd_relay_member_of *out, char *why, size_t len)
{
	char text[SN_IPADDR_STRLEN];

	if (why && len)
		why[0] = '\0';
	if (!e->has_link) {
		if (why)
			snprintf(why, len, "%.64s has no link support", id_of(e));
		return false;
	}
	if (same_node(e, relay)) {
		if (why)
			snprintf(why, len, "%.64s is the relay itself", id_of(e));
		return false;
	}
	if (semnetd_wg_slot(platform, &e->subnet, &out->slot) < 0) {
		if (why)
			snprintf(why, len, "%.64s's subnet is outside the platform range", id_of(e));
		return false;
	}
	if (out->slot >= SEMNETD_RELAY_SLOTS || base + (long long)out->slot > 65535) {
		if (why)
			snprintf(why, len, "%.64s's relay port (base %d + slot %u) is beyond %d",
				 id_of(e), base, out->slot,
				 base + SEMNETD_RELAY_SLOTS - 1 < 65535 ?
				 base + SEMNETD_RELAY_SLOTS - 1 : 65535);
		return false;
	}
	semnetd_relay_member_addr(e, &out->addr);
	if (out->addr.family != relay->addr.family) {
		if (why)
			snprintf(why, len, "%.64s's address %s is not of the relay's family (%s)",
				 id_of(e), sn_ipaddr_format(&out->addr, text),
				 sn_ipaddr_family_name(relay->addr.family));
		return false;
	}
	out->e = e;
	return true;
}

bool semnetd_relay_serves(const struct semnetd_node_entry *relay,
			  const struct semnetd_node_entry *e,
			  const struct semnetd_node_entry *registry, size_t n_registry,
			  const struct sn_prefix *platform, struct semnetd_relay_member_of *out,
			  char *why, size_t why_len)
{
	struct semnetd_relay_member_of other;
	char text[SN_IPADDR_STRLEN];
	int base = semnetd_relay_base(relay);

	if (base < 0) {
		if (why)
			snprintf(why, why_len, "%.64s offers no WireGuard port, so no relay ports",
				 id_of(relay));
		return false;
	}
	if (!relay_may_serve(relay, e, platform, base, out, why, why_len))
		return false;
	/* Nodes behind one public address: the relay tells them apart by
	 * the source port, its WireGuard port + the target's slot (relay.h),
	 * so each needs a WireGuard port of its own. */
	out->port_base = 0;
	for (size_t i = 0; i < n_registry; i++) {
		const struct semnetd_node_entry *o = &registry[i];

		if (same_node(o, e) || !relay_may_serve(relay, o, platform, base, &other, NULL, 0) ||
		    !sn_ipaddr_equal(&other.addr, &out->addr))
			continue;
		if (e->link.has_wg_key && o->link.has_wg_key && e->link.wg_port != o->link.wg_port) {
			out->port_base = e->link.wg_port;
			continue;
		}
		if (why)
			snprintf(why, why_len, "%.40s and %.40s share address %s %s", id_of(e),
				 id_of(o), sn_ipaddr_format(&out->addr, text),
				 e->link.has_wg_key && o->link.has_wg_key ?
				 "and WireGuard port (the relay cannot tell them apart)" :
				 "and not both WireGuard (the relay cannot tell them apart)");
		return false;
	}
	return true;
}

/* --- Whom the relay serves, once a registry ------------------------------ */

static int addr_cmp(const struct sn_ipaddr *a, const struct sn_ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->family == AF_INET6)
		return memcmp(&a->v6, &b->v6, sizeof(a->v6));
	return a->v4 < b->v4 ? -1 : a->v4 > b->v4;
}

static int index_cmp(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

/* By address, then registry order. */
static int by_addr_cmp(const void *pa, const void *pb, void *arg)
{
	const struct semnetd_relay_view *sorting = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = addr_cmp(&sorting->of[a].addr, &sorting->of[b].addr);

	return c ? c : index_cmp(a, b);
}

/* By address, nodes without a WireGuard key first, then by WireGuard
 * port (the keyed ones), then registry order. */
static int by_port_cmp(const void *pa, const void *pb, void *arg)
{
	const struct semnetd_relay_view *sorting = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct semnetd_node_entry *x = &sorting->registry[a], *y = &sorting->registry[b];
	int c = addr_cmp(&sorting->of[a].addr, &sorting->of[b].addr);

	if (c)
		return c;
	if (x->link.has_wg_key != y->link.has_wg_key)
		return x->link.has_wg_key ? 1 : -1;
	if (x->link.has_wg_key && x->link.wg_port != y->link.wg_port)
		return x->link.wg_port < y->link.wg_port ? -1 : 1;
	return index_cmp(a, b);
}

int semnetd_relay_view_init(struct semnetd_relay_view *v, const struct semnetd_node_entry *relay,
			    const struct semnetd_node_entry *registry, size_t n,
			    const struct sn_prefix *platform)
{
	size_t k = 0;

	memset(v, 0, sizeof(*v));
	v->relay = relay;
	v->registry = registry;
	v->n = n;
	v->platform = platform;
	v->base = semnetd_relay_base(relay);
	if (v->base < 0 || !n)
		return 0;	/* serves nobody: no groups */
	v->of = calloc(n, sizeof(*v->of));
	v->by_addr = calloc(n, sizeof(*v->by_addr));
	v->by_port = calloc(n, sizeof(*v->by_port));
	if (!v->of || !v->by_addr || !v->by_port) {
		semnetd_relay_view_free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (relay_may_serve(relay, &registry[i], platform, v->base, &v->of[i], NULL, 0))
			v->by_addr[k++] = i;
	v->n_may = k;
	memcpy(v->by_port, v->by_addr, k * sizeof(*v->by_port));
	qsort_r(v->by_addr, k, sizeof(*v->by_addr), by_addr_cmp, v);
	qsort_r(v->by_port, k, sizeof(*v->by_port), by_port_cmp, v);
	return 0;
}

void semnetd_relay_view_free(struct semnetd_relay_view *v)
{
	free(v->of);
	free(v->by_addr);
	free(v->by_port);
	v->of = NULL;
	v->by_addr = v->by_port = NULL;
	v->n_may = 0;
}

/* The first position in @sorted (by @cmp) not before the key @key. */
static size_t lower_bound(const struct semnetd_relay_view *v, const size_t *sorted,
			  int (*cmp)(const struct semnetd_relay_view *, size_t, const void *),
			  const void *key)
{
	size_t lo = 0, hi = v->n_may;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(v, sorted[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A member's place by address alone. */
static int addr_key_cmp(const struct semnetd_relay_view *v, size_t i, const void *key)
{
	return addr_cmp(&v->of[i].addr, key);
}

/* A member's place by address and WireGuard port (keyed ones). */
struct port_key {
	const struct sn_ipaddr *addr;
	bool keyed;
	int port;
};

static int port_key_cmp(const struct semnetd_relay_view *v, size_t i, const void *key)
{
	const struct port_key *k = key;
	const struct semnetd_node_entry *x = &v->registry[i];
	int c = addr_cmp(&v->of[i].addr, k->addr);

	if (c)
		return c;
	if (x->link.has_wg_key != k->keyed)
		return x->link.has_wg_key ? 1 : -1;
	if (k->keyed && x->link.wg_port != k->port)
		return x->link.wg_port < k->port ? -1 : 1;
	return 0;
}

/* From position @at of @sorted, the first member of the run @cmp holds
 * equal to @key that is not @e (the node itself, by subnet): its registry
 * index, or @v->n when none. Skips only @e's own entries. */
static size_t first_other(const struct semnetd_relay_view *v, const size_t *sorted,
			  int (*cmp)(const struct semnetd_relay_view *, size_t, const void *),
			  const void *key, const struct semnetd_node_entry *e)
{
	for (size_t at = lower_bound(v, sorted, cmp, key); at < v->n_may; at++) {
		if (cmp(v, sorted[at], key))
			break;
		if (!same_node(&v->registry[sorted[at]], e))
			return sorted[at];
	}
	return v->n;
}

/* The smaller registry index (v->n: none). */
static size_t first_of(size_t a, size_t b)
{
	return a < b ? a : b;
}

bool semnetd_relay_view_serves(const struct semnetd_relay_view *v,
			       const struct semnetd_node_entry *e,
			       struct semnetd_relay_member_of *out, char *why, size_t why_len)
{
	char text[SN_IPADDR_STRLEN];
	struct port_key none, same;
	size_t clash;

	if (v->base < 0) {
		if (why)
			snprintf(why, why_len, "%.64s offers no WireGuard port, so no relay ports",
				 id_of(v->relay));
		return false;
	}
	if (!relay_may_serve(v->relay, e, v->platform, v->base, out, why, why_len))
		return false;
	/* semnetd_relay_serves' scan, by the groups: @e clashes with a node
	 * at its address without a WireGuard key, or with one when @e has
	 * none, or with one at its WireGuard port; the first such in
	 * registry order is named. */
	out->port_base = 0;
	none = (struct port_key){ .addr = &out->addr, .keyed = false };
	clash = first_other(v, v->by_port, port_key_cmp, &none, e);
	if (e->link.has_wg_key) {
		same = (struct port_key){ .addr = &out->addr, .keyed = true,
					  .port = e->link.wg_port };
		clash = first_of(clash, first_other(v, v->by_port, port_key_cmp, &same, e));
	} else {
		clash = first_other(v, v->by_addr, addr_key_cmp, &out->addr, e);
	}
	if (clash == v->n) {
		/* Others at its address (all with ports of their own). */
		if (first_other(v, v->by_addr, addr_key_cmp, &out->addr, e) != v->n)
			out->port_base = e->link.wg_port;
		return true;
	}
	if (why) {
		const struct semnetd_node_entry *o = &v->registry[clash];

		snprintf(why, why_len, "%.40s and %.40s share address %s %s", id_of(e),
			 id_of(o), sn_ipaddr_format(&out->addr, text),
			 e->link.has_wg_key && o->link.has_wg_key ?
			 "and WireGuard port (the relay cannot tell them apart)" :
			 "and not both WireGuard (the relay cannot tell them apart)");
	}
	return false;
}

/*
 * The relay pair {@self, @other} through the node @relay_id: the
 * encrypted pair's device, keys and listen port, with the relay's
 * address and @other's port there as the endpoint. When the relay cannot
 * serve the pair, the encrypted pair as it is, the why saying why not.
 */
static void pick_relay(const struct semnetd_node_entry *self,
		       const struct semnetd_node_entry *other,
		       const struct semnetd_link_here *here, const char *relay_id,
		       const char *kind_why, struct semnetd_link_pick *out)
{
	const struct semnetd_node_entry *relay = NULL;
	const struct semnetd_node_entry *n[2] = { self, other };
	struct semnetd_relay_member_of m[2];
	char why[160] = "";
	char enc_why[sizeof(out->why)];

	pick_encrypted(self, other, here, kind_why, out);
	if (out->encap != SEMNET_ENCAP_DIRECT)
		return;		/* not even encrypted: said */
	for (size_t i = 0; i < here->n_registry && relay_id; i++)
		if (here->registry[i].node_id && !strcmp(here->registry[i].node_id, relay_id))
			relay = &here->registry[i];
	/* The pair's nodes in id order, so both ends say the same. */
	if (self && other->node_id && self->node_id && strcmp(other->node_id, self->node_id) < 0) {
		n[0] = other;
		n[1] = self;
	}
	if (!relay)
		snprintf(why, sizeof(why), "%.64s is not in the registry here",
			 relay_id ? relay_id : "the relay");
	for (int i = 0; i < 2 && relay && !why[0]; i++)
		if (!semnetd_relay_serves(relay, n[i], here->registry, here->n_registry,
					  here->platform, &m[i], why, sizeof(why)))
			break;
	if (why[0]) {
		snprintf(enc_why, sizeof(enc_why), "%s", out->why);
		snprintf(out->why, sizeof(out->why), "%.116s; not relayed: %.100s, encrypted without it",
			 enc_why, why);
		return;
	}
	out->wg_relayed = true;
	out->wg_endpoint_addr = relay->addr;
	out->wg_endpoint_port = semnetd_relay_base(relay) + (int)m[n[0] == self ? 1 : 0].slot;
	out->wg_keepalive = SEMNETD_WG_NAT_KEEPALIVE;
}

void semnetd_link_pick(const struct sn_links *links, const struct semnetd_node_entry *self,
		       const struct semnetd_node_entry *other,
		       const struct semnetd_link_here *here, int family,
		       struct semnetd_link_pick *out)
{
	/* Not in the registry yet: no link on this side, named as such. */
	struct sn_link_node a = { .id = "this node" }, b;
	struct sn_link_choice c;
	char pa[SN_IPADDR_STRLEN + 4] = "";

	memset(out, 0, sizeof(*out));
	if (self)
		semnetd_link_node_of(self, &a);
	semnetd_link_node_of(other, &b);
	sn_link_kind(links, &a, &b, &c);
	out->kind = c.kind;
	switch (c.kind) {
	case SN_LINK_NONE:
		out->encap = -1;
		snprintf(out->why, sizeof(out->why), "%s", c.why);
		return;
	case SN_LINK_DIRECT: {
		/* Both underlay addresses on the pair's segment: in each
		 * prefix the two nodes gave (the same one under rule 5; an
		 * override may pair nodes that gave others). Symmetric. */
		const struct sn_link_prefix *p[2] = {
			self ? &self->link.underlay_prefix : NULL, &other->link.underlay_prefix,
		};
		bool inside = false;

		for (int i = 0; i < 2; i++) {
			if (!p[i] || !sn_ipaddr_is_set(&p[i]->addr))
				continue;
			inside = self && sn_link_prefix_contains(p[i], &self->addr) &&
				 sn_link_prefix_contains(p[i], &other->addr);
			if (!inside) {
				sn_link_prefix_format(p[i], pa);
				break;
			}
		}
		if (!here->have_dev)
			return fall_back(other, c.why, out, "%s",
					 "this node's underlay device is unknown");
		if (!inside && !pa[0])
			return fall_back(other, c.why, out, "%s",
					 "neither node gave its underlay prefix");
		if (!inside)
			return fall_back(other, c.why, out, "an underlay address is outside %s", pa);
		if (family != other->addr.family)
			return fall_back(other, c.why, out,
					 "an %s subnet cannot be routed via an underlay address "
					 "of the other family",
					 sn_ipaddr_family_name(family));
		out->encap = SEMNET_ENCAP_DIRECT;
		snprintf(out->why, sizeof(out->why), "%s", c.why);
		return;
	}
	case SN_LINK_ENCRYPTED:
		(void)family;	/* WireGuard carries both families */
		return pick_encrypted(self, other, here, c.why, out);
	case SN_LINK_RELAY:
		return pick_relay(self, other, here, c.relay, c.why, out);
	default:	/* GRE_UDP, IPUDP: the tunnel the node speaks */
		out->encap = other->encap;
		snprintf(out->why, sizeof(out->why), "%s", c.why);
		return;
	}
}
