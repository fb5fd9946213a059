/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programming semnet.ko over its generic-netlink family: semnetd's terms
 * (addresses in host byte order) turned into the family's objects of
 * lib/sn_kernel.h, which encode and decode them (on lib/genl.c).
 * Every call is one synchronous round trip to the local kernel
 * (microseconds), fine on the loop. Errors: a negative errno, the kernel's
 * explanation in g->error.
 */
#ifndef SEMNETD_KERNEL_H
#define SEMNETD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "genl.h"
#include "sn_ipaddr.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_kernel.h"

struct semnetd_node_cfg {
	struct sn_prefix platform, services, subnet;
	uint32_t gateway;
	/* The IPv6 plan, when has6 (all four go together). */
	bool has6;
	struct sn_prefix6 platform6, services6, subnet6;
	struct in6_addr gateway6;
	int bridge_ifindex;		/* 0: routed (no bridge) */
	int tunnel_port;
};

struct semnetd_counters {
	uint64_t packets, bytes, flows;
};

/* Dumps hold both families: family AF_INET6 has addr6 (nsip6), else addr
 * (nsip). */
struct semnetd_kservice {
	int family;
	uint32_t addr;
	struct in6_addr addr6;
	char name[128];
	char policy[16];
	struct semnetd_counters c;
};

struct semnetd_kinstance {
	int family;
	uint32_t addr;
	struct in6_addr addr6;
	char service[128];
	uint32_t nsip;
	struct in6_addr nsip6;
	uint32_t node;			/* IPv4 underlay of its node; 0: local or IPv6 */
	bool local;			/* the kernel's word: nsIP in a local subnet */
	struct semnetd_counters c;
};

struct semnetd_kpeer {
	bool is6;			/* an IPv6 subnet (subnet6) */
	struct sn_prefix subnet;
	struct sn_prefix6 subnet6;
	uint32_t addr;			/* 0 for an IPv6 underlay (addr6) */
	struct in6_addr addr6;
	uint64_t tx_packets, rx_packets;
	uint8_t encap;			/* enum semnet_encap */
	bool has_cost;		/* an older semnet.ko reports neither */
	uint32_t cost;
	bool down;
};

struct semnetd_kstats {
	uint32_t flows, services, instances, held;
	uint64_t flows_created, flows_expired, packets, misses, miss_events, released;
	uint64_t closest_purged;	/* closest flows removed: their node went down */
	uint64_t drops[32];	/* by enum semnet_drop_reason */
};

int semnetd_kernel_set_node(struct sn_genl *g, const struct semnetd_node_cfg *n);
int semnetd_kernel_service_del(struct sn_genl *g, uint32_t addr);
/* Create or change (NLM_F_CREATE | NLM_F_REPLACE: flows stay). @node 0:
 * local, then @ifindex is the port allowed to send as it. Many objects go
 * through the batched writer below. */
int semnetd_kernel_instance_put(struct sn_genl *g, uint32_t addr, const char *service,
				uint32_t nsip, uint32_t node, int ifindex);
int semnetd_kernel_instance_del(struct sn_genl *g, uint32_t addr);
/* A peer at the underlay address @addr of either family (the kernel sends
 * outer IPv4, or outer IPv6 with a UDP checksum), port @port, speaking
 * @encap: SEMNET_ENCAP_GRE_UDP (a semnet node), SEMNET_ENCAP_IPUDP (an
 * Oakestra node) or SEMNET_ENCAP_DIRECT (routed via @addr, its packets
 * taken bare on the device @ifindex; 0: no device, for the others, which
 * also unbinds a peer that was direct). A peer that exists is replaced
 * (its cost and down state stay). @label: what `semnet peer show` says of
 * it (the link kind and why), NULL to leave it out; characters the kernel
 * would refuse (not printable ASCII) become '?', and it is cut to fit. */
int semnetd_kernel_peer_put(struct sn_genl *g, const struct sn_prefix *subnet,
			    const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			    const char *label);
int semnetd_kernel_peer_del(struct sn_genl *g, const struct sn_prefix *subnet);
/* IPv6 twins of the calls above: the service or instance of that IPv6
 * address; the peer of an IPv6 subnet (over an underlay of either family). */
int semnetd_kernel_service_del6(struct sn_genl *g, const struct in6_addr *addr);
int semnetd_kernel_instance_put6(struct sn_genl *g, const struct in6_addr *addr,
				 const char *service, const struct in6_addr *nsip, uint32_t node,
				 int ifindex);
int semnetd_kernel_instance_del6(struct sn_genl *g, const struct in6_addr *addr);
int semnetd_kernel_peer_put6(struct sn_genl *g, const struct sn_prefix6 *subnet,
			     const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			     const char *label);
int semnetd_kernel_peer_del6(struct sn_genl *g, const struct sn_prefix6 *subnet);
/* The cost (SEMNET_PEER_COST_UNKNOWN: unmeasured) and up/down state of
 * every peer at the underlay address @addr, i.e. of one node. */
int semnetd_kernel_peer_state(struct sn_genl *g, const struct sn_ipaddr *addr, uint32_t cost,
			      bool down);

/* Dumps into malloc'd arrays (free them); 0 or a negative errno. */
int semnetd_kernel_services(struct sn_genl *g, struct semnetd_kservice **out, size_t *n);
int semnetd_kernel_instances(struct sn_genl *g, struct semnetd_kinstance **out, size_t *n);
int semnetd_kernel_peers(struct sn_genl *g, struct semnetd_kpeer **out, size_t *n);
/* The same dumps without the arrays (tens of thousands of objects make
 * megabytes): @fn sees each item, on the stack, as it arrives; @reset
 * (NULL: none) undoes what @fn did when a concurrent change restarts the
 * dump. 0 or a negative errno. */
typedef void semnetd_kservice_fn(void *arg, const struct semnetd_kservice *s);
typedef void semnetd_kinstance_fn(void *arg, const struct semnetd_kinstance *i);
int semnetd_kernel_services_each(struct sn_genl *g, semnetd_kservice_fn *fn,
				 void (*reset)(void *arg), void *arg);
int semnetd_kernel_instances_each(struct sn_genl *g, semnetd_kinstance_fn *fn,
				  void (*reset)(void *arg), void *arg);
int semnetd_kernel_stats(struct sn_genl *g, struct semnetd_kstats *s);
/* Flows now to the ServiceIP @service, or (when @service is 0) those that
 * reached the instance @instance. */
int semnetd_kernel_flow_count(struct sn_genl *g, uint32_t service, uint32_t instance,
			      size_t *count);
/* The same for an IPv6 ServiceIP (or, when @service is NULL, InstanceIP). */
int semnetd_kernel_flow_count6(struct sn_genl *g, const struct in6_addr *service,
			       const struct in6_addr *instance, size_t *count);
/* Text of a dumped object's address or nsIP (either family). */
const char *semnetd_kservice_addr_fmt(const struct semnetd_kservice *s, char buf[SN_IPV6_STRLEN]);
const char *semnetd_kinstance_addr_fmt(const struct semnetd_kinstance *i,
				       char buf[SN_IPV6_STRLEN]);
const char *semnetd_kinstance_nsip_fmt(const struct semnetd_kinstance *i,
				       char buf[SN_IPV6_STRLEN]);

/*
 * Installs (create or replace) of many services and instances, batched:
 * each object is queued, and sent with others in SEMNET_A_INSTANCES and
 * SEMNET_A_SERVICES requests (64 KiB at most each, so that no single
 * round trip holds the loop long) on semnetd_kwriter_flush(), or as soon
 * as half a request is pending. Instances always go before services: a
 * service address must find its instances at once (a held packet is
 * released towards one). An object the kernel refuses is handed to @fail
 * once the flush has sent everything else (a batch stops at its first
 * failing entry; the writer skips that entry and sends the rest again, so
 * one bad object never loses the others); @fail may queue objects again.
 */
struct semnetd_kput {
	bool service;			/* else an instance */
	bool v6;			/* addr6 and nsip6, not addr and nsip */
	uint32_t addr;			/* ServiceIP or InstanceIP */
	struct in6_addr addr6, nsip6;
	char name[SEMNET_NAME_MAX];	/* the service's, or the instance's service */
	char policy[SEMNET_POLICY_NAME_MAX];	/* a service's */
	uint32_t nsip, node;		/* an instance's; node 0: local */
	int ifindex;			/* a local instance's port, 0: none */
	int number;			/* the instance's number (for the log) */
};

/* @why: the kernel's explanation (or ""). */
typedef void semnetd_kput_fail_fn(void *arg, const struct semnetd_kput *p, int err,
				  const char *why);

struct semnetd_kwriter_ent;		/* a queued object (kernel.c) */

/* The kernel's messages kept for the first refusals of a flush (the
 * others get their errno's text): nothing is allocated while sending. */
#define SEMNETD_KWRITER_WHY 8

struct semnetd_kwriter {
	struct sn_kernel_batch services, instances;
	struct semnetd_kwriter_ent *v;	/* queued, by tag; until the flush */
	size_t n, cap;
	size_t nfailed;
	struct {
		size_t tag;
		char text[sizeof(((struct sn_genl *)0)->error)];
	} why[SEMNETD_KWRITER_WHY];
	semnetd_kput_fail_fn *fail;
	void *arg;
	uint64_t objects, requests;	/* sent so far (statistics) */
};

int semnetd_kwriter_init(struct semnetd_kwriter *w, struct sn_genl *g, semnetd_kput_fail_fn *fail,
			 void *arg);
void semnetd_kwriter_free(struct semnetd_kwriter *w);
/* Queues @p (copied; its names fit by the struct's sizes): 0, or -ENOMEM
 * or -EMSGSIZE, and then nothing is queued. May flush first (then @fail
 * may run before it returns). */
int semnetd_kwriter_put(struct semnetd_kwriter *w, const struct semnetd_kput *p);
/* Sends everything queued (and what @fail queues again): 0, or how many
 * objects were refused (each handed to @fail). */
int semnetd_kwriter_flush(struct semnetd_kwriter *w);
static inline size_t semnetd_kwriter_pending(const struct semnetd_kwriter *w)
{
	return w->n;
}

/* Joins the miss events on @g (a socket of its own), non-blocking. */
int semnetd_kernel_subscribe_misses(struct sn_genl *g);

struct semnetd_miss {
	int family;		/* AF_INET6: addr6 and src6 */
	uint32_t addr;
	struct in6_addr addr6;
	int kind;		/* enum semnet_miss_kind */
	uint32_t src;
	struct in6_addr src6;
	uint32_t held;
};
/* Parses a SEMNET_CMD_MISS event's attributes. 0 or -EBADMSG. */
int semnetd_kernel_parse_miss(struct nlattr **attrs, struct semnetd_miss *m);

#endif
