/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_MISS_H
#define _SEMNET_MISS_H

#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/semnet.h>

#include "addr.h"

struct semnet_net;
struct semnet_node;
struct semnet_pkt;
struct semnet_pkt6;
struct sk_buff;
struct net_device;

#define SEMNET_MISS_HASH_BITS		8
/* Addresses remembered at once (rate-limit state and held packets). */
#define SEMNET_MISS_ENTRIES_MAX		4096
/*
 * Fairness between the senders of misses, tracked per source address in
 * SEMNET_MISS_SOURCES slots (by a keyed hash): a source may have 1/16 of
 * the entries, and raise SEMNET_MISS_SOURCE_RATE events a second; all
 * sources together SEMNET_MISS_EVENT_RATE. One container spraying unknown
 * addresses then neither fills the table nor drowns the daemon, and
 * another's miss is still heard.
 */
#define SEMNET_MISS_SOURCES_BITS	8
#define SEMNET_MISS_SOURCE_ENTRIES	(SEMNET_MISS_ENTRIES_MAX / 16)
#define SEMNET_MISS_SOURCE_RATE		50
#define SEMNET_MISS_EVENT_RATE		1000

#define SEMNET_DEFAULT_HOLD_PACKETS	4
#define SEMNET_DEFAULT_HOLD_TOTAL	256
#define SEMNET_DEFAULT_HOLD_TIMEOUT_MS	2000
#define SEMNET_DEFAULT_MISS_INTERVAL_MS	200
#define SEMNET_HOLD_PACKETS_LIMIT	64
#define SEMNET_HOLD_TOTAL_LIMIT		65536
#define SEMNET_HOLD_TIMEOUT_MAX_MS	60000
#define SEMNET_MISS_INTERVAL_MAX_MS	60000

/*
 * Addresses that missed the tables recently, of either family, each with
 * the packets held for it: one table, so that the bounds above hold for
 * both families together. The packet path only gets here on a miss, so
 * one spinlock per namespace is enough.
 */
/* A token bucket of miss events: @tokens left at @stamp (jiffies). */
struct semnet_miss_bucket {
	u32 tokens;
	unsigned long stamp;
};

struct semnet_miss_source {
	struct semnet_miss_bucket events;
	u32 entries;
};

struct semnet_miss_table {
	spinlock_t lock;
	struct hlist_head buckets[1 << SEMNET_MISS_HASH_BITS];
	struct list_head lru;		/* entries, least recently missed first */
	struct semnet_miss_source sources[1 << SEMNET_MISS_SOURCES_BITS];
	struct semnet_miss_bucket events;	/* all sources together */
	u32 n_entries;
	u32 n_held;
	u32 seed;
	/* Expires held packets and forgets idle addresses. */
	struct delayed_work gc;
	/* Releases packets held just as their address was installed. */
	struct work_struct release;
};

/* What one miss event reports (SEMNET_CMD_MISS); @src of @addr's family. */
struct semnet_miss_event {
	struct semnet_inaddr addr;
	struct semnet_inaddr src;
	__be16 dport;
	u8 kind;		/* enum semnet_miss_kind */
	u8 proto;
	u32 held;
	u32 suppressed;
};

int semnet_miss_init(struct semnet_net *sn);
/* Drops every held packet and stops the collector (netns exit). */
void semnet_miss_destroy(struct semnet_net *sn);

/*
 * A packet to an unknown ServiceIP or InstanceIP at a PRE or LOCAL_OUT
 * hook: raise an event (rate-limited) and hold the packet, or drop it when
 * holding is off or full. Always consumes @skb: returns NF_STOLEN.
 */
unsigned int semnet_miss(struct semnet_net *sn, const struct semnet_node *node,
			 struct sk_buff *skb, const struct nf_hook_state *state,
			 const struct semnet_pkt *pkt);
/* The same at the IPv6 hooks: the packet goes on through them when released. */
unsigned int semnet_miss6(struct semnet_net *sn, const struct semnet_node *node,
			  struct sk_buff *skb, const struct nf_hook_state *state,
			  const struct semnet_pkt6 *pkt);

/*
 * semnet0 has no peer for @dst (@src of its family): an event only
 * (rate-limited), no holding.
 */
void semnet_miss_peer_addr(struct semnet_net *sn, const struct semnet_node *node,
			   const struct semnet_inaddr *dst,
			   const struct semnet_inaddr *src, u8 proto);

static inline void semnet_miss_peer(struct semnet_net *sn,
				    const struct semnet_node *node,
				    __be32 dst, __be32 src, u8 proto)
{
	struct semnet_inaddr d = semnet_inaddr4(dst), s = semnet_inaddr4(src);

	semnet_miss_peer_addr(sn, node, &d, &s, proto);
}

/*
 * Sends on the packets held for addresses the tables now resolve. Called
 * (process context) after services or instances were added.
 */
void semnet_miss_release(struct semnet_net *sn);

/* Drops every held packet and forgets every address (node removed). */
void semnet_miss_flush(struct semnet_net *sn);

/* Drops the held packets that reference @dev (it is going away). */
void semnet_miss_dev_gone(struct semnet_net *sn, struct net_device *dev);

/* Packets held now. */
u32 semnet_miss_held(struct semnet_net *sn);

/* Implemented by netlink.c: multicasts one SEMNET_CMD_MISS event. */
void semnet_nl_miss_event(struct semnet_net *sn,
			  const struct semnet_miss_event *ev);

int semnet_miss_notifier_init(void);
void semnet_miss_notifier_exit(void);

#endif /* _SEMNET_MISS_H */
