// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel peers: the other nodes, by the subnets of nsIPs they host (for
 * sending) and by underlay address (for accepting what they send).
 */
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

const struct rhashtable_params semnet_peer_addr_params = {
	.head_offset = offsetof(struct semnet_peer, by_addr),
	.key_offset = offsetof(struct semnet_peer, addr),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};

static struct semnet_peer_key semnet_peer_key_of(__be32 addr, u8 len)
{
	return (struct semnet_peer_key){
		.addr = semnet_subnet_of(addr, len),
		.len = len,
	};
}

struct semnet_peer *semnet_peer_route(struct semnet_net *sn, __be32 dst)
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

struct semnet_peer *semnet_peer_from(struct semnet_net *sn, __be32 addr,
				     u8 encap, __be32 nsip, bool any,
				     bool *known)
{
	struct rhlist_head *list, *pos;
	struct semnet_peer *peer;

	*known = false;
	list = rhltable_lookup(&sn->peer_addrs, &addr, semnet_peer_addr_params);
	rhl_for_each_entry_rcu(peer, pos, list, by_addr) {
		if (peer->encap != encap)
			continue;
		*known = true;
		if (any || semnet_prefix_contains(&peer->subnet, nsip))
			return peer;
	}
	return NULL;
}

bool semnet_peer_at(struct semnet_net *sn, __be32 addr, __be16 port,
		    u8 encap)
{
	struct rhlist_head *list, *pos;
	struct semnet_peer *peer;

	list = rhltable_lookup(&sn->peer_addrs, &addr, semnet_peer_addr_params);
	rhl_for_each_entry_rcu(peer, pos, list, by_addr)
		if (peer->encap == encap && peer->port == port)
			return true;
	return false;
}

struct semnet_peer *semnet_peer_find(struct semnet_net *sn,
				     const struct semnet_prefix *subnet)
{
	struct semnet_peer_key key = semnet_peer_key_of(subnet->addr, subnet->len);

	return rhashtable_lookup_fast(&sn->peers, &key, semnet_peer_params);
}

/* Recomputes the set of prefix lengths in use. */
static void semnet_peer_lens_update(struct semnet_net *sn)
{
	struct semnet_peer *peer;
	u64 lens = 0;

	list_for_each_entry(peer, &sn->peer_list, list)
		lens |= 1ULL << peer->subnet.len;
	WRITE_ONCE(sn->peer_lens, lens);
}

static void semnet_peer_free_rcu(struct rcu_head *rcu)
{
	struct semnet_peer *peer = container_of(rcu, struct semnet_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
	kfree(peer);
}

static void semnet_peer_free(struct semnet_peer *peer)
{
	call_rcu(&peer->rcu, semnet_peer_free_rcu);
}

static void semnet_peer_unlink(struct semnet_net *sn, struct semnet_peer *peer)
{
	rhashtable_remove_fast(&sn->peers, &peer->node, semnet_peer_params);
	rhltable_remove(&sn->peer_addrs, &peer->by_addr, semnet_peer_addr_params);
	list_del(&peer->list);
	sn->n_peers--;
	sn->generation++;
}

int semnet_peer_configure(struct semnet_net *sn,
			  const struct semnet_peer_cfg *req,
			  enum semnet_add_mode mode,
			  struct netlink_ext_ack *extack)
{
	struct semnet_peer_cfg cfg = *req;
	const struct semnet_node *node;
	const struct semnet_peer *old;

	semnet_assert_locked(sn);
	node = semnet_node_required(sn, extack);
	if (!node)
		return -ENODATA;
	/* A change may leave out what stays; a new peer needs an address. */
	old = semnet_peer_find(sn, &cfg.subnet);
	if (!old && !semnet_cfg_has(req->given, SEMNET_A_PEER_ADDR)) {
		NL_SET_ERR_MSG(extack, "a peer needs an underlay address");
		return -EINVAL;
	}
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_COST))
		cfg.cost = old ? old->cost : SEMNET_PEER_COST_UNKNOWN;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_DOWN))
		cfg.down = old ? old->down : false;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_ADDR))
		cfg.addr = old->addr;
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_ENCAP))
		cfg.encap = old ? old->encap : SEMNET_ENCAP_GRE_UDP;
	/* The port defaults by encapsulation, also when that changes. */
	if (!semnet_cfg_has(req->given, SEMNET_A_PEER_PORT)) {
		if (old && old->encap == cfg.encap)
			cfg.port = ntohs(old->port);
		else
			cfg.port = cfg.encap == SEMNET_ENCAP_IPUDP ?
				   SEMNET_IPUDP_PORT : SEMNET_TUNNEL_PORT;
	}
	if (ipv4_is_multicast(cfg.addr) || ipv4_is_lbcast(cfg.addr) ||
	    ipv4_is_zeronet(cfg.addr)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg.attrs, SEMNET_A_PEER_ADDR),
				    "not a unicast underlay address");
		return -EINVAL;
	}
	if (!semnet_prefix_within(&cfg.subnet, &node->platform) ||
	    semnet_prefix_overlap(&cfg.subnet, &node->services)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg.attrs, SEMNET_A_PEER_SUBNET),
				    "peer subnet must lie in the platform range, outside the service range");
		return -EINVAL;
	}
	if (semnet_node_is_local(node, cfg.subnet.addr)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg.attrs, SEMNET_A_PEER_SUBNET),
				    "peer subnet is one of this node's own");
		return -EINVAL;
	}
	return semnet_peer_add(sn, &cfg, mode, extack);
}

int semnet_peer_add(struct semnet_net *sn, const struct semnet_peer_cfg *cfg,
		    enum semnet_add_mode mode, struct netlink_ext_ack *extack)
{
	struct semnet_peer_key key = semnet_peer_key_of(cfg->subnet.addr,
							cfg->subnet.len);
	struct semnet_peer *peer, *old;
	int ret;

	semnet_assert_locked(sn);
	old = rhashtable_lookup_fast(&sn->peers, &key, semnet_peer_params);
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
	ret = dst_cache_init(&peer->dst_cache, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(peer);
		return ret;
	}
	peer->key = key;
	peer->subnet = cfg->subnet;
	peer->addr = cfg->addr;
	peer->port = htons(cfg->port);
	peer->encap = cfg->encap;
	peer->cost = cfg->cost;
	peer->down = cfg->down;

	if (old) {
		/* Readers see the old peer or the new one, never neither. */
		ret = rhashtable_replace_fast(&sn->peers, &old->node, &peer->node,
					      semnet_peer_params);
		if (ret)
			goto err_free;
		ret = rhltable_insert(&sn->peer_addrs, &peer->by_addr,
				      semnet_peer_addr_params);
		if (ret) {
			rhashtable_replace_fast(&sn->peers, &peer->node,
						&old->node, semnet_peer_params);
			goto err_wait;
		}
		rhltable_remove(&sn->peer_addrs, &old->by_addr,
				semnet_peer_addr_params);
		list_replace(&old->list, &peer->list);
		sn->generation++;
		semnet_peer_free(old);
		semnet_instance_peers_changed(sn, &peer->subnet);
		return 0;
	}
	ret = rhashtable_insert_fast(&sn->peers, &peer->node, semnet_peer_params);
	if (ret)
		goto err_free;
	ret = rhltable_insert(&sn->peer_addrs, &peer->by_addr,
			      semnet_peer_addr_params);
	if (ret) {
		rhashtable_remove_fast(&sn->peers, &peer->node, semnet_peer_params);
		goto err_wait;
	}
	list_add_tail(&peer->list, &sn->peer_list);
	sn->n_peers++;
	sn->generation++;
	semnet_peer_lens_update(sn);
	/* Instances in its subnet now route to it (a longer prefix wins). */
	semnet_instance_peers_changed(sn, &peer->subnet);
	return 0;

err_wait:
	/* It was visible for a moment: free it after readers are done. */
	semnet_peer_free(peer);
	return ret;
err_free:
	dst_cache_destroy(&peer->dst_cache);
	kfree(peer);
	return ret;
}

int semnet_peer_del(struct semnet_net *sn, const struct semnet_prefix *subnet,
		    struct netlink_ext_ack *extack)
{
	struct semnet_peer_key key = semnet_peer_key_of(subnet->addr, subnet->len);
	struct semnet_peer *peer;

	semnet_assert_locked(sn);
	peer = rhashtable_lookup_fast(&sn->peers, &key, semnet_peer_params);
	if (!peer) {
		NL_SET_ERR_MSG(extack, "no peer for this subnet");
		return -ENOENT;
	}
	semnet_peer_unlink(sn, peer);
	semnet_peer_lens_update(sn);
	/* Its instances route to a shorter prefix now, or to no peer. */
	semnet_instance_peers_changed(sn, &peer->subnet);
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
	semnet_instance_peers_changed(sn, NULL);
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
	return semnet_instance_costs_update(sn, &peer->subnet);
}

int semnet_peer_set(struct semnet_net *sn, const struct semnet_prefix *subnet,
		    __be32 addr, const struct semnet_peer_state *st,
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
			if (peer->addr != addr)
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
