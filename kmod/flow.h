/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_FLOW_H
#define _SEMNET_FLOW_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/in6.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>

struct semnet_net;
struct semnet_node;
struct semnet_service;
struct semnet_instance;

/*
 * Where a lookup happens. Destination rewrites happen before routing (PRE:
 * PRE_ROUTING, LOCAL_OUT), source rewrites after it (POST: POST_ROUTING,
 * LOCAL_IN), as nf_nat splits them, so routing and reverse-path checks
 * always see a consistent packet. The packet looks different at each
 * stage, so each stage has its own key.
 */
enum semnet_stage {
	SEMNET_STAGE_PRE,
	SEMNET_STAGE_POST,
};

/* A flow key: the 5-tuple as seen at one stage. ICMP echo: the id is the
 * source "port" of a request and the destination "port" of a reply.
 * @index is not part of the key: a tuple keeps there which of its flow's
 * four it is (enum semnet_ftuple_index), in what would be padding, and
 * hashing and comparing skip it.
 */
struct semnet_fkey {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 stage;
	u8 index;
	u8 pad;
};

static_assert(sizeof(struct semnet_fkey) == 4 * sizeof(u32));

/*
 * Word @i of a key (0: src, 1: dst, 2: ports), for hashing and comparing
 * keys a word at a time.
 */
static inline u32 semnet_fkey_word(const struct semnet_fkey *k, unsigned int i)
{
	u32 w;

	memcpy(&w, (const u32 *)k + i, sizeof(w));
	return w;
}

/* The rest of the key, without the tuple's index. */
static inline u32 semnet_fkey_tail(const struct semnet_fkey *k)
{
	return k->proto | (u32)k->stage << 8;
}

static inline bool semnet_fkey_equal(const struct semnet_fkey *a,
				     const struct semnet_fkey *b)
{
	return !((semnet_fkey_word(a, 0) ^ semnet_fkey_word(b, 0)) |
		 (semnet_fkey_word(a, 1) ^ semnet_fkey_word(b, 1)) |
		 (semnet_fkey_word(a, 2) ^ semnet_fkey_word(b, 2)) |
		 (semnet_fkey_tail(a) ^ semnet_fkey_tail(b)));
}

/*
 * The IPv6 twin of struct semnet_fkey: hashed and compared as its first
 * nine words (addresses, ports) and proto and stage; @index as there.
 */
struct semnet_fkey6 {
	struct in6_addr src;
	struct in6_addr dst;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 stage;
	u8 index;
	u8 pad;
};

static_assert(sizeof(struct semnet_fkey6) == 10 * sizeof(u32));

/* Word @i of an IPv6 key (0-7: the addresses, 8: the ports). */
static inline u32 semnet_fkey6_word(const struct semnet_fkey6 *k,
				   unsigned int i)
{
	u32 w;

	memcpy(&w, (const u32 *)k + i, sizeof(w));
	return w;
}

/* Words @i and @i + 1 of an IPv6 key, as one 64-bit value. */
static inline u64 semnet_fkey6_dword(const struct semnet_fkey6 *k,
				     unsigned int i)
{
	u64 w;

	memcpy(&w, (const u32 *)k + i, sizeof(w));
	return w;
}

/*
 * jhash2() of an IPv6 key's nine words with @seed, unrolled: the same
 * value (the KUnit case semnet_fkey6_hash checks it), no loop.
 */
static __always_inline u32 semnet_fkey6_jhash(const struct semnet_fkey6 *k, u32 seed)
{
	u32 a, b, c;

	a = JHASH_INITVAL + (9 << 2) + seed;
	b = a;
	c = a;
	a += semnet_fkey6_word(k, 0);
	b += semnet_fkey6_word(k, 1);
	c += semnet_fkey6_word(k, 2);
	__jhash_mix(a, b, c);
	a += semnet_fkey6_word(k, 3);
	b += semnet_fkey6_word(k, 4);
	c += semnet_fkey6_word(k, 5);
	__jhash_mix(a, b, c);
	a += semnet_fkey6_word(k, 6);
	b += semnet_fkey6_word(k, 7);
	c += semnet_fkey6_word(k, 8);
	__jhash_final(a, b, c);
	return c;
}

/*
 * Whether two IPv6 keys are one (@index aside): 64-bit compares of the
 * addresses, as ipv6_addr_equal() makes them, rather than memcmp().
 */
static inline bool semnet_fkey6_equal(const struct semnet_fkey6 *a,
				      const struct semnet_fkey6 *b)
{
	return !((semnet_fkey6_dword(a, 0) ^ semnet_fkey6_dword(b, 0)) |
		 (semnet_fkey6_dword(a, 2) ^ semnet_fkey6_dword(b, 2)) |
		 (semnet_fkey6_dword(a, 4) ^ semnet_fkey6_dword(b, 4)) |
		 (semnet_fkey6_dword(a, 6) ^ semnet_fkey6_dword(b, 6)) |
		 (semnet_fkey6_word(a, 8) ^ semnet_fkey6_word(b, 8)) |
		 ((a->proto ^ b->proto) | (a->stage ^ b->stage)));
}

/* The four places a flow is looked up, one tuple each. */
enum semnet_ftuple_index {
	SEMNET_FT_ORIG_PRE,	/* client → ServiceIP: pick dst, maybe sport */
	SEMNET_FT_ORIG_POST,	/* client → instance: src nsIP → InstanceIP */
	SEMNET_FT_REPLY_PRE,	/* instance → client: dst → client nsIP */
	SEMNET_FT_REPLY_POST,	/* instance → client: src → ServiceIP, dport back */
	SEMNET_FT_COUNT,
};

/*
 * A hash-table entry: the key packets are found by at one of the four
 * places (its index lives in key.index). What they are rewritten to is
 * not stored twice: a PRE tuple's packet leaves as its POST tuple's key,
 * and a POST tuple changes only the source (and, for replies, the
 * destination port) of its own key. semnet_ftuple_target() puts it
 * together.
 */
struct semnet_ftuple {
	struct rhash_head node;
	struct semnet_fkey key;
};

/* Bits of semnet_flow.flags. */
enum {
	SEMNET_FLOW_DEAD,	/* being removed: lookups ignore it */
	SEMNET_FLOW_REPLIED,	/* a packet came back from the instance's side */
	SEMNET_FLOW_ASSURED,	/* no longer counted as unreplied (or removed) */
	SEMNET_FLOW_FIN_ORIG,	/* TCP: the client sent its FIN */
	SEMNET_FLOW_FIN_REPLY,	/* TCP: the server sent its FIN */
};

/* What a packet tells its flow (semnet_flow_seen). */
#define SEMNET_SEEN_REPLY	BIT(0)	/* it came from the instance's side */
#define SEMNET_SEEN_FIN		BIT(1)
#define SEMNET_SEEN_RST		BIT(2)
#define SEMNET_SEEN_SYN		BIT(3)	/* a SYN without ACK */

/*
 * What a flow is, whatever its family: its objects, state, clock and
 * counters. It sits at the end of its family's flow (struct semnet_flow4,
 * struct semnet_flow6),
 * after the tuples and the addresses only that family's code reads, so
 * that the lifetime code (state, expiry, removal, purges) is written
 * once. @expires holds the low 32 bits of jiffies (idle timeouts are at
 * most SEMNET_TIMEOUT_MAX_SECONDS, far below 2^31 jiffies): read and set
 * it with semnet_flow_expires() and semnet_flow_set_expires().
 */
struct semnet_flow {
	struct semnet_service *svc;	/* NULL for flows to an InstanceIP */
	struct semnet_instance *inst;
	unsigned long flags;
	u32 expires;
	u8 state;			/* enum semnet_flow_state */
	u8 family;			/* AF_INET, AF_INET6 */
	__be16 reply_xdport;		/* REPLY_POST: the client's own port */
	atomic64_t packets;
	atomic64_t bytes;
	struct rcu_head rcu;
};

/*
 * An IPv4 flow, packed for a million of them: 168 bytes, 24 to a 4 KiB
 * slab page.
 */
struct semnet_flow4 {
	struct semnet_ftuple t[SEMNET_FT_COUNT];
	__be32 orig_xsrc;		/* ORIG_POST: the client's identity */
	__be32 reply_xsrc;		/* REPLY_POST: what the client asked for */
	struct semnet_flow f;
};

/* The IPv6 twins: tuple and flow (288 bytes). */
struct semnet_ftuple6 {
	struct rhash_head node;
	struct semnet_fkey6 key;
};

struct semnet_flow6 {
	struct semnet_ftuple6 t[SEMNET_FT_COUNT];
	struct in6_addr orig_xsrc;
	struct in6_addr reply_xsrc;
	struct semnet_flow f;
};

static inline struct semnet_flow6 *
semnet_ftuple6_flow6(struct semnet_ftuple6 *t)
{
	return container_of(t - t->key.index, struct semnet_flow6, t[0]);
}

static inline struct semnet_flow *semnet_ftuple6_flow(struct semnet_ftuple6 *t)
{
	return &semnet_ftuple6_flow6(t)->f;
}

static inline struct semnet_flow6 *semnet_flow6(struct semnet_flow *flow)
{
	return container_of(flow, struct semnet_flow6, f);
}

static inline const struct semnet_flow6 *
semnet_flow6_const(const struct semnet_flow *flow)
{
	return container_of(flow, const struct semnet_flow6, f);
}

/* What packets @t finds are rewritten to: semnet_ftuple_target() for IPv6. */
static inline void semnet_ftuple6_target(struct semnet_ftuple6 *t,
					 struct semnet_fkey6 *to)
{
	const struct semnet_flow6 *flow = semnet_ftuple6_flow6(t);

	switch (t->key.index) {
	case SEMNET_FT_ORIG_PRE:
	case SEMNET_FT_REPLY_PRE:
		*to = flow->t[t->key.index + 1].key;
		to->stage = t->key.stage;
		break;
	case SEMNET_FT_ORIG_POST:
		*to = t->key;
		to->src = flow->orig_xsrc;
		break;
	default:
		*to = t->key;
		to->src = flow->reply_xsrc;
		to->dport = flow->f.reply_xdport;
	}
	to->index = t->key.index;
}

static inline struct semnet_flow4 *semnet_ftuple_flow4(struct semnet_ftuple *t)
{
	/* t[] is the first member's array: step back to t[0], then out. */
	return container_of(t - t->key.index, struct semnet_flow4, t[0]);
}

static inline struct semnet_flow *semnet_ftuple_flow(struct semnet_ftuple *t)
{
	return &semnet_ftuple_flow4(t)->f;
}

static inline struct semnet_flow4 *semnet_flow4(struct semnet_flow *flow)
{
	return container_of(flow, struct semnet_flow4, f);
}

static inline const struct semnet_flow4 *
semnet_flow4_const(const struct semnet_flow *flow)
{
	return container_of(flow, const struct semnet_flow4, f);
}

/* What packets @t finds are rewritten to (proto, stage: @t's). */
static inline void semnet_ftuple_target(struct semnet_ftuple *t,
					struct semnet_fkey *to)
{
	const struct semnet_flow4 *flow = semnet_ftuple_flow4(t);

	switch (t->key.index) {
	case SEMNET_FT_ORIG_PRE:
	case SEMNET_FT_REPLY_PRE:
		*to = flow->t[t->key.index + 1].key;
		to->stage = t->key.stage;
		break;
	case SEMNET_FT_ORIG_POST:
		*to = t->key;
		to->src = flow->orig_xsrc;
		break;
	default:
		*to = t->key;
		to->src = flow->reply_xsrc;
		to->dport = flow->f.reply_xdport;
	}
	to->index = t->key.index;
}

/* When @flow expires, in jiffies (within 2^31 of now). */
static inline unsigned long semnet_flow_expires(const struct semnet_flow *flow)
{
	unsigned long now = jiffies;

	return now + (s32)(READ_ONCE(flow->expires) - (u32)now);
}

static inline void semnet_flow_set_expires(struct semnet_flow *flow,
					   unsigned long expires)
{
	WRITE_ONCE(flow->expires, (u32)expires);
}

/* What a new flow translates to; the flow code picks the source port. */
struct semnet_flow_plan {
	struct semnet_fkey orig;	/* first packet, at the PRE stage */
	__be32 xsrc;			/* client source after translation */
	__be32 xdst;			/* the chosen instance's nsIP */
	__be32 reply_src;		/* source replies arrive with */
	__be32 reply_dst;		/* destination replies arrive with */
	__be32 reply_xdst;		/* ... rewritten to: the client */
	__be32 reply_xsrc;		/* ... from: what the client asked for */
	bool fixed_port;		/* never remap the source port */
	struct semnet_service *svc;
	struct semnet_instance *inst;
};

/* The IPv6 twin of struct semnet_flow_plan. */
struct semnet_flow_plan6 {
	struct semnet_fkey6 orig;
	struct in6_addr xsrc;
	struct in6_addr xdst;
	struct in6_addr reply_src;
	struct in6_addr reply_dst;
	struct in6_addr reply_xdst;
	struct in6_addr reply_xsrc;
	bool fixed_port;
	struct semnet_service *svc;
	struct semnet_instance *inst;
};

/*
 * Unreplied flows are counted per source address in a count-min sketch:
 * rows of slots, each row under its own keyed hash. A source's count is
 * its smallest slot, never below its true count, so the limit holds; it
 * is wrongly limited only when another source at the limit shares a slot
 * with it in every row (1 in 2^20 for two sources, with one row 1 in
 * 1024), and the state stays 8 KB per namespace.
 */
#define SEMNET_UNREPLIED_SLOTS_BITS	10
#define SEMNET_UNREPLIED_ROWS		2

/*
 * Both families' flows: one table of tuples each, one count against the
 * node's flow_max, one unreplied sketch and one reaper.
 */
struct semnet_flow_table {
	struct rhashtable tuples;	/* struct semnet_ftuple */
	struct rhashtable tuples6;	/* struct semnet_ftuple6 */
	atomic_t count;
	atomic_t *unreplied;		/* ROWS rows of 2^SLOTS_BITS slots */
	u32 unreplied_seed[SEMNET_UNREPLIED_ROWS];
	struct delayed_work gc_work;
	struct rhashtable_iter gc_iter;
	bool gc_iter_active;
	bool gc_iter6;			/* the reaper is on tuples6 */
};

int semnet_flow_table_init(struct semnet_net *sn);
void semnet_flow_table_destroy(struct semnet_net *sn);
int semnet_flow_cache_init(void);
void semnet_flow_cache_exit(void);

struct semnet_ftuple *semnet_flow_lookup(struct semnet_net *sn,
					 const struct semnet_fkey *key);
/*
 * Creates and publishes a flow for @plan. Returns the ORIG_PRE tuple, or an
 * ERR_PTR: -EEXIST when another CPU created it first (look it up again),
 * -ENOSPC when the table is full (and no unreplied flow could be evicted),
 * -EDQUOT when the client has unreplied_max unreplied flows already,
 * -EADDRINUSE when no source port is free, -ENOMEM.
 */
struct semnet_ftuple *semnet_flow_create(struct semnet_net *sn,
					 const struct semnet_node *node,
					 const struct semnet_flow_plan *plan);
/* The same for IPv6: semnet_flow_lookup() and semnet_flow_create(). */
struct semnet_ftuple6 *semnet_flow_lookup6(struct semnet_net *sn,
					   const struct semnet_fkey6 *key);
struct semnet_ftuple6 *semnet_flow_create6(struct semnet_net *sn,
					   const struct semnet_node *node,
					   const struct semnet_flow_plan6 *plan);
/* Removes @flow (any context); false if someone else already is. */
bool semnet_flow_remove(struct semnet_net *sn, struct semnet_flow *flow);

/*
 * Counts a packet of @flow at its PRE stage and moves its state on (@seen:
 * SEMNET_SEEN_*): unreplied until the exchange completes, closing after an
 * RST or FINs both ways (a half-closed connection stays active), and
 * refreshes its idle timer.
 */
void semnet_flow_seen(struct semnet_net *sn, struct semnet_flow *flow,
		      const struct semnet_node *node, unsigned int len,
		      unsigned int seen);

typedef bool (*semnet_flow_match_fn)(const struct semnet_flow *flow,
				     const void *arg);
/* Removes every flow @match accepts (all when NULL). Process context. */
unsigned int semnet_flow_purge(struct semnet_net *sn,
			       semnet_flow_match_fn match, const void *arg);

/* Idle timeout of a flow in its state, in jiffies. */
unsigned long semnet_flow_timeout(const struct semnet_node *node, u8 proto,
				  u8 state);

#endif /* _SEMNET_FLOW_H */
