/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hash and compare functions for semnet's fixed-size rhashtable keys.
 *
 * Without them, rhashtable hashes every key with an out-of-line jhash2()
 * and compares it with memcmp(): a call each per lookup, several lookups
 * per packet. These inline into rhashtable_lookup(), whose parameters are
 * compile-time constants.
 */
#ifndef _SEMNET_HASH_H
#define _SEMNET_HASH_H

#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/string.h>
#include <net/ipv6.h>

/* rhashtable_params.hashfn for a one-word key (an IPv4 address). */
static inline u32 semnet_hash_word(const void *data, u32 len, u32 seed)
{
	u32 w;

	memcpy(&w, data, sizeof(w));
	return jhash_1word(w, seed);
}

/* rhashtable_params.hashfn for a two-word key. */
static inline u32 semnet_hash_2words(const void *data, u32 len, u32 seed)
{
	u32 w[2];

	memcpy(w, data, sizeof(w));
	return jhash_2words(w[0], w[1], seed);
}

/*
 * rhashtable_params.obj_cmpfn for a one-word key at the table's
 * key_offset in the object: 0 when equal, as memcmp().
 */
static inline int semnet_cmp_word(struct rhashtable_compare_arg *arg,
				  const void *obj)
{
	u32 key, have;

	memcpy(&key, arg->key, sizeof(key));
	memcpy(&have, (const char *)obj + arg->ht->p.key_offset, sizeof(have));
	return key != have;
}

/*
 * rhashtable_params.hashfn for an IPv6 address key: jhash2() of its four
 * words (what rhashtable computes without a hashfn), but inline. Every
 * key and object address is a struct in6_addr, 32-bit aligned: read in
 * place, not through a copy on the stack (which cost a stack frame and
 * its canary, and kept the function out of line, per lookup).
 */
static __always_inline u32 semnet_hash_addr6(const void *data, u32 len,
					     u32 seed)
{
	const struct in6_addr *a = data;

	return jhash2((__force const u32 *)a->s6_addr32, 4, seed);
}

/*
 * rhashtable_params.obj_cmpfn for an IPv6 address key: two 64-bit
 * compares (ipv6_addr_equal()) instead of a memcmp() call, in place.
 */
static __always_inline int semnet_cmp_addr6(struct rhashtable_compare_arg *arg,
					    const void *obj)
{
	const struct in6_addr *have = obj + arg->ht->p.key_offset;

	return !ipv6_addr_equal(arg->key, have);
}

#endif /* _SEMNET_HASH_H */
