/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_LEARN_H
#define _SEMNET_LEARN_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>

struct semnet_net;

/*
 * Where a remote InstanceIP lives, learned from the GRE key of the tunnel
 * packets it sends (its nsIP): how a node answers a client it has never
 * been told about, without asking anyone. Only peers' own nsIPs are
 * learned (the tunnel checks that first).
 */
struct semnet_learned {
	struct rhash_head node;
	__be32 addr;			/* InstanceIP (key) */
	__be32 nsip;
	unsigned long seen;		/* jiffies */
	struct rcu_head rcu;
};

/* Entries unused this long are forgotten. */
#define SEMNET_LEARN_TIMEOUT	(300 * HZ)
#define SEMNET_LEARN_MAX	(64 * 1024)

int semnet_learn_init(struct semnet_net *sn);
void semnet_learn_destroy(struct semnet_net *sn);
/* Records that @addr sends from @nsip. Softirq; never sleeps. */
void semnet_learn(struct semnet_net *sn, __be32 addr, __be32 nsip);
/* The nsIP @addr was last seen at, or 0. RCU. */
__be32 semnet_learned_nsip(struct semnet_net *sn, __be32 addr);
/* Forgets entries idle past the timeout (process context). */
void semnet_learn_expire(struct semnet_net *sn);

#endif /* _SEMNET_LEARN_H */
