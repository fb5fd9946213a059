// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel peers: the other nodes, by the subnets of nsIPs they host (for
 * sending) and by underlay address (for accepting what they send).
 */
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "instance.h"
#include "netns.h"
#include "hash.h"
#include "node.h"
#include "peer.h"
#include "policy.h"

#define SEMNET_PEERS_MAX	(64 * 1024)

static inline int semnet_peer_cmp(struct rhashtable_compare_arg *arg,
				  const void *obj)
{
	const struct semnet_peer_key *key = arg->key;
	const struct semnet_peer *peer = obj;

	BUILD_BUG_ON(sizeof(*key) != 2 * sizeof(u32));
	return key->addr != peer->key.addr || key->len != peer->key.len;
}

const struct rhashtable_params semnet_peer_params = {
	.head_offset = offsetof(struct semnet_peer, node),
	.key_offset = offsetof(struct semnet_peer, key),
	.key_len = sizeof(struct semnet_peer_key),
	.hashfn = semnet_hash_2words,
	.obj_cmpfn = semnet_peer_cmp,
	.automatic_shrinking = true,
};

static inline u32 semnet_peer6_hash(const void *data, u32 len, u32 seed)
{
	const struct semnet_peer_key6 *key = data;

	return jhash2((__force const u32 *)key->addr.s6_addr32, 4, seed ^ key->len);
}

static inline int semnet_peer6_cmp(struct rhashtable_compare_arg *arg,
				   const void *obj)
{
	const struct semnet_peer_key6 *key = arg->key;
	const struct semnet_peer *peer = obj;

	return !ipv6_addr_equal(&key->addr, &peer->key6.addr) ||
	       key->len != peer->key6.len;
}

const struct rhashtable_params semnet_peer6_params = {
	.head_offset = offsetof(struct semnet_peer, node),
	.key_offset = offsetof(struct semnet_peer, key6),
	.key_len = sizeof(struct semnet_peer_key6),
	.hashfn = semnet_peer6_hash,
	.obj_cmpfn = semnet_peer6_cmp,
	.automatic_shrinking = true,
};

const struct rhashtable_params semnet_peer_addr_params = {
	.head_offset = offsetof(struct semnet_peer, by_addr),
	.key_offset = offsetof(struct semnet_peer, under.ip),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};

const struct rhashtable_params semnet_peer_addr6_params = {
	.head_offset = offsetof(struct semnet_peer, by_addr),
	.key_offset = offsetof(struct semnet_peer, under.ip6),
	.key_len = sizeof(struct in6_addr),
	.hashfn = semnet_hash_addr6,
	.obj_cmpfn = semnet_cmp_addr6,
	.automatic_shrinking = true,
};

static struct semnet_peer_key semnet_peer_key_of(__be32 addr, u8 len)
{
	return (struct semnet_peer_key){
		.addr = semnet_subnet_of(addr, len),
		.len = len,
	};
}

/*
 * The key of @addr's /@len: ipv6_addr_prefix() as two 64-bit masks, inline
 * (every packet into semnet0 takes one per prefix length in use; that
 * function's memset() and memcpy() of a variable length are calls).
 */
static __always_inline struct semnet_peer_key6
semnet_peer_key6_of(const struct in6_addr *addr, u8 len)
{
	struct semnet_peer_key6 key = { .len = len };
	u64 hi = len >= 64 ? ~0ULL : len ? ~0ULL << (64 - len) : 0;
	u64 lo = len >= 128 ? ~0ULL : len > 64 ? ~0ULL << (128 - len) : 0;
	u64 w[2];

	memcpy(w, addr, sizeof(w));
	w[0] &= (__force u64)cpu_to_be64(hi);
	w[1] &= (__force u64)cpu_to_be64(lo);
	memcpy(&key.addr, w, sizeof(w));
	return key;
}

static struct semnet_peer *semnet_peer_route_lookup(struct semnet_net *sn,
						    __be32 dst)
{
	/* One hash probe per prefix length in use (usually just /26). */
	u64 lens = READ_ONCE(sn->peer_lens);

	while (lens) {
		int len = fls64(lens) - 1;
		struct semnet_peer_key key = semnet_peer_key_of(dst, len);
		struct semnet_peer *peer;

		peer = rhashtable_lookup(&sn->peers, &key, semnet_peer_params);
		if (peer)
			return peer;
		lens &= ~(1ULL << len);
	}
	return NULL;
}

struct semnet_peer *semnet_peer_route(struct semnet_net *sn, __be32 dst)
{
	struct semnet_peer_cache *pc;
	struct semnet_peer *peer;
	unsigned int i;
	unsigned long gen;

	if (!semnet_pcpu_cache_usable())
		return semnet_peer_route_lookup(sn, dst);
	/* Pairs with semnet_peer_routes_changed(): then the lookup below. */
	gen = smp_load_acquire(&sn->peer_gen);
	pc = this_cpu_ptr(sn->peer_cache);
	i = hash_32((__force u32)dst, SEMNET_PEER_CACHE_BITS);
	if (pc->e[i].gen == gen && pc->e[i].dst == dst)
		return pc->e[i].peer;
	peer = semnet_peer_route_lookup(sn, dst);
	pc->e[i].gen = gen;
	pc->e[i].dst = dst;
	pc->e[i].peer = peer;
	return peer;
}

/*
 * The peer tables (or the prefix lengths) have changed: routes the CPUs
 * remember are stale. Before any peer that left is freed.
 */
static void semnet_peer_routes_changed(struct semnet_net *sn)
{
	/* The tables' changes first (semnet_peer_route() acquires). */
	smp_store_release(&sn->peer_gen, sn->peer_gen + 1);
}

static struct semnet_peer *
semnet_peer_route6_lookup(struct semnet_net *sn, const struct in6_addr *dst)
{
	u64 lens = READ_ONCE(sn->peer_lens6);

	while (lens) {
		int bit = fls64(lens) - 1;
		struct semnet_peer_key6 key =
			semnet_peer_key6_of(dst, SEMNET_PEER6_LEN_MIN + bit);
		struct semnet_peer *peer;

		peer = rhashtable_lookup(&sn->peers6, &key, semnet_peer6_params);
		if (peer)
			return peer;
		lens &= ~(1ULL << bit);
	}
	return NULL;
}

struct semnet_peer *semnet_peer_route6(struct semnet_net *sn,
				       const struct in6_addr *dst)
{
	struct semnet_peer_cache *pc;
	struct semnet_peer *peer;
	unsigned int i;
	unsigned long gen;

	if (!semnet_pcpu_cache_usable())
		return semnet_peer_route6_lookup(sn, dst);
	/* Pairs with semnet_peer_routes_changed(): then the lookup below. */
	gen = smp_load_acquire(&sn->peer_gen);
	pc = this_cpu_ptr(sn->peer_cache);
	/* The low 32 bits tell the nsIPs of a /96 or longer apart. */
	i = hash_32((__force u32)dst->s6_addr32[3], SEMNET_PEER_CACHE_BITS);
	if (pc->e6[i].gen == gen && ipv6_addr_equal(&pc->e6[i].dst, dst))
		return pc->e6[i].peer;
	peer = semnet_peer_route6_lookup(sn, dst);
	pc->e6[i].gen = gen;
	pc->e6[i].dst = *dst;
	pc->e6[i].peer = peer;
	return peer;
}

struct semnet_peer *semnet_peer_route_any(struct semnet_net *sn,
					  const struct semnet_inaddr *dst)
{
	return dst->family == AF_INET6 ? semnet_peer_route6(sn, &dst->ip6) :
	       semnet_peer_route(sn, dst->ip);
}

static bool semnet_underlay_equal(const struct semnet_underlay *a,
				  const struct semnet_underlay *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET6 ? ipv6_addr_equal(&a->ip6, &b->ip6) :
	       a->ip == b->ip;
}

bool semnet_peer_same_node(const struct semnet_peer *a,
			   const struct semnet_peer *b)
{
	return semnet_underlay_equal(&a->under, &b->under);
}

bool semnet_peer_holds(const struct semnet_peer *peer,
		       const struct semnet_inaddr *addr)
{
	if (peer->subnet.family != addr->family)
		return false;
	return addr->family == AF_INET6 ?
	       semnet_prefix6_contains(&peer->subnet.v6, &addr->ip6) :
	       semnet_prefix_contains(&peer->subnet.v4, addr->ip);
}

/* Every peer at underlay address @from (RCU), walked with @pos. */
static struct rhlist_head *semnet_peers_at(struct semnet_net *sn,
					   const struct semnet_underlay *from)
{
	if (from->family == AF_INET6)
		return rhltable_lookup(&sn->peer_addrs6, &from->ip6,
				       semnet_peer_addr6_params);
	return rhltable_lookup(&sn->peer_addrs, &from->ip,
			       semnet_peer_addr_params);
}

/*
 * False when @peer is bound to a device other than the one @via names:
 * its address, but not its path (a cleartext packet with a forged
 * source, say, beside the encrypting tunnel the peer's address is routed
 * into). A binding whose device is gone (negative) matches nothing.
 */
static bool semnet_peer_via(const struct semnet_peer *peer,
			    const struct semnet_via *via)
{
	int ifindex = READ_ONCE(peer->ifindex);

	return !ifindex || ifindex == via->iif ||
	       (via->sdif && ifindex == via->sdif);
}

struct semnet_peer *semnet_peer_from(struct semnet_net *sn,
				     const struct semnet_underlay *from,
				     const struct semnet_via *via, u8 encap,
				     const struct semnet_inaddr *nsip,
				     bool any, bool *known)
{
	struct rhlist_head *list, *pos;
	struct semnet_peer *peer;

	*known = false;
	list = semnet_peers_at(sn, from);
	rhl_for_each_entry_rcu(peer, pos, list, by_addr) {
		if (!semnet_peer_speaks(peer, encap))
			continue;
		*known = true;
		if (!semnet_peer_via(peer, via))
			continue;
		if (peer->subnet.family != nsip->family)
			continue;
		if (any || semnet_peer_holds(peer, nsip))
			return peer;
	}
	return NULL;
}

struct semnet_peer *semnet_peer_from_key6(struct semnet_net *sn,
					  const struct semnet_underlay *from,
					  const struct semnet_via *via,
					  __be32 key, struct in6_addr *nsip,
					  bool *known)
{
	struct rhlist_head *list, *pos;
	struct semnet_peer *peer;

	*known = false;
	list = semnet_peers_at(sn, from);
	rhl_for_each_entry_rcu(peer, pos, list, by_addr) {
		if (!semnet_peer_speaks(peer, SEMNET_ENCAP_GRE_UDP))
			continue;
		*known = true;
		if (!semnet_peer_via(peer, via))
			continue;
		if (peer->subnet.family != AF_INET6)
			continue;
		/* A /96 or longer: its first 96 bits and the key's 32. */
		*nsip = peer->subnet.v6.addr;
		nsip->s6_addr32[3] = key;
		if (semnet_prefix6_contains(&peer->subnet.v6, nsip))
			return peer;
	}
	return NULL;
}

bool semnet_peer_at(struct semnet_net *sn, const struct semnet_underlay *addr,
		    __be16 port, u8 encap, const struct semnet_via *via)
{
	struct rhlist_head *list, *pos;
	struct semnet_peer *peer;

	list = semnet_peers_at(sn, addr);
	rhl_for_each_entry_rcu(peer, pos, list, by_addr)
		if (semnet_peer_speaks(peer, encap) && peer->port == port &&
		    semnet_peer_via(peer, via))
			return true;
	return false;
}

struct semnet_peer *semnet_peer_find(struct semnet_net *sn,
				     const struct semnet_peer_subnet *subnet)
{
	if (subnet->family == AF_INET6) {
		struct semnet_peer_key6 key =
			semnet_peer_key6_of(&subnet->v6.addr, subnet->v6.len);

		return rhashtable_lookup_fast(&sn->peers6, &key,
					      semnet_peer6_params);
	} else {
		struct semnet_peer_key key =
			semnet_peer_key_of(subnet->v4.addr, subnet->v4.len);

		return rhashtable_lookup_fast(&sn->peers, &key,
					      semnet_peer_params);
	}
}

/* Recomputes the sets of prefix lengths in use. */
static void semnet_peer_lens_update(struct semnet_net *sn)
{
	struct semnet_peer *peer;
	u64 lens = 0, lens6 = 0;

	list_for_each_entry(peer, &sn->peer_list, list) {
		if (peer->subnet.family == AF_INET6)
			lens6 |= 1ULL << (peer->subnet.v6.len -
					  SEMNET_PEER6_LEN_MIN);
		else
			lens |= 1ULL << peer->subnet.v4.len;
	}
	WRITE_ONCE(sn->peer_lens, lens);
	WRITE_ONCE(sn->peer_lens6, lens6);
}

static void semnet_peer_free_rcu(struct rcu_head *rcu)
{
	struct semnet_peer *peer = container_of(rcu, struct semnet_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
	kfree(peer->label);
	kfree(peer);
}

static void semnet_peer_free(struct semnet_peer *peer)
{
	call_rcu(&peer->rcu, semnet_peer_free_rcu);
}

/* The table of @peer's subnets, and its parameters. */
static struct rhashtable *semnet_peer_table(struct semnet_net *sn,
					    const struct semnet_peer *peer,
					    const struct rhashtable_params **p)
{
	if (peer->subnet.family == AF_INET6) {
		*p = &semnet_peer6_params;
		return &sn->peers6;
	}
	*p = &semnet_peer_params;
	return &sn->peers;
}

static int semnet_peer_addr_insert(struct semnet_net *sn,
				   struct semnet_peer *peer)
{
	if (peer->under.family == AF_INET6)
		return rhltable_insert(&sn->peer_addrs6, &peer->by_addr,
				       semnet_peer_addr6_params);
	return rhltable_insert(&sn->peer_addrs, &peer->by_addr,
			       semnet_peer_addr_params);
}

static void semnet_peer_addr_remove(struct semnet_net *sn,
				    struct semnet_peer *peer)
{
	if (peer->under.family == AF_INET6)
		rhltable_remove(&sn->peer_addrs6, &peer->by_addr,
				semnet_peer_addr6_params);
	else
		rhltable_remove(&sn->peer_addrs, &peer->by_addr,
				semnet_peer_addr_params);
}

/* Sets sn->direct_dev from the direct peers. Under the netns lock. */
static void semnet_peer_direct_dev_update(struct semnet_net *sn)
{
	struct semnet_peer *peer;
	int dev = 0;
	bool first = true;

	list_for_each_entry(peer, &sn->direct_peers, direct) {
		if (first) {
			dev = peer->ifindex;
			first = false;
		} else if (peer->ifindex != dev) {
			dev = 0;
			break;
		}
	}
	/* A device gone (negative) stands for any: no filter. */
	WRITE_ONCE(sn->direct_dev, max(dev, 0));
}

/* @peer joins the direct peers, if it is one (before it is visible). */
static void semnet_peer_direct_add(struct semnet_net *sn,
				   struct semnet_peer *peer)
{
	if (peer->encap != SEMNET_ENCAP_DIRECT)
		return;
	list_add_tail_rcu(&peer->direct, &sn->direct_peers);
	semnet_peer_direct_dev_update(sn);
	WRITE_ONCE(sn->n_direct, sn->n_direct + 1);
}

static void semnet_peer_direct_del(struct semnet_net *sn,
				   struct semnet_peer *peer)
{
	if (peer->encap != SEMNET_ENCAP_DIRECT)
		return;
	list_del_rcu(&peer->direct);
	WRITE_ONCE(sn->n_direct, sn->n_direct - 1);
	semnet_peer_direct_dev_update(sn);
}

static void semnet_peer_unlink(struct semnet_net *sn, struct semnet_peer *peer)
{
	const struct rhashtable_params *params;
	struct rhashtable *table = semnet_peer_table(sn, peer, &params);

	rhashtable_remove_fast(table, &peer->node, *params);
	semnet_peer_addr_remove(sn, peer);
	semnet_peer_direct_del(sn, peer);
	list_del(&peer->list);
	sn->n_peers--;
	sn->generation++;
	semnet_peer_routes_changed(sn);
}

static bool semnet_underlay_ok(const struct semnet_underlay *u)
{
	if (u->family == AF_INET6) {
		int type = ipv6_addr_type(&u->ip6);

		return !(type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_MAPPED)) &&
		       type != IPV6_ADDR_ANY;
	}
	return !ipv4_is_multicast(u->ip) && !ipv4_is_lbcast(u->ip) &&
	       !ipv4_is_zeronet(u->ip);
}

/* @cfg's device, if any, exists in the namespace (now). */
static int semnet_peer_dev_check(struct semnet_net *sn,
				 const struct semnet_peer_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	bool found;

	if (!cfg->ifindex)
		return 0;
	rcu_read_lock();
	found = !!dev_get_by_index_rcu(sn->net, cfg->ifindex);
	rcu_read_unlock();
	if (found)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, semnet_cfg_attr(cfg->attrs, SEMNET_A_PEER_IFINDEX),
			    "no such device in this network namespace");
	return -ENODEV;
}

/* Where @cfg's subnet may lie, as semnet_peer_configure() says. */
static int semnet_peer_subnet_check(const struct semnet_node *node,
				    const struct semnet_peer_cfg *cfg,
				    struct netlink_ext_ack *extack)
{
	const struct nlattr *attr = semnet_cfg_attr(cfg->attrs,
						    SEMNET_A_PEER_SUBNET);
	const struct semnet_peer_subnet *sub = &cfg->subnet;

	if (sub->family == AF_INET6) {
		if (!node->has_v6) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "an IPv6 peer subnet needs the node's IPv6 plan (platform6)");
			return -EINVAL;
		}
		if (sub->v6.len < SEMNET_PEER6_LEN_MIN ||
		    sub->v6.len > SEMNET_SUBNET6_LEN_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "an IPv6 peer subnet is a /96 to a /126");
			return -EINVAL;
		}
		if (!semnet_prefix6_within(&sub->v6, &node->platform6) ||
		    semnet_prefix6_overlap(&sub->v6, &node->services6))
			goto outside;
		if (semnet_node_is_local6(node, &sub->v6.addr))
			goto own;
		return 0;
	}
	if (!semnet_prefix_within(&sub->v4, &node->platform) ||
	    semnet_prefix_overlap(&sub->v4, &node->services))
		goto outside;
	if (semnet_node_is_local(node, sub->v4.addr))
		goto own;
	return 0;
outside:
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "peer subnet must lie in the platform range, outside the service range");
	return -EINVAL;
own:
	NL_SET_ERR_MSG_ATTR(extack, attr, "peer subnet is one of this node's own");
	return -EINVAL;
}

int semnet_peer_configure(struct semnet_net *sn,
			  const struct semnet_peer_cfg *req,
			  enum semnet_add_mode mode,
			  struct netlink_ext_ack *extack)
{
	bool given_addr = semnet_cfg_has(req->given, SEMNET_A_PEER_ADDR) ||
			  semnet_cfg_has(req->given, SEMNET_A_PEER_ADDR6);
	struct semnet_peer_cfg cfg = *req;
	const struct semnet_node *node;
	const struct semnet_peer *old;
	int ret;

	semnet_assert_locked(sn);
	node = semnet_node_required(sn, extack);
	if (!node)
		return -ENODATA;
	/* A change may leave out what stays; a new peer needs an address. */
	old = semnet_peer_find(sn, &cfg.subnet);
	if (!old && !given_addr) {
		NL_SET_ERR_MSG(extack, "a peer needs an underlay address");
		return -EINVAL;
	}
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_COST))
		cfg.cost = old ? old->cost : SEMNET_PEER_COST_UNKNOWN;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_DOWN))
		cfg.down = old ? old->down : false;
	if (!given_addr)
		cfg.under = old->under;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_ENCAP))
		cfg.encap = old ? old->encap : SEMNET_ENCAP_GRE_UDP;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_IFINDEX))
		cfg.ifindex = old ? old->ifindex : 0;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_LABEL))
		cfg.label = old ? old->label : NULL;
	/* The port defaults by encapsulation, also when that changes. */
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_PORT)) {
		if (old && old->encap == cfg.encap)
			cfg.port = ntohs(old->port);
		else
			cfg.port = cfg.encap == SEMNET_ENCAP_IPUDP ?
				   SEMNET_IPUDP_PORT : SEMNET_TUNNEL_PORT;
	}
	if (cfg.encap == SEMNET_ENCAP_DIRECT && !cfg.ifindex) {
		NL_SET_ERR_MSG_ATTR(extack, semnet_cfg_attr(cfg.attrs, SEMNET_A_PEER_ENCAP),
				    "a direct peer needs its device (the segment it is on)");
		return -EINVAL;
	}
	if (!semnet_underlay_ok(&cfg.under)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg.attrs,
						    cfg.under.family == AF_INET6 ?
						    SEMNET_A_PEER_ADDR6 :
						    SEMNET_A_PEER_ADDR),
				    "not a unicast underlay address");
		return -EINVAL;
	}
	ret = semnet_peer_subnet_check(node, &cfg, extack);
	if (ret)
		return ret;
	/*
	 * Only a device given now must exist: one kept from before may have
	 * gone since, and a change of cost or port must not fail on it (the
	 * stale index matches no packet until the device is given again).
	 */
	if (semnet_cfg_has(req->given, SEMNET_A_PEER_IFINDEX)) {
		ret = semnet_peer_dev_check(sn, &cfg, extack);
		if (ret)
			return ret;
	}
	return semnet_peer_add(sn, &cfg, mode, extack);
}

/* Sets @peer's hash key from its subnet. */
static void semnet_peer_set_key(struct semnet_peer *peer)
{
	const struct semnet_peer_subnet *sub = &peer->subnet;

	if (sub->family == AF_INET6)
		peer->key6 = semnet_peer_key6_of(&sub->v6.addr, sub->v6.len);
	else
		peer->key = semnet_peer_key_of(sub->v4.addr, sub->v4.len);
}

int semnet_peer_add(struct semnet_net *sn, const struct semnet_peer_cfg *cfg,
		    enum semnet_add_mode mode, struct netlink_ext_ack *extack)
{
	const struct rhashtable_params *params;
	struct semnet_peer *peer, *old;
	struct rhashtable *table;
	int ret;

	semnet_assert_locked(sn);
	old = semnet_peer_find(sn, &cfg->subnet);
	ret = semnet_add_allowed(mode, old);
	if (ret == -EEXIST) {
		NL_SET_ERR_MSG(extack, "a peer for this subnet already exists");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "no peer for this subnet");
		return ret;
	}
	if (!old && sn->n_peers >= SEMNET_PEERS_MAX) {
		NL_SET_ERR_MSG(extack, "too many peers in this namespace");
		return -ENOSPC;
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL_ACCOUNT);
	if (!peer)
		return -ENOMEM;
	if (cfg->label && *cfg->label) {
		peer->label = kstrdup(cfg->label, GFP_KERNEL_ACCOUNT);
		if (!peer->label) {
			kfree(peer);
			return -ENOMEM;
		}
	}
	ret = dst_cache_init(&peer->dst_cache, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(peer->label);
		kfree(peer);
		return ret;
	}
	peer->subnet = cfg->subnet;
	semnet_peer_set_key(peer);
	peer->under = cfg->under;
	peer->port = htons(cfg->port);
	peer->encap = cfg->encap;
	peer->ifindex = cfg->ifindex;
	peer->cost = cfg->cost;
	peer->down = cfg->down;
	table = semnet_peer_table(sn, peer, &params);

	if (old) {
		/* Readers see the old peer or the new one, never neither. */
		ret = rhashtable_replace_fast(table, &old->node, &peer->node,
					      *params);
		if (ret)
			goto err_free;
		ret = semnet_peer_addr_insert(sn, peer);
		if (ret) {
			rhashtable_replace_fast(table, &peer->node, &old->node,
						*params);
			goto err_wait;
		}
		semnet_peer_addr_remove(sn, old);
		/* The new one first: readers see one of them, or both. */
		semnet_peer_direct_add(sn, peer);
		semnet_peer_direct_del(sn, old);
		list_replace(&old->list, &peer->list);
		sn->generation++;
		semnet_peer_routes_changed(sn);
		semnet_peer_free(old);
		semnet_instance_peers_changed(sn, peer);
		return 0;
	}
	ret = rhashtable_insert_fast(table, &peer->node, *params);
	if (ret)
		goto err_free;
	ret = semnet_peer_addr_insert(sn, peer);
	if (ret) {
		rhashtable_remove_fast(table, &peer->node, *params);
		goto err_wait;
	}
	semnet_peer_direct_add(sn, peer);
	list_add_tail(&peer->list, &sn->peer_list);
	sn->n_peers++;
	sn->generation++;
	semnet_peer_lens_update(sn);
	semnet_peer_routes_changed(sn);
	/* Instances in its subnet now route to it (a longer prefix wins). */
	semnet_instance_peers_changed(sn, peer);
	return 0;

err_wait:
	/* It was visible for a moment: free it after readers are done. */
	semnet_peer_routes_changed(sn);
	semnet_peer_free(peer);
	return ret;
err_free:
	dst_cache_destroy(&peer->dst_cache);
	kfree(peer->label);
	kfree(peer);
	return ret;
}

int semnet_peer_del(struct semnet_net *sn,
		    const struct semnet_peer_subnet *subnet,
		    struct netlink_ext_ack *extack)
{
	struct semnet_peer *peer;

	semnet_assert_locked(sn);
	peer = semnet_peer_find(sn, subnet);
	if (!peer) {
		NL_SET_ERR_MSG(extack, "no peer for this subnet");
		return -ENOENT;
	}
	semnet_peer_unlink(sn, peer);
	semnet_peer_lens_update(sn);
	/* Its instances route to a shorter prefix now, or to no peer. */
	semnet_instance_peers_changed(sn, peer);
	semnet_peer_free(peer);
	return 0;
}

void semnet_peer_flush(struct semnet_net *sn)
{
	struct semnet_peer *peer, *tmp;

	semnet_assert_locked(sn);
	list_for_each_entry_safe(peer, tmp, &sn->peer_list, list) {
		semnet_peer_unlink(sn, peer);
		semnet_peer_free(peer);
	}
	WRITE_ONCE(sn->peer_lens, 0);
	WRITE_ONCE(sn->peer_lens6, 0);
	semnet_instance_peers_changed(sn, NULL);
}

void semnet_peer_dev_gone(struct semnet_net *sn, int ifindex)
{
	struct semnet_peer *peer;

	semnet_assert_locked(sn);
	if (ifindex <= 0)
		return;
	list_for_each_entry(peer, &sn->peer_list, list) {
		if (peer->ifindex != ifindex)
			continue;
		/*
		 * In place, not a new peer: this cannot fail for want of
		 * memory. A reader sees the device or no device; either way
		 * the old device is going, and nothing arrives on it.
		 */
		WRITE_ONCE(peer->ifindex, -ifindex);
		sn->generation++;
	}
}

/*
 * Applies @st to @peer; returns how many instances went down. A change
 * costs O(instances): every instance is checked against the subnet, those
 * inside get a route lookup (semnet_instance_costs_update).
 */
static unsigned int semnet_peer_apply(struct semnet_net *sn,
				      struct semnet_peer *peer,
				      const struct semnet_peer_state *st)
{
	u32 cost = st->set_cost ? st->cost : peer->cost;
	bool down = st->set_down ? st->down : peer->down;

	if (cost == peer->cost && down == peer->down)
		return 0;	/* semnetd repeats itself: nothing to walk */
	WRITE_ONCE(peer->cost, cost);
	WRITE_ONCE(peer->down, down);
	sn->generation++;
	return semnet_instance_costs_update(sn, peer);
}

int semnet_peer_set(struct semnet_net *sn,
		    const struct semnet_peer_subnet *subnet,
		    const struct semnet_underlay *addr,
		    const struct semnet_peer_state *st,
		    struct netlink_ext_ack *extack)
{
	unsigned int went_down = 0, found = 0;
	struct semnet_peer *peer;

	semnet_assert_locked(sn);
	if (subnet) {
		peer = semnet_peer_find(sn, subnet);
		if (!peer) {
			NL_SET_ERR_MSG(extack, "no peer for this subnet");
			return -ENOENT;
		}
		went_down = semnet_peer_apply(sn, peer, st);
	} else {
		/* One node may host several subnets: each is a peer. */
		list_for_each_entry(peer, &sn->peer_list, list) {
			if (!semnet_underlay_equal(&peer->under, addr))
				continue;
			found++;
			went_down += semnet_peer_apply(sn, peer, st);
		}
		if (!found) {
			NL_SET_ERR_MSG(extack, "no peer at this underlay address");
			return -ENOENT;
		}
	}
	if (went_down)
		semnet_policy_closest_purge(sn);
	return 0;
}
