/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of semnet.ko's generic-netlink family (UAPI
 * include/uapi/linux/semnet.h) as plain structs, each with one encoder
 * (put) and one decoder (get), for the semnet CLI and semnetd alike; plus
 * requests and dumps built from them on the client of genl.h.
 *
 * One byte order: an address (also a prefix's) is kept as the family
 * carries it, in network byte order (be32), like struct in_addr, or as a
 * struct in6_addr for IPv6; every other number is in host byte order,
 * ports included (the be16 ports of flows and miss events are converted
 * here).
 *
 * IPv6 (the UAPI's _ADDR6 twins): a service or an instance is of one
 * family, keyed by _ADDR (addr) or _ADDR6 (addr6), its present bit saying
 * which; get sets family (AF_INET or AF_INET6) as well. A prefix says its
 * family in its own field. A get never fails on an object of either family:
 * code that handles only IPv4 checks family (or uses sn_X_collect's family
 * filter) and skips the others.
 *
 * present has bit (1 << SEMNET_A_<OBJECT>_<ATTR>) set for each attribute
 * a get found or a put is to send (SN_HAS, SN_SET). put adds the object's
 * nest to a request: 0, or -EMSGSIZE. get decodes the object's nest among
 * a reply's top-level attributes: 0, or -EBADMSG (missing key, bad type).
 */
#ifndef SN_KERNEL_H
#define SN_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <netlink/msg.h>
#include <uapi/linux/semnet.h>

#include "genl.h"

#define SN_HAS(o, attr) (((o)->present >> (attr)) & 1u)
#define SN_SET(o, attr) ((o)->present |= 1u << (attr))

/*
 * A prefix as the family carries it: an IPv4 one (addr in network byte
 * order, len 0..32), or with family AF_INET6 an IPv6 one (addr6, len
 * 0..128). family 0 is IPv4 too, so { addr, len } stays an IPv4 prefix.
 */
struct sn_kprefix {
	uint32_t addr;
	uint8_t len;
	uint8_t family;			/* AF_INET6, or IPv4 (AF_INET or 0) */
	struct in6_addr addr6;
};
static inline bool sn_kprefix_is6(const struct sn_kprefix *p)
{
	return p->family == AF_INET6;
}
int sn_kprefix_put(struct nl_msg *msg, int type, const struct sn_kprefix *p);
int sn_kprefix_get(struct nlattr *nest, struct sn_kprefix *p);

/* A service's or instance's counters (read-only). */
struct sn_counters {
	bool present;
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows;
};
/* @nest may be NULL (no counters): all zero, not present. */
int sn_counters_get(struct nlattr *nest, struct sn_counters *c);

/* A node's subnets: up to SEMNET_SUBNETS_MAX of each family. */
#define SN_NODE_SUBNETS_MAX (2 * SEMNET_SUBNETS_MAX)

struct sn_node {
	uint32_t present;		/* 1 << SEMNET_A_NODE_* */
	struct sn_kprefix platform;
	struct sn_kprefix service_range;
	/* Both families, in the order given (get: the kernel's, IPv4 first). */
	struct sn_kprefix subnets[SN_NODE_SUBNETS_MAX];
	unsigned int nsubnets;		/* sent when SEMNET_A_NODE_SUBNETS is set */
	uint32_t gateway;
	/* The IPv6 plan (_PLATFORM6, _SERVICE_RANGE6: IPv6 prefixes). */
	struct sn_kprefix platform6;
	struct sn_kprefix service_range6;
	struct in6_addr gateway6;
	uint32_t bridge;		/* ifindex */
	uint32_t mode;			/* enum semnet_node_mode */
	uint32_t flow_max;
	uint32_t timeout_tcp;
	uint32_t timeout_tcp_close;
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
	uint32_t hold_packets;
	uint32_t hold_total;
	uint32_t hold_timeout;		/* ms */
	uint32_t miss_interval;		/* ms */
	uint32_t timeout_unreplied;
	uint32_t unreplied_max;
	uint16_t tunnel_port;
};
int sn_node_put(struct nl_msg *msg, const struct sn_node *n);
int sn_node_get(struct nlattr **attrs, struct sn_node *n);

/*
 * The node's plain u32 settings, for code that treats them alike: the
 * attribute, the field, and its name (the CLI's keyword, e.g. "flow-max").
 */
struct sn_node_u32 {
	int attr;
	size_t off;
	const char *name;
};
extern const struct sn_node_u32 sn_node_u32s[];
extern const size_t sn_node_nu32;
static inline uint32_t *sn_node_u32(struct sn_node *n, size_t i)
{
	return (uint32_t *)(void *)((char *)n + sn_node_u32s[i].off);
}
static inline uint32_t sn_node_u32_get(const struct sn_node *n, size_t i)
{
	return *(const uint32_t *)(const void *)((const char *)n + sn_node_u32s[i].off);
}

struct sn_service {
	uint32_t present;		/* 1 << SEMNET_A_SERVICE_* */
	uint32_t addr;			/* _ADDR */
	char name[SEMNET_NAME_MAX];
	char policy[SEMNET_POLICY_NAME_MAX];
	uint32_t instances;		/* read-only: of its name and family */
	struct sn_counters counters;	/* read-only */
	uint8_t family;			/* get: AF_INET or AF_INET6 (put: present) */
	struct in6_addr addr6;		/* _ADDR6 */
};
int sn_service_put(struct nl_msg *msg, const struct sn_service *s);
int sn_service_get(struct nlattr **attrs, struct sn_service *s);

struct sn_instance {
	uint32_t present;		/* 1 << SEMNET_A_INSTANCE_* */
	uint32_t addr;			/* _ADDR */
	char service[SEMNET_NAME_MAX];
	uint32_t nsip;			/* _NSIP */
	uint32_t node;			/* 0: this node (IPv4 underlay, either family) */
	bool local;			/* read-only */
	uint32_t ifindex;		/* bridge port; 0: not enforced */
	uint32_t cost;			/* its node's, for closest (read-only) */
	bool down;			/* its node is down (read-only) */
	struct sn_counters counters;	/* read-only */
	uint8_t family;			/* get: AF_INET or AF_INET6 (put: present) */
	struct in6_addr addr6;		/* _ADDR6 */
	struct in6_addr nsip6;		/* _NSIP6 */
};
int sn_instance_put(struct nl_msg *msg, const struct sn_instance *i);
int sn_instance_get(struct nlattr **attrs, struct sn_instance *i);

/*
 * An object's family by its key's present bit: AF_INET6 with _ADDR6, else
 * AF_INET (what put sends). The setters fill the key, its family and bit
 * (and clear the other family's key).
 */
int sn_service_family(const struct sn_service *s);
int sn_instance_family(const struct sn_instance *i);
void sn_service_set_addr6(struct sn_service *s, const struct in6_addr *addr6);
void sn_instance_set_addr6(struct sn_instance *i, const struct in6_addr *addr6,
			   const struct in6_addr *nsip6);

/*
 * Text of an address of either family (inet_ntop: canonical IPv6), of a
 * prefix ("addr/len"), and of an object's key. Each returns @buf.
 */
#define SN_KADDR_STRLEN 46		/* INET6_ADDRSTRLEN */
#define SN_KPREFIX_STRLEN 50		/* + "/128" */
const char *sn_kaddr_fmt(int family, uint32_t addr, const struct in6_addr *addr6,
			 char buf[SN_KADDR_STRLEN]);
const char *sn_kprefix_fmt(const struct sn_kprefix *p, char buf[SN_KPREFIX_STRLEN]);
const char *sn_service_addr_fmt(const struct sn_service *s, char buf[SN_KADDR_STRLEN]);
const char *sn_instance_addr_fmt(const struct sn_instance *i, char buf[SN_KADDR_STRLEN]);
/* Its nsIP: _NSIP6 when it has one, else _NSIP. */
const char *sn_instance_nsip_fmt(const struct sn_instance *i, char buf[SN_KADDR_STRLEN]);

/*
 * A peer: its subnet (sn_kprefix, either family: the inner packets it
 * takes) and its underlay address, IPv4 (_ADDR, addr) or IPv6 (_ADDR6,
 * addr6), independent of the subnet's family.
 */
struct sn_peer {
	uint32_t present;		/* 1 << SEMNET_A_PEER_* */
	struct sn_kprefix subnet;
	uint32_t addr;			/* _ADDR */
	struct in6_addr addr6;		/* _ADDR6 */
	uint16_t port;
	uint8_t encap;			/* enum semnet_encap */
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;	/* read-only */
	uint32_t cost;			/* SEMNET_PEER_COST_UNKNOWN: not measured */
	bool down;
	uint32_t ifindex;		/* its packets arrive only there (0: anywhere) */
	uint32_t ifindex_gone;		/* _IFINDEX_GONE, read-only: bound device gone */
	char label[SEMNET_PEER_LABEL_MAX];	/* _LABEL: for people (semnetd: kind, why) */
};
int sn_peer_put(struct nl_msg *msg, const struct sn_peer *p);
/* An encapsulation's name, NULL-terminated by value (enum semnet_encap):
 * what `semnet peer` takes and prints, semnetd logs and /metrics label. */
extern const char *const sn_encap_names[];
/* "gre-udp", "ipudp", "direct", or NULL for one this build does not know. */
const char *sn_encap_name(unsigned int encap);
/* cost is SEMNET_PEER_COST_UNKNOWN when the module does not report one. */
int sn_peer_get(struct nlattr **attrs, struct sn_peer *p);

/*
 * A flow of either family: an IPv6 one (family AF_INET6) has its
 * addresses in the *6 fields (_SRC6...) and leaves the IPv4 ones 0.
 */
struct sn_flow {
	uint32_t present;		/* 1 << SEMNET_A_FLOW_* */
	uint8_t proto;
	uint32_t src, dst, xsrc, xdst;
	uint16_t sport, dport, xsport, xdport;
	uint32_t service;
	uint32_t instance;
	uint8_t state;
	uint32_t expires;		/* ms */
	uint64_t packets;
	uint64_t bytes;
	uint8_t family;			/* get: AF_INET or AF_INET6 */
	struct in6_addr src6, dst6, xsrc6, xdst6;
	struct in6_addr service6;	/* _SERVICE6 */
	struct in6_addr instance6;	/* _INSTANCE6 */
};
/*
 * Only the filter attributes are ever sent: SERVICE and INSTANCE, or
 * their IPv6 twins SERVICE6 and INSTANCE6 (by their present bits).
 */
int sn_flow_put(struct nl_msg *msg, const struct sn_flow *f);
int sn_flow_get(struct nlattr **attrs, struct sn_flow *f);

/* Drop reasons kept apart; higher ones only count in drops_total. */
#define SN_DROPS_MAX 64
struct sn_stats {
	uint32_t present;		/* 1 << SEMNET_A_STATS_* */
	uint32_t flows;
	uint64_t flows_created;
	uint64_t flows_expired;
	uint64_t port_remaps;
	uint64_t packets;
	uint32_t services;
	uint32_t instances;
	uint64_t misses;
	uint64_t miss_events;
	uint32_t held;
	uint64_t released;
	uint64_t closest_purged;
	uint64_t early_drops;
	uint64_t miss_evicted;
	uint64_t forwarded;	/* past the stack's forwarding */
	uint64_t drops[SN_DROPS_MAX];	/* by enum semnet_drop_reason */
	uint64_t drops_present;		/* 1 << reason */
	uint64_t drops_total;
};
int sn_stats_get(struct nlattr **attrs, struct sn_stats *s);

/*
 * A table-miss event (SEMNET_CMD_MISS on SEMNET_MCGRP_MISSES). An IPv6
 * miss (family AF_INET6) has addr6 and src6 and leaves addr and src 0:
 * code that handles only IPv4 checks family.
 */
struct sn_miss {
	uint32_t addr;
	uint32_t src;
	uint8_t kind;			/* enum semnet_miss_kind */
	uint8_t proto;
	uint16_t dport;
	uint32_t held;
	uint32_t suppressed;
	uint8_t family;			/* AF_INET or AF_INET6 */
	struct in6_addr addr6;		/* _ADDR6 */
	struct in6_addr src6;		/* _SRC6 */
};
int sn_miss_get(struct nlattr **attrs, struct sn_miss *m);

/* The module's own (SEMNET_CMD_GET_INFO). */
struct sn_info {
	char version[64];
	uint32_t genl_version;
	uint32_t netns_inum;
	uint64_t netns_cookie;
};
int sn_info_get(struct nlattr **attrs, struct sn_info *in);

/* --- requests --- */

/*
 * Adds a request's attributes from @obj: 0 or a negative errno. The
 * sn_*_fill functions are the puts above in this form.
 */
typedef int (*sn_kernel_fill_fn)(struct nl_msg *msg, const void *obj);
int sn_node_fill(struct nl_msg *msg, const void *node);
int sn_service_fill(struct nl_msg *msg, const void *service);
int sn_instance_fill(struct nl_msg *msg, const void *instance);
int sn_peer_fill(struct nl_msg *msg, const void *peer);
int sn_flow_fill(struct nl_msg *msg, const void *flow);

/*
 * A new request for @cmd with @fill(@obj)'s attributes (@fill may be NULL).
 * NULL with *err set (-ENOMEM, or @fill's error) when it cannot be built.
 */
struct nl_msg *sn_kernel_msg(struct sn_genl *g, uint8_t cmd, int flags,
			     sn_kernel_fill_fn fill, const void *obj, int *err);
/*
 * One round trip: sn_kernel_msg() then sn_genl_transact(). 0 or a negative
 * errno; g->error holds the kernel's extack message when it gave one.
 */
int sn_kernel_call(struct sn_genl *g, uint8_t cmd, int flags, sn_kernel_fill_fn fill,
		   const void *obj, sn_genl_reply_fn fn, void *arg);
/*
 * A module older than IPv6 refuses an IPv6 twin (_ADDR6...) as "Unknown
 * attribute type"; the requests here (calls, dumps, batches) put this in
 * g->error instead. sn_kernel_attr_is6() tells whether the attribute at an
 * extack @offset of a request (from its nlmsghdr) is such a twin.
 */
/* sn_genl_transact() (sends and frees @msg) with that message. */
int sn_kernel_transact(struct sn_genl *g, struct nl_msg *msg, sn_genl_reply_fn fn, void *arg);
#define SN_KERNEL_NO_IPV6 \
	"the loaded semnet module has no IPv6 (it does not know the IPv6 address attribute): load a newer one"
bool sn_kernel_attr_is6(const struct nlmsghdr *nlh, long offset);
/*
 * A dump (NLM_F_DUMP) with sn_kernel_call(). One that a concurrent change
 * interrupted (NLM_F_DUMP_INTR, which genl.c reports as -EIO after reading
 * the rest) is retried from the start, SN_KERNEL_DUMP_TRIES times in all;
 * @reset(@arg) empties what @fn collected before each retry.
 */
#define SN_KERNEL_DUMP_TRIES 3
int sn_kernel_dump(struct sn_genl *g, uint8_t cmd, sn_kernel_fill_fn fill, const void *obj,
		   sn_genl_reply_fn fn, void *arg, void (*reset)(void *arg));

/*
 * Growing arrays that dumps fill: pass sn_X_collect as the reply function
 * and the list as its argument, sn_X_reset as the dump's reset. Start from
 * { 0 }, free(list.v) when done. A collect returns -ENOMEM when the array
 * cannot grow, or the get's error.
 */
/*
 * The zeroed item @n of the array *@vp (a pointer to any object type, NULL
 * at first) of *@cap items of @size, grown by doubling from 16 when full.
 * NULL when it cannot grow (the array stays as it was).
 */
void *sn_kernel_slot(void *vp, size_t *cap, size_t n, size_t size);

struct sn_services {
	struct sn_service *v;
	size_t n, cap;
	int family;			/* keep only this family (0: both) */
};
int sn_services_collect(struct nlattr **attrs, void *list);
void sn_services_reset(void *list);

struct sn_instances {
	struct sn_instance *v;
	size_t n, cap;
	const char *filter_service;	/* keep only these (NULL: all) */
	int family;			/* keep only this family (0: both) */
};
int sn_instances_collect(struct nlattr **attrs, void *list);
void sn_instances_reset(void *list);

struct sn_peers {
	struct sn_peer *v;
	size_t n, cap;
};
int sn_peers_collect(struct nlattr **attrs, void *list);
void sn_peers_reset(void *list);

struct sn_flows {
	struct sn_flow *v;
	size_t n, cap;
	/* Keep only flows of filter's SERVICE and INSTANCE when it has them. */
	const struct sn_flow *filter;
};
int sn_flows_collect(struct nlattr **attrs, void *list);
void sn_flows_reset(void *list);

/*
 * --- batches ---
 * Many NEW_SERVICE or NEW_INSTANCE objects in few requests
 * (SEMNET_A_SERVICES, SEMNET_A_INSTANCES: up to 64 KiB of entries each;
 * the UAPI header has the contract). Objects are encoded as they are added
 * and sent when a request is full or on sn_kernel_batch_flush(). Each
 * object carries the caller's @tag (a line number, an index), which is
 * what a failure names: @fail(@arg, tag, err) is called for each object
 * the kernel refused, with g->error holding its message. Then, with
 * @go_on, the objects after it are sent on; without, they are dropped
 * (never sent) and so is everything added until sn_kernel_batch_reset().
 * A request of one object, and every object when the module predates
 * batches (found out at the first batch, which it refuses as a whole),
 * goes as the plain single-object request.
 */
typedef void (*sn_kernel_batch_fail_fn)(void *arg, unsigned long tag, int err);

struct sn_kernel_batch {
	struct sn_genl *g;
	uint8_t cmd;			/* SEMNET_CMD_NEW_SERVICE or _NEW_INSTANCE */
	int flags;			/* of every request */
	int list;			/* SEMNET_A_SERVICES or _INSTANCES */
	sn_kernel_fill_fn fill;
	sn_kernel_batch_fail_fn fail;
	void *arg;
	bool go_on;
	bool single;			/* the module takes no batches */
	bool stopped;			/* failed without go_on */
	struct nl_msg *scratch;		/* one object is encoded here */
	const struct nl_sock *sized;	/* the socket whose buffers were raised */
	char *buf;			/* the pending objects' nests, back to back */
	size_t len, buf_cap;
	struct { size_t off; unsigned long tag; } *ent;
	size_t n, ent_cap;
	unsigned long requests;		/* sent so far (statistics) */
};

/*
 * Starts a batch of @cmd (NEW_SERVICE with sn_service_fill, NEW_INSTANCE
 * with sn_instance_fill) over @g. 0, -EINVAL (another command) or -ENOMEM.
 */
int sn_kernel_batch_init(struct sn_kernel_batch *b, struct sn_genl *g, uint8_t cmd,
			 int flags, sn_kernel_batch_fail_fn fail, void *arg, bool go_on);
/*
 * Adds @obj (a struct sn_service or sn_instance), sending the pending ones
 * first when it does not fit (their failures go to @fail). 0; -ECANCELED
 * when a failure without @go_on stopped the batch (@obj is dropped);
 * -EMSGSIZE (@obj alone is too large) or -ENOMEM.
 */
int sn_kernel_batch_add(struct sn_kernel_batch *b, const void *obj, unsigned long tag);
/* Sends what is pending: 0 or the first error (each reported by @fail). */
int sn_kernel_batch_flush(struct sn_kernel_batch *b);
/* Objects added and not sent yet. */
static inline size_t sn_kernel_batch_pending(const struct sn_kernel_batch *b)
{
	return b->n;
}
/* Drops what is pending and clears the stop after a failure. */
void sn_kernel_batch_reset(struct sn_kernel_batch *b);
void sn_kernel_batch_free(struct sn_kernel_batch *b);

#endif /* SN_KERNEL_H */
