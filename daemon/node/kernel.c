// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd's calls to semnet.ko: what to install, in semnetd's own terms
 * (host byte order, struct sn_prefix of sn_ipv4.h), turned into the
 * family's objects of lib/sn_kernel.h, which encode and decode them.
 */
#include "kernel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_kernel.h"

static struct sn_kprefix to_kprefix(const struct sn_prefix *p)
{
	return (struct sn_kprefix){ .addr = htonl(p->addr), .len = (uint8_t)p->len };
}

static struct sn_kprefix to_kprefix6(const struct sn_prefix6 *p)
{
	return (struct sn_kprefix){ .family = AF_INET6, .addr6 = p->addr, .len = (uint8_t)p->len };
}

static struct sn_prefix from_kprefix(const struct sn_kprefix *k)
{
	return (struct sn_prefix){ .addr = ntohl(k->addr), .len = k->len };
}

static void from_counters(const struct sn_counters *k, struct semnetd_counters *c)
{
	c->packets = k->packets;
	c->bytes = k->bytes;
	c->flows = k->flows;
}

/* Copies a name into a fixed field; -EINVAL (said in g->error) when too long. */
static int copy_name(struct sn_genl *g, char *dst, size_t size, const char *src,
		     const char *what)
{
	if (snprintf(dst, size, "%s", src) >= (int)size) {
		snprintf(g->error, sizeof(g->error), "%s \"%.32s...\" longer than %zu bytes",
			 what, src, size - 1);
		return -EINVAL;
	}
	return 0;
}

int semnetd_kernel_set_node(struct sn_genl *g, const struct semnetd_node_cfg *n)
{
	struct sn_node k = {
		.present = 1u << SEMNET_A_NODE_PLATFORM | 1u << SEMNET_A_NODE_SERVICE_RANGE |
			   1u << SEMNET_A_NODE_SUBNETS | 1u << SEMNET_A_NODE_GATEWAY |
			   1u << SEMNET_A_NODE_BRIDGE | 1u << SEMNET_A_NODE_TUNNEL_PORT,
		.platform = to_kprefix(&n->platform),
		.service_range = to_kprefix(&n->services),
		.subnets = { to_kprefix(&n->subnet) },
		.nsubnets = 1,
		.gateway = htonl(n->gateway),
		.bridge = (uint32_t)n->bridge_ifindex,
		.tunnel_port = (uint16_t)n->tunnel_port,
	};

	/* Said either way, so that a node switches modes on a restart. */
	SN_SET(&k, SEMNET_A_NODE_MODE);
	k.mode = n->bridge_ifindex ? SEMNET_NODE_MODE_BRIDGED : SEMNET_NODE_MODE_ROUTED;
	if (!n->bridge_ifindex)
		k.present &= ~(1u << SEMNET_A_NODE_BRIDGE);
	if (n->has6) {
		SN_SET(&k, SEMNET_A_NODE_PLATFORM6);
		SN_SET(&k, SEMNET_A_NODE_SERVICE_RANGE6);
		SN_SET(&k, SEMNET_A_NODE_GATEWAY6);
		k.platform6 = to_kprefix6(&n->platform6);
		k.service_range6 = to_kprefix6(&n->services6);
		k.gateway6 = n->gateway6;
		k.subnets[k.nsubnets++] = to_kprefix6(&n->subnet6);
	}

	return sn_kernel_call(g, SEMNET_CMD_SET_NODE, 0, sn_node_fill, &k, NULL, NULL);
}

int semnetd_kernel_service_del(struct sn_genl *g, uint32_t addr)
{
	struct sn_service s = { .present = 1u << SEMNET_A_SERVICE_ADDR, .addr = htonl(addr) };

	return sn_kernel_call(g, SEMNET_CMD_DEL_SERVICE, 0, sn_service_fill, &s, NULL, NULL);
}

int semnetd_kernel_instance_put(struct sn_genl *g, uint32_t addr, const char *service,
				uint32_t nsip, uint32_t node, int ifindex)
{
	struct sn_instance i = {
		.present = 1u << SEMNET_A_INSTANCE_ADDR | 1u << SEMNET_A_INSTANCE_SERVICE |
			   1u << SEMNET_A_INSTANCE_NSIP | 1u << SEMNET_A_INSTANCE_NODE,
		.addr = htonl(addr),
		.nsip = htonl(nsip),
		.node = htonl(node),
	};

	if (copy_name(g, i.service, sizeof(i.service), service, "service name") < 0)
		return -EINVAL;
	/* Only a local instance has a port (its veth) to pin its nsIP to. */
	if (!node && ifindex > 0) {
		i.ifindex = (uint32_t)ifindex;
		SN_SET(&i, SEMNET_A_INSTANCE_IFINDEX);
	}
	return sn_kernel_call(g, SEMNET_CMD_NEW_INSTANCE, NLM_F_CREATE | NLM_F_REPLACE,
			      sn_instance_fill, &i, NULL, NULL);
}

int semnetd_kernel_instance_del(struct sn_genl *g, uint32_t addr)
{
	struct sn_instance i = { .present = 1u << SEMNET_A_INSTANCE_ADDR, .addr = htonl(addr) };

	return sn_kernel_call(g, SEMNET_CMD_DEL_INSTANCE, 0, sn_instance_fill, &i, NULL, NULL);
}

/* The underlay address of a peer (a node): _ADDR or _ADDR6 by its family. */
static int peer_addr(struct sn_genl *g, struct sn_peer *p, const struct sn_ipaddr *addr)
{
	if (addr->family == AF_INET6) {
		SN_SET(p, SEMNET_A_PEER_ADDR6);
		p->addr6 = addr->v6;
		return 0;
	}
	if (addr->family != AF_INET) {
		snprintf(g->error, sizeof(g->error), "no underlay address");
		return -EINVAL;
	}
	SN_SET(p, SEMNET_A_PEER_ADDR);
	p->addr = htonl(addr->v4);
	return 0;
}

/* The peer for @subnet (either family) at underlay @addr:@port (either
 * family), in @encap (SEMNET_ENCAP_*). */
static int peer_put(struct sn_genl *g, struct sn_kprefix subnet, const struct sn_ipaddr *addr,
		    int port, int encap, int ifindex, const char *label)
{
	struct sn_peer p = {
		.present = 1u << SEMNET_A_PEER_SUBNET | 1u << SEMNET_A_PEER_PORT |
			   1u << SEMNET_A_PEER_ENCAP,
		.subnet = subnet,
		.port = (uint16_t)port,
		.encap = (uint8_t)encap,
	};

	if (peer_addr(g, &p, addr) < 0)
		return -EINVAL;
	/* Always: a replace keeps a binding it is not given, and a peer
	 * that was direct must lose its device (0: none). */
	p.ifindex = ifindex > 0 ? (uint32_t)ifindex : 0;
	SN_SET(&p, SEMNET_A_PEER_IFINDEX);
	if (label) {
		size_t i;

		for (i = 0; label[i] && i < sizeof(p.label) - 1; i++)
			p.label[i] = label[i] >= ' ' && label[i] < 0x7f ? label[i] : '?';
		p.label[i] = '\0';
		SN_SET(&p, SEMNET_A_PEER_LABEL);
	}
	return sn_kernel_call(g, SEMNET_CMD_NEW_PEER, NLM_F_CREATE | NLM_F_REPLACE,
			      sn_peer_fill, &p, NULL, NULL);
}

static int peer_del(struct sn_genl *g, struct sn_kprefix subnet)
{
	struct sn_peer p = { .present = 1u << SEMNET_A_PEER_SUBNET, .subnet = subnet };

	return sn_kernel_call(g, SEMNET_CMD_DEL_PEER, 0, sn_peer_fill, &p, NULL, NULL);
}

int semnetd_kernel_peer_put(struct sn_genl *g, const struct sn_prefix *subnet,
			    const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			    const char *label)
{
	return peer_put(g, to_kprefix(subnet), addr, port, encap, ifindex, label);
}

int semnetd_kernel_peer_del(struct sn_genl *g, const struct sn_prefix *subnet)
{
	return peer_del(g, to_kprefix(subnet));
}

int semnetd_kernel_service_del6(struct sn_genl *g, const struct in6_addr *addr)
{
	struct sn_service s = { 0 };

	sn_service_set_addr6(&s, addr);
	return sn_kernel_call(g, SEMNET_CMD_DEL_SERVICE, 0, sn_service_fill, &s, NULL, NULL);
}

int semnetd_kernel_instance_put6(struct sn_genl *g, const struct in6_addr *addr,
				 const char *service, const struct in6_addr *nsip, uint32_t node,
				 int ifindex)
{
	struct sn_instance i = {
		.present = 1u << SEMNET_A_INSTANCE_SERVICE | 1u << SEMNET_A_INSTANCE_NODE,
		.node = htonl(node),
	};

	sn_instance_set_addr6(&i, addr, nsip);
	if (copy_name(g, i.service, sizeof(i.service), service, "service name") < 0)
		return -EINVAL;
	if (!node && ifindex > 0) {
		i.ifindex = (uint32_t)ifindex;
		SN_SET(&i, SEMNET_A_INSTANCE_IFINDEX);
	}
	return sn_kernel_call(g, SEMNET_CMD_NEW_INSTANCE, NLM_F_CREATE | NLM_F_REPLACE,
			      sn_instance_fill, &i, NULL, NULL);
}

int semnetd_kernel_instance_del6(struct sn_genl *g, const struct in6_addr *addr)
{
	struct sn_instance i = { 0 };

	sn_instance_set_addr6(&i, addr, NULL);
	return sn_kernel_call(g, SEMNET_CMD_DEL_INSTANCE, 0, sn_instance_fill, &i, NULL, NULL);
}

int semnetd_kernel_peer_put6(struct sn_genl *g, const struct sn_prefix6 *subnet,
			     const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			     const char *label)
{
	return peer_put(g, to_kprefix6(subnet), addr, port, encap, ifindex, label);
}

int semnetd_kernel_peer_del6(struct sn_genl *g, const struct sn_prefix6 *subnet)
{
	return peer_del(g, to_kprefix6(subnet));
}

int semnetd_kernel_peer_state(struct sn_genl *g, const struct sn_ipaddr *addr, uint32_t cost,
			      bool down)
{
	struct sn_peer p = {
		.present = 1u << SEMNET_A_PEER_COST | 1u << SEMNET_A_PEER_DOWN,
		.cost = cost,
		.down = down,
	};

	if (peer_addr(g, &p, addr) < 0)
		return -EINVAL;
	return sn_kernel_call(g, SEMNET_CMD_SET_PEER, 0, sn_peer_fill, &p, NULL, NULL);
}

/* --- dumps ------------------------------------------------------------- */

/* A dump's items in semnetd's terms, each converted as it arrives. */
struct collect {
	void *v;
	size_t n, cap, size;
};

static void *collect_slot(void *arg)
{
	struct collect *c = arg;
	void *item = sn_kernel_slot(&c->v, &c->cap, c->n, c->size);

	c->n += item != NULL;
	return item;
}

static void collect_reset(void *arg)
{
	((struct collect *)arg)->n = 0;
}

/* Objects of both families, each in its own fields (0 or an error). */
static int to_kservice(struct nlattr **attrs, struct semnetd_kservice *s)
{
	struct sn_service k;
	int ret = sn_service_get(attrs, &k);

	if (ret < 0)
		return ret;
	memset(s, 0, sizeof(*s));
	s->family = k.family == AF_INET6 ? AF_INET6 : AF_INET;
	s->addr6 = k.addr6;
	s->addr = ntohl(k.addr);
	snprintf(s->name, sizeof(s->name), "%s", k.name);
	snprintf(s->policy, sizeof(s->policy), "%s", k.policy);
	from_counters(&k.counters, &s->c);
	return 0;
}

static int to_kinstance(struct nlattr **attrs, struct semnetd_kinstance *i)
{
	struct sn_instance k;
	int ret = sn_instance_get(attrs, &k);

	if (ret < 0)
		return ret;
	memset(i, 0, sizeof(*i));
	i->family = k.family == AF_INET6 ? AF_INET6 : AF_INET;
	i->addr6 = k.addr6;
	i->nsip6 = k.nsip6;
	i->addr = ntohl(k.addr);
	snprintf(i->service, sizeof(i->service), "%s", k.service);
	i->nsip = ntohl(k.nsip);
	i->node = ntohl(k.node);
	i->local = k.local;
	from_counters(&k.counters, &i->c);
	return 0;
}

static int on_service(struct nlattr **attrs, void *arg)
{
	struct semnetd_kservice s, *slot;
	int ret = to_kservice(attrs, &s);

	if (ret)
		return ret < 0 ? ret : 0;
	if (!(slot = collect_slot(arg)))
		return -ENOMEM;
	*slot = s;
	return 0;
}

static int on_instance(struct nlattr **attrs, void *arg)
{
	struct semnetd_kinstance i, *slot;
	int ret = to_kinstance(attrs, &i);

	if (ret)
		return ret < 0 ? ret : 0;
	if (!(slot = collect_slot(arg)))
		return -ENOMEM;
	*slot = i;
	return 0;
}

static int on_peer(struct nlattr **attrs, void *arg)
{
	struct semnetd_kpeer *p;
	struct sn_peer k;
	int ret = sn_peer_get(attrs, &k);

	if (ret < 0)
		return ret;
	if (!(p = collect_slot(arg)))
		return -ENOMEM;
	p->is6 = sn_kprefix_is6(&k.subnet);
	if (p->is6)
		p->subnet6 = (struct sn_prefix6){ k.subnet.addr6, k.subnet.len };
	else
		p->subnet = from_kprefix(&k.subnet);
	p->addr = ntohl(k.addr);
	p->addr6 = k.addr6;
	p->tx_packets = k.tx_packets;
	p->rx_packets = k.rx_packets;
	p->encap = k.encap;
	p->has_cost = SN_HAS(&k, SEMNET_A_PEER_COST);
	p->cost = k.cost;
	p->down = k.down;
	return 0;
}

/*
 * Dumps @cmd into a malloc'd array of items of @size (NULL for none) and
 * its length in *n; NULL and 0 on failure, the error in *err.
 */
static void *dump(struct sn_genl *g, uint8_t cmd, sn_genl_reply_fn fn, size_t size, size_t *n,
		  int *err)
{
	struct collect c = { .size = size };

	*err = sn_kernel_dump(g, cmd, NULL, NULL, fn, &c, collect_reset);
	if (*err < 0 || !c.n) {
		free(c.v);
		*n = 0;
		return NULL;
	}
	*n = c.n;
	return c.v;
}

int semnetd_kernel_services(struct sn_genl *g, struct semnetd_kservice **out, size_t *n)
{
	int err;

	*out = dump(g, SEMNET_CMD_GET_SERVICE, on_service, sizeof(**out), n, &err);
	return err;
}

int semnetd_kernel_instances(struct sn_genl *g, struct semnetd_kinstance **out, size_t *n)
{
	int err;

	*out = dump(g, SEMNET_CMD_GET_INSTANCE, on_instance, sizeof(**out), n, &err);
	return err;
}

int semnetd_kernel_peers(struct sn_genl *g, struct semnetd_kpeer **out, size_t *n)
{
	int err;

	*out = dump(g, SEMNET_CMD_GET_PEER, on_peer, sizeof(**out), n, &err);
	return err;
}

/* A dump streamed to the caller's function, one item at a time. */
struct each {
	semnetd_kservice_fn *service;
	semnetd_kinstance_fn *instance;
	void (*reset)(void *arg);
	void *arg;
};

static int on_service_each(struct nlattr **attrs, void *arg)
{
	struct each *e = arg;
	struct semnetd_kservice s;
	int ret = to_kservice(attrs, &s);

	if (ret == 0)
		e->service(e->arg, &s);
	return ret < 0 ? ret : 0;
}

static int on_instance_each(struct nlattr **attrs, void *arg)
{
	struct each *e = arg;
	struct semnetd_kinstance i;
	int ret = to_kinstance(attrs, &i);

	if (ret == 0)
		e->instance(e->arg, &i);
	return ret < 0 ? ret : 0;
}

static void each_reset(void *arg)
{
	struct each *e = arg;

	if (e->reset)
		e->reset(e->arg);
}

int semnetd_kernel_services_each(struct sn_genl *g, semnetd_kservice_fn *fn,
				 void (*reset)(void *arg), void *arg)
{
	struct each e = { .service = fn, .reset = reset, .arg = arg };

	return sn_kernel_dump(g, SEMNET_CMD_GET_SERVICE, NULL, NULL, on_service_each, &e,
			      each_reset);
}

int semnetd_kernel_instances_each(struct sn_genl *g, semnetd_kinstance_fn *fn,
				  void (*reset)(void *arg), void *arg)
{
	struct each e = { .instance = fn, .reset = reset, .arg = arg };

	return sn_kernel_dump(g, SEMNET_CMD_GET_INSTANCE, NULL, NULL, on_instance_each, &e,
			      each_reset);
}

static int on_stats(struct nlattr **attrs, void *arg)
{
	return sn_stats_get(attrs, arg);
}

int semnetd_kernel_stats(struct sn_genl *g, struct semnetd_kstats *s)
{
	struct sn_stats k;
	int ret;

	memset(s, 0, sizeof(*s));
	memset(&k, 0, sizeof(k));
	ret = sn_kernel_call(g, SEMNET_CMD_GET_STATS, 0, NULL, NULL, on_stats, &k);
	if (ret < 0)
		return ret;
	s->flows = k.flows;
	s->services = k.services;
	s->instances = k.instances;
	s->held = k.held;
	s->flows_created = k.flows_created;
	s->flows_expired = k.flows_expired;
	s->packets = k.packets;
	s->misses = k.misses;
	s->miss_events = k.miss_events;
	s->released = k.released;
	s->closest_purged = k.closest_purged;
	_Static_assert(sizeof(s->drops) <= sizeof(k.drops), "more drop reasons than decoded");
	memcpy(s->drops, k.drops, sizeof(s->drops));
	return 0;
}

static int on_flow(struct nlattr **attrs, void *arg)
{
	(void)attrs;
	(*(size_t *)arg)++;
	return 0;
}

static void count_reset(void *arg)
{
	*(size_t *)arg = 0;
}

int semnetd_kernel_flow_count(struct sn_genl *g, uint32_t service, uint32_t instance,
			      size_t *count)
{
	struct sn_flow f = { 0 };

	if (service) {
		f.service = htonl(service);
		SN_SET(&f, SEMNET_A_FLOW_SERVICE);
	} else {
		f.instance = htonl(instance);
		SN_SET(&f, SEMNET_A_FLOW_INSTANCE);
	}
	*count = 0;
	return sn_kernel_dump(g, SEMNET_CMD_GET_FLOW, sn_flow_fill, &f, on_flow, count,
			      count_reset);
}

const char *semnetd_kservice_addr_fmt(const struct semnetd_kservice *s, char buf[SN_IPV6_STRLEN])
{
	return sn_kaddr_fmt(s->family, htonl(s->addr), &s->addr6, buf);
}

const char *semnetd_kinstance_addr_fmt(const struct semnetd_kinstance *i,
				       char buf[SN_IPV6_STRLEN])
{
	return sn_kaddr_fmt(i->family, htonl(i->addr), &i->addr6, buf);
}

const char *semnetd_kinstance_nsip_fmt(const struct semnetd_kinstance *i,
				       char buf[SN_IPV6_STRLEN])
{
	return sn_kaddr_fmt(i->family, htonl(i->nsip), &i->nsip6, buf);
}

int semnetd_kernel_flow_count6(struct sn_genl *g, const struct in6_addr *service,
			       const struct in6_addr *instance, size_t *count)
{
	struct sn_flow f = { 0 };

	if (service) {
		f.service6 = *service;
		SN_SET(&f, SEMNET_A_FLOW_SERVICE6);
	} else {
		f.instance6 = *instance;
		SN_SET(&f, SEMNET_A_FLOW_INSTANCE6);
	}
	*count = 0;
	return sn_kernel_dump(g, SEMNET_CMD_GET_FLOW, sn_flow_fill, &f, on_flow, count,
			      count_reset);
}

int semnetd_kernel_subscribe_misses(struct sn_genl *g)
{
	int ret = sn_genl_subscribe(g, SEMNET_MCGRP_MISSES);

	if (ret == 0)
		nl_socket_set_nonblocking(g->sock);
	return ret;
}

int semnetd_kernel_parse_miss(struct nlattr **attrs, struct semnetd_miss *m)
{
	struct sn_miss k;
	int ret = sn_miss_get(attrs, &k);

	memset(m, 0, sizeof(*m));
	if (ret < 0)
		return ret;
	m->family = k.family == AF_INET6 ? AF_INET6 : AF_INET;
	m->addr = ntohl(k.addr);
	m->addr6 = k.addr6;
	m->kind = k.kind;
	m->src = ntohl(k.src);
	m->src6 = k.src6;
	m->held = k.held;
	return 0;
}

/* --- batched installs ---------------------------------------------------- */

/*
 * A flush is due once a batch holds half a request: then no object added
 * ever makes a batch send itself (which it does when the next object does
 * not fit), and the services never go ahead of their instances.
 */
#define KWRITER_FLUSH_BYTES (32 * 1024)

struct semnetd_kwriter_ent {
	struct semnetd_kput p;
	int err;			/* the kernel refused it (0: not) */
};

/* From sn_kernel_batch: the object of @tag was refused. Sending goes on;
 * @fail runs after the flush, when it may queue objects again. */
static void kwriter_refused(void *arg, unsigned long tag, int err)
{
	struct semnetd_kwriter *w = arg;
	struct sn_genl *g = w->services.g;

	w->v[tag].err = err;
	if (w->nfailed < SEMNETD_KWRITER_WHY) {
		w->why[w->nfailed].tag = tag;
		snprintf(w->why[w->nfailed].text, sizeof(w->why[0].text), "%s", g->error);
	}
	w->nfailed++;
}

/* The kernel's message for the refused object @tag, or "". */
static const char *kwriter_why(const struct semnetd_kwriter *w, size_t tag)
{
	size_t n = w->nfailed < SEMNETD_KWRITER_WHY ? w->nfailed : SEMNETD_KWRITER_WHY;

	for (size_t i = 0; i < n; i++)
		if (w->why[i].tag == tag)
			return w->why[i].text;
	return "";
}

int semnetd_kwriter_init(struct semnetd_kwriter *w, struct sn_genl *g, semnetd_kput_fail_fn *fail,
			 void *arg)
{
	int flags = NLM_F_CREATE | NLM_F_REPLACE, rc;

	memset(w, 0, sizeof(*w));
	w->fail = fail;
	w->arg = arg;
	rc = sn_kernel_batch_init(&w->services, g, SEMNET_CMD_NEW_SERVICE, flags, kwriter_refused,
				  w, true);
	if (rc == 0)
		rc = sn_kernel_batch_init(&w->instances, g, SEMNET_CMD_NEW_INSTANCE, flags,
					  kwriter_refused, w, true);
	if (rc < 0)
		semnetd_kwriter_free(w);
	return rc;
}

void semnetd_kwriter_free(struct semnetd_kwriter *w)
{
	sn_kernel_batch_free(&w->services);
	sn_kernel_batch_free(&w->instances);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

int semnetd_kwriter_put(struct semnetd_kwriter *w, const struct semnetd_kput *p)
{
	struct semnetd_kwriter_ent *slot;
	int rc;

	if (w->services.len > KWRITER_FLUSH_BYTES || w->instances.len > KWRITER_FLUSH_BYTES)
		semnetd_kwriter_flush(w);
	if (!(slot = sn_kernel_slot(&w->v, &w->cap, w->n, sizeof(*slot))))
		return -ENOMEM;
	slot->p = *p;
	slot->err = 0;
	if (p->service) {
		struct sn_service s = {
			.present = 1u << SEMNET_A_SERVICE_ADDR | 1u << SEMNET_A_SERVICE_NAME |
				   1u << SEMNET_A_SERVICE_POLICY,
			.addr = htonl(p->addr),
		};

		if (p->v6)
			sn_service_set_addr6(&s, &p->addr6);

		memcpy(s.name, p->name, sizeof(s.name));
		memcpy(s.policy, p->policy, sizeof(s.policy));
		rc = sn_kernel_batch_add(&w->services, &s, w->n);
	} else {
		struct sn_instance i = {
			.present = 1u << SEMNET_A_INSTANCE_ADDR | 1u << SEMNET_A_INSTANCE_SERVICE |
				   1u << SEMNET_A_INSTANCE_NSIP | 1u << SEMNET_A_INSTANCE_NODE,
			.addr = htonl(p->addr),
			.nsip = htonl(p->nsip),
			.node = htonl(p->node),
		};

		if (p->v6)
			sn_instance_set_addr6(&i, &p->addr6, &p->nsip6);
		memcpy(i.service, p->name, sizeof(i.service));
		/* Only a local instance has a port (its veth) to pin its nsIP to. */
		if (!p->node && p->ifindex > 0) {
			i.ifindex = (uint32_t)p->ifindex;
			SN_SET(&i, SEMNET_A_INSTANCE_IFINDEX);
		}
		rc = sn_kernel_batch_add(&w->instances, &i, w->n);
	}
	if (rc < 0)
		return rc;
	w->n++;
	return 0;
}

int semnetd_kwriter_flush(struct semnetd_kwriter *w)
{
	int refused = 0;

	while (w->n) {
		unsigned long before = w->services.requests + w->instances.requests;
		struct semnetd_kwriter_ent *sent;
		struct semnetd_kwriter copy;
		size_t n, cap;

		w->nfailed = 0;
		sn_kernel_batch_flush(&w->instances);
		sn_kernel_batch_flush(&w->services);
		w->requests += w->services.requests + w->instances.requests - before;
		w->objects += w->n;
		if (!w->nfailed) {
			w->n = 0;
			break;
		}
		/*
		 * @fail may queue again (and flush, which reuses the writer's
		 * arrays): the refused are taken out first, with the kernel's
		 * messages.
		 */
		memcpy(&copy, w, sizeof(copy));
		sent = w->v;
		n = w->n;
		cap = w->cap;
		refused += (int)w->nfailed;
		w->v = NULL;
		w->n = w->cap = 0;
		for (size_t i = 0; i < n; i++)
			if (sent[i].err)
				w->fail(w->arg, &sent[i].p, sent[i].err, kwriter_why(&copy, i));
		if (!w->v) {		/* nothing queued again: keep the array */
			w->v = sent;
			w->cap = cap;
		} else {
			free(sent);
		}
	}
	return refused;
}
