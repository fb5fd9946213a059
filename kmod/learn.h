/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_LEARN_H
#define _SEMNET_LEARN_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "addr.h"

struct semnet_net;
struct semnet_node;
struct semnet_peer;

/*
 * Where a remote InstanceIP lives, learned from the GRE key of the tunnel
 * packets it sends (its nsIP): how a node answers a client it has never
 * been told about, without asking anyone. Only peers' own nsIPs are
 * learned (the tunnel checks that first). IPv4 and IPv6 share the table
 * and its limit; an entry's InstanceIP and nsIP are of one family.
 *
 * Moves. A learned location is a claim by whoever sent the packet, and a
 * peer (or anyone who spoofs a peer's outer address) could claim another
 * node's client to have its replies. So an entry that says @addr lives at
 * nsIP A moves to nsIP B, sent by peer P, only when:
 *  - the instance table says @addr lives at B (it is authoritative: the
 *    orchestrator installed it); or
 *  - A and B are on one node: the peer hosting A is at P's underlay
 *    address (an instance that moved between two nsIPs of its node); or
 *  - A's node is gone: no peer hosts A any more, or its peer is down; or
 *  - the entry is idle: nothing came from @addr for SEMNET_LEARN_HOLD.
 * Any other claim is refused, and the packet that made it is dropped as
 * spoofed: a node that keeps talking from a client keeps it. The price:
 * a client idle for SEMNET_LEARN_HOLD can be claimed by any peer (which
 * then gets replies meant for it) until its own node speaks up again and
 * the claimant has gone quiet; clients in the instance table cannot.
 *
 * Flood. The table holds SEMNET_LEARN_MAX entries, or the node's flow-max
 * when that is lower (a learned location serves flows to and from its
 * client: more locations than flows are of no use, and a namespace whose
 * flow table is capped has its learned table capped with it). When it
 * is full, a new entry replaces the idle one (seen longest ago, and not
 * within SEMNET_LEARN_HOLD) among SEMNET_LEARN_SAMPLE entries of random
 * buckets, an approximate LRU that costs a few cache lines, not a list
 * per entry. Entries still in use are never evicted, for the same reason
 * they are never moved: evicting one would let a flooder learn it anew
 * from its own nsIP. A table full of entries all seen within
 * SEMNET_LEARN_HOLD refuses new ones: that takes a sender refreshing
 * every entry every SEMNET_LEARN_HOLD, not one burst. Entries are charged
 * to the namespace's memory cgroup (semnet_charge_begin()).
 */
struct semnet_learned {
	struct rhash_head node;
	struct semnet_inaddr addr;	/* InstanceIP (key) */
	struct semnet_inaddr nsip;
	unsigned long seen;		/* jiffies */
	struct rcu_head rcu;
};

/* Entries unused this long are forgotten. */
#define SEMNET_LEARN_TIMEOUT	(300 * HZ)
#define SEMNET_LEARN_MAX	(64 * 1024)
/* An entry seen this recently is neither moved nor evicted. */
#define SEMNET_LEARN_HOLD	(10 * HZ)
/* Entries looked at to find one to evict (from up to twice as many buckets). */
#define SEMNET_LEARN_SAMPLE	8

int semnet_learn_init(struct semnet_net *sn);
void semnet_learn_destroy(struct semnet_net *sn);
/*
 * Records that @addr sends from @nsip, in a tunnel packet from @peer
 * (which hosts @nsip) to @node; @table: the instance table says so too. False
 * when it contradicts a location still held (the rules above): drop the
 * packet. A full table or a failed allocation only skips learning. RCU,
 * softirq; never sleeps.
 */
bool semnet_learn(struct semnet_net *sn, const struct semnet_node *node,
		  const struct semnet_inaddr *addr,
		  const struct semnet_inaddr *nsip,
		  const struct semnet_peer *peer, bool table);
/* The nsIP @addr was last seen at; false when unknown. RCU. */
bool semnet_learned_nsip(struct semnet_net *sn,
			 const struct semnet_inaddr *addr,
			 struct semnet_inaddr *nsip);
/*
 * Forgets entries idle past the timeout (process context). It has no
 * timer of its own: the flow reaper (semnet_flow_gc()) calls it at the end
 * of each full pass over the flow table, about once a second, so an idle
 * entry lives SEMNET_LEARN_TIMEOUT plus at most one pass.
 */
void semnet_learn_expire(struct semnet_net *sn);

#endif /* _SEMNET_LEARN_H */
