// SPDX-License-Identifier: GPL-2.0
/* Encrypted node links: WireGuard devices per peer node (wglinks.h). */
#include "wglinks.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "semnetd.h"
#include "sn_log.h"

/* The device the public key is read from: never up, so it opens no port. */
#define KEY_DEV SEMNETD_WG_DEV_PREFIX "-key"

void semnetd_wglinks_init(struct semnetd_wglinks *w, uv_loop_t *loop)
{
	memset(w, 0, sizeof(*w));
	uv_timer_init(loop, &w->switch_timer);
	uv_timer_init(loop, &w->promote_timer);
}

void semnetd_wglinks_free(struct semnetd_wglinks *w)
{
	/* The loop closes the handles (sn_loop_close_all). */
	uv_timer_stop(&w->switch_timer);
	uv_timer_stop(&w->promote_timer);
	while (w->devs) {
		struct semnetd_wgdev *v = w->devs;

		w->devs = v->next;
		free(v);
	}
	memset(w->by_name, 0, sizeof(w->by_name));
	semnetd_linkdump_free(&w->links);
	if (w->up)
		semnetd_wg_close(&w->wg);
	w->up = false;
}

static int link_del(struct semnetd *d, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int rc;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	rc = rtnl_link_delete(d->host.sk, link);
	rtnl_link_put(link);
	return rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV ? -EIO : 0;
}

/* Up, with @mtu. */
static int link_up(struct semnetd *d, const char *name, int mtu, struct sn_err *err)
{
	struct rtnl_link *orig, *change;
	int rc;

	if ((rc = rtnl_link_get_kernel(d->host.sk, 0, name, &orig)) < 0) {
		sn_err_set(err, "%s: %s", name, nl_geterror(rc));
		return -ENODEV;
	}
	if ((rtnl_link_get_flags(orig) & IFF_UP) && (int)rtnl_link_get_mtu(orig) == mtu) {
		rtnl_link_put(orig);
		return 0;
	}
	if (!(change = rtnl_link_alloc())) {
		rtnl_link_put(orig);
		sn_err_set(err, "%s: out of memory", name);
		return -ENOMEM;
	}
	rtnl_link_set_flags(change, IFF_UP);
	rtnl_link_set_mtu(change, (unsigned int)mtu);
	rc = rtnl_link_change(d->host.sk, orig, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	if (rc < 0) {
		sn_err_set(err, "cannot set %s up with MTU %d: %s", name, mtu, nl_geterror(rc));
		return -EIO;
	}
	return 0;
}

/* The public key of @key: the kernel derives it (no crypto of ours), on a
 * device made for that and removed again. */
static int public_key_of(struct semnetd *d, const uint8_t key[WG_KEY_LEN],
			 uint8_t pub[WG_KEY_LEN], struct sn_err *err)
{
	struct semnetd_wg_device dev = { .listen_port = -1 }, got = { 0 };
	int ifindex = 0, rc;

	snprintf(dev.ifname, sizeof(dev.ifname), "%s", KEY_DEV);
	dev.has_private_key = true;
	memcpy(dev.private_key, key, WG_KEY_LEN);
	if ((rc = semnetd_wg_link_add(KEY_DEV, &ifindex, err)) == 0 &&
	    (rc = semnetd_wg_set(&d->wgl.wg, &dev, err)) == 0 &&
	    (rc = semnetd_wg_get(&d->wgl.wg, KEY_DEV, &got, err)) == 0) {
		if (got.has_public_key) {
			memcpy(pub, got.public_key, WG_KEY_LEN);
		} else {
			sn_err_set(err, "the kernel derived no public key");
			rc = -EIO;
		}
		semnetd_wg_device_free(&got);
	}
	explicit_bzero(dev.private_key, sizeof(dev.private_key));
	if (ifindex && link_del(d, KEY_DEV) < 0)
		sn_warn("cannot remove %s", KEY_DEV);
	return rc;
}

bool semnetd_wglinks_up(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	uint8_t key[WG_KEY_LEN];
	char b64[SN_LINK_KEY_B64_LEN + 1];
	bool created = false;
	struct sn_err err;

	if (w->tried || d->cfg.wg_port == 0)
		return w->up;
	w->tried = true;
	/* A rotation an earlier run staged but did not switch to: its key
	 * was never used (the switch renames the file first), so it goes,
	 * and the link this run sends has no next key. */
	{
		char next[sizeof(d->cfg.wg_key_path) + 8];

		snprintf(next, sizeof(next), "%s.next", d->cfg.wg_key_path);
		if (unlink(next) == 0)
			sn_info("dropped %s: an earlier run's key rotation did not finish", next);
	}
	if (semnetd_wg_key_load(d->cfg.wg_key_path, key, &created, &err) < 0) {
		sn_warn("no encrypted links: %s", err.msg);
		return false;
	}
	if (semnetd_wg_open(&w->wg, &err) < 0) {
		explicit_bzero(key, sizeof(key));
		sn_warn("no encrypted links: %s", err.msg);
		return false;
	}
	if (public_key_of(d, key, w->public_key, &err) < 0) {
		explicit_bzero(key, sizeof(key));
		semnetd_wg_close(&w->wg);
		sn_warn("no encrypted links: %s", err.msg);
		return false;
	}
	explicit_bzero(key, sizeof(key));
	w->up = true;
	sn_link_key_to_base64(w->public_key, b64);
	sn_info("WireGuard key %s%s, public key %s, ports from %d", d->cfg.wg_key_path,
		created ? " made" : "", b64, d->cfg.wg_port);
	return true;
}

/* @name's bucket of w->by_name (FNV-1a). */
static struct semnetd_wgdev **bucket(struct semnetd_wglinks *w, const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 16777619u;
	return &w->by_name[h % SEMNETD_WG_DEV_BUCKETS];
}

static struct semnetd_wgdev *dev_find(struct semnetd_wglinks *w, const char *name)
{
	for (struct semnetd_wgdev *v = *bucket(w, name); v; v = v->hnext)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

/* Forgets @v (out of the list already). */
static void dev_forget(struct semnetd_wglinks *w, struct semnetd_wgdev *v)
{
	for (struct semnetd_wgdev **pv = bucket(w, v->name); *pv; pv = &(*pv)->hnext) {
		if (*pv == v) {
			*pv = v->hnext;
			break;
		}
	}
	free(v);
}

void semnetd_wglinks_pass_begin(struct semnetd *d)
{
	d->wgl.in_pass = true;
	d->wgl.dumped = false;
	d->wgl.pass++;
}

void semnetd_wglinks_pass_end(struct semnetd *d)
{
	d->wgl.in_pass = false;
	d->wgl.dumped = false;
	semnetd_linkdump_free(&d->wgl.links);
}

/* The pass's dump of the host's devices, taken now if not yet; NULL
 * outside a pass or when the dump failed (said; then device by device). */
static const struct semnetd_linkdump *pass_links(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	struct sn_err err;

	if (!w->in_pass)
		return NULL;
	if (!w->dumped) {
		w->dumped = true;
		if (semnetd_linkdump_take(d->host.sk, &w->links, &err) < 0) {
			sn_warn("%s: this registry's encrypted peers are checked one by one",
				err.msg);
			w->links.n = 0;
			return NULL;
		}
		/* The underlay's MTU: looked for once, not a pass per peer. */
		{
			const struct semnetd_linkdump_entry *u =
				d->underlay.ifindex ? semnetd_linkdump_index(&w->links,
									     d->underlay.ifindex) : NULL;

			w->underlay_mtu = u ? u->mtu : 0;
		}
		return &w->links;
	}
	return w->links.n ? &w->links : NULL;
}

/* The WireGuard MTU over this node's underlay. */
static int wg_mtu(struct semnetd *d)
{
	char dev[IF_NAMESIZE];
	int mtu = 0;

	if (pass_links(d))
		mtu = d->wgl.underlay_mtu;
	else if (d->underlay.ifindex && if_indextoname((unsigned int)d->underlay.ifindex, dev))
		mtu = semnetd_host_mtu(&d->host, dev);
	if (mtu <= 0)
		mtu = 1500;
	return mtu - (d->underlay.addr.family == AF_INET6 ? 80 : 60);
}

/* @v's device's ifindex now (0: none): as this pass set it up, else from
 * the pass's dump, else from the kernel. */
static int dev_ifindex(struct semnetd *d, const struct semnetd_wgdev *v)
{
	const struct semnetd_linkdump *links = pass_links(d);
	const struct semnetd_linkdump_entry *e;

	if (!links)
		return semnetd_host_ifindex(&d->host, v->name);
	if (v->pass == d->wgl.pass)
		return v->ifindex;	/* made or changed after the dump */
	e = semnetd_linkdump_find(links, v->name);
	return e ? e->ifindex : 0;
}

static void promote_start(struct semnetd *d);

/* @addr:@port as WireGuard's endpoint (none when @addr is not set). */
static void endpoint_set(struct semnetd_wg_peer *peer, const struct sn_ipaddr *addr, int port)
{
	if (addr->family == AF_INET6) {
		peer->endpoint.in6.sin6_family = AF_INET6;
		peer->endpoint.in6.sin6_addr = addr->v6;
		peer->endpoint.in6.sin6_port = htons((uint16_t)port);
	} else if (addr->family == AF_INET) {
		peer->endpoint.in.sin_family = AF_INET;
		peer->endpoint.in.sin_addr.s_addr = htonl(addr->v4);
		peer->endpoint.in.sin_port = htons((uint16_t)port);
	}
}

int semnetd_wglinks_ensure(struct semnetd *d, const struct semnetd_link_pick *pick,
			   int *ifindex, struct sn_err *err)
{
	struct semnetd_wglinks *w = &d->wgl;
	struct semnetd_wgdev *v = dev_find(w, pick->wg_dev);
	struct semnetd_wg_allowed any[2] = {
		{ .family = AF_INET, .cidr = 0 }, { .family = AF_INET6, .cidr = 0 },
	};
	struct semnetd_wg_device dev = { 0 }, got = { 0 };
	struct semnetd_wg_peer *peers;
	/* The other's underlay address, or its NAT's, or none (learned). */
	const struct sn_ipaddr *addr = &pick->wg_endpoint_addr;
	/* During the other's rotation: its next key once a handshake moved
	 * the allowed-ips to it (promote), else its current key, with an
	 * entry for the next one beside it. */
	bool promoted = v && pick->wg_has_next &&
			!memcmp(v->peer_key, pick->wg_peer_key_next, WG_KEY_LEN);
	const uint8_t *active = promoted ? pick->wg_peer_key_next : pick->wg_peer_key;
	bool want_next = pick->wg_has_next && !promoted;
	int mtu = wg_mtu(d), rc, idx;
	size_t n = 0;

	if (!w->up) {
		sn_err_set(err, "this node's WireGuard is not up");
		return -ENODEV;
	}
	if (v && v->listen_port == pick->wg_listen_port &&
	    v->endpoint_port == pick->wg_endpoint_port && v->mtu == mtu &&
	    v->keepalive == pick->wg_keepalive &&
	    sn_ipaddr_equal(&v->addr, addr) && !memcmp(v->peer_key, active, WG_KEY_LEN) &&
	    v->has_next == want_next &&
	    (!want_next || !memcmp(v->next_key, pick->wg_peer_key_next, WG_KEY_LEN)) &&
	    dev_ifindex(d, v) == v->ifindex) {
		*ifindex = v->ifindex;
		return 0;
	}
	if ((rc = semnetd_wg_link_add(pick->wg_dev, &idx, err)) < 0 ||
	    (rc = link_up(d, pick->wg_dev, mtu, err)) < 0)
		return rc;
	/* The entries wanted are updated in place (their sessions stay: a
	 * restart, a new endpoint, a rotation); any other goes. */
	if ((rc = semnetd_wg_get(&w->wg, pick->wg_dev, &got, err)) < 0)
		return rc;
	if (!(peers = calloc(got.n_peers + 2, sizeof(*peers)))) {
		semnetd_wg_device_free(&got);
		sn_err_set(err, "out of memory");
		return -ENOMEM;
	}
	memcpy(peers[n].public_key, active, WG_KEY_LEN);
	peers[n].keepalive = pick->wg_keepalive;
	peers[n].allowed = any;
	peers[n].n_allowed = 2;
	peers[n].flags = WGPEER_F_REPLACE_ALLOWEDIPS;
	/* No address (a NAT that changes ports): the endpoint stays what
	 * WireGuard learned from the other's packets. */
	endpoint_set(&peers[n++], addr, pick->wg_endpoint_port);
	if (want_next) {
		/* No allowed-ips: it answers the other's handshake with its
		 * next key, and carries nothing until promoted. No keepalive:
		 * it would start handshakes the other cannot answer yet. */
		memcpy(peers[n].public_key, pick->wg_peer_key_next, WG_KEY_LEN);
		peers[n].flags = WGPEER_F_REPLACE_ALLOWEDIPS;
		endpoint_set(&peers[n++], addr, pick->wg_endpoint_port);
	}
	for (size_t i = 0; i < got.n_peers; i++) {
		const uint8_t *k = got.peers[i].public_key;

		if (memcmp(k, active, WG_KEY_LEN) &&
		    (!want_next || memcmp(k, pick->wg_peer_key_next, WG_KEY_LEN))) {
			memcpy(peers[n].public_key, k, WG_KEY_LEN);
			peers[n++].flags = WGPEER_F_REMOVE_ME;
		}
	}
	semnetd_wg_device_free(&got);
	snprintf(dev.ifname, sizeof(dev.ifname), "%s", pick->wg_dev);
	dev.listen_port = pick->wg_listen_port;
	dev.peers = peers;
	dev.n_peers = n;
	/* The private key again: the kernel keeps sessions when it is the
	 * same (a device taken over from an earlier run). */
	if (semnetd_wg_key_load(d->cfg.wg_key_path, dev.private_key, &(bool){ false }, err) < 0) {
		free(peers);
		return -EIO;
	}
	dev.has_private_key = true;
	rc = semnetd_wg_set(&w->wg, &dev, err);
	explicit_bzero(dev.private_key, sizeof(dev.private_key));
	free(peers);
	if (rc < 0)
		return rc;
	if (!v) {
		if (!(v = calloc(1, sizeof(*v)))) {
			sn_err_set(err, "out of memory");
			return -ENOMEM;
		}
		snprintf(v->name, sizeof(v->name), "%s", pick->wg_dev);
		v->next = w->devs;
		w->devs = v;
		v->hnext = *bucket(w, v->name);
		*bucket(w, v->name) = v;
	}
	v->ifindex = idx;
	v->pass = w->in_pass ? w->pass : 0;
	v->listen_port = pick->wg_listen_port;
	v->endpoint_port = pick->wg_endpoint_port;
	v->keepalive = pick->wg_keepalive;
	v->mtu = mtu;
	v->addr = *addr;
	memcpy(v->peer_key, active, WG_KEY_LEN);
	v->has_next = want_next;
	memset(v->next_key, 0, WG_KEY_LEN);
	if (want_next)
		memcpy(v->next_key, pick->wg_peer_key_next, WG_KEY_LEN);
	*ifindex = idx;
	{
		char at[SN_IPADDR_STRLEN];

		sn_info("%s: WireGuard on port %d to %s port %d, MTU %d%s", v->name, v->listen_port,
			sn_ipaddr_format(addr, at), v->endpoint_port, mtu,
			want_next ? ", with the peer's next key beside its key" : "");
	}
	if (want_next)
		promote_start(d);
	return 0;
}

/* The peer of @v moved to its next key (a handshake with it happened):
 * the next entry takes the allowed-ips and the old entry goes, in one
 * request, so that nothing is ever routed to neither. */
static int promote(struct semnetd *d, struct semnetd_wgdev *v, struct sn_err *err)
{
	struct semnetd_wg_allowed any[2] = {
		{ .family = AF_INET, .cidr = 0 }, { .family = AF_INET6, .cidr = 0 },
	};
	struct semnetd_wg_peer peers[2] = {
		{ .flags = WGPEER_F_REPLACE_ALLOWEDIPS, .keepalive = v->keepalive, .allowed = any,
		  .n_allowed = 2 },
		{ .flags = WGPEER_F_REMOVE_ME },
	};
	struct semnetd_wg_device dev = { .listen_port = -1, .peers = peers, .n_peers = 2 };
	int rc;

	memcpy(peers[0].public_key, v->next_key, WG_KEY_LEN);
	memcpy(peers[1].public_key, v->peer_key, WG_KEY_LEN);
	snprintf(dev.ifname, sizeof(dev.ifname), "%s", v->name);
	if ((rc = semnetd_wg_set(&d->wgl.wg, &dev, err)) < 0)
		return rc;
	memcpy(v->peer_key, v->next_key, WG_KEY_LEN);
	memset(v->next_key, 0, WG_KEY_LEN);
	v->has_next = false;
	d->wgl.promotions++;
	return 0;
}

static void on_promote_poll(uv_timer_t *t)
{
	struct semnetd *d = t->data;
	bool pending = false;

	for (struct semnetd_wgdev *v = d->wgl.devs; v; v = v->next) {
		struct semnetd_wg_device got = { 0 };
		bool shaken = false;
		struct sn_err err;

		if (!v->has_next)
			continue;
		if (semnetd_wg_get(&d->wgl.wg, v->name, &got, &err) == 0) {
			for (size_t i = 0; i < got.n_peers; i++)
				if (!memcmp(got.peers[i].public_key, v->next_key, WG_KEY_LEN))
					shaken = got.peers[i].handshake_sec != 0;
			semnetd_wg_device_free(&got);
		}
		if (!shaken) {
			pending = true;
		} else if (promote(d, v, &err) < 0) {
			sn_warn("%s: cannot move to the peer's next key: %s", v->name, err.msg);
			pending = true;
		} else {
			char b64[SN_LINK_KEY_B64_LEN + 1];

			sn_link_key_to_base64(v->peer_key, b64);
			sn_info("%s: the peer switched to its next key %.8s...: moved to it",
				v->name, b64);
		}
	}
	if (!pending)
		uv_timer_stop(t);
	else if (uv_timer_get_repeat(t) < SEMNETD_WG_PROMOTE_SLOW_POLL_MS &&
		 uv_now(d->loop) - d->wgl.promote_since > SEMNETD_WG_PROMOTE_SLOW_AFTER_MS)
		uv_timer_set_repeat(t, SEMNETD_WG_PROMOTE_SLOW_POLL_MS);
}

static void promote_start(struct semnetd *d)
{
	uv_timer_t *t = &d->wgl.promote_timer;

	if (uv_is_active((uv_handle_t *)t))
		return;
	t->data = d;
	d->wgl.promote_since = uv_now(d->loop);
	uv_timer_start(t, on_promote_poll, SEMNETD_WG_PROMOTE_POLL_MS,
		       SEMNETD_WG_PROMOTE_POLL_MS);
}

/* --- This node's rotation ------------------------------------------------ */

static void next_path(const struct semnetd *d, char *out, size_t size)
{
	snprintf(out, size, "%s.next", d->cfg.wg_key_path);
}

int semnetd_wglinks_rotate(struct semnetd *d, struct sn_err *err)
{
	struct semnetd_wglinks *w = &d->wgl;
	char path[sizeof(d->cfg.wg_key_path) + 8], b64[SN_LINK_KEY_B64_LEN + 1];
	uint8_t key[WG_KEY_LEN];
	bool created = false;
	int rc;

	if (!semnetd_wglinks_up(d)) {
		sn_err_set(err, d->cfg.wg_port ? "this node's WireGuard is not up" :
			   "this node runs without WireGuard (--wg-port 0)");
		return -ENODEV;
	}
	if (w->rotation != SEMNETD_WG_ROTATE_IDLE) {
		sn_link_key_to_base64(w->next_public_key, b64);
		sn_err_set(err, "a key rotation is under way (next key %.8s..., %s)", b64,
			   w->rotation == SEMNETD_WG_ROTATE_STAGED ?
			   "waiting for the registry to publish it" : "switching");
		return -EBUSY;
	}
	next_path(d, path, sizeof(path));
	unlink(path);	/* a fresh key, never one left over */
	if ((rc = semnetd_wg_key_load(path, key, &created, err)) < 0)
		return rc;
	rc = public_key_of(d, key, w->next_public_key, err);
	explicit_bzero(key, sizeof(key));
	if (rc < 0) {
		unlink(path);
		return rc;
	}
	w->rotation = SEMNETD_WG_ROTATE_STAGED;
	w->rotation_since = uv_now(d->loop);
	sn_link_key_to_base64(w->next_public_key, b64);
	sn_info("WireGuard key rotation: next public key %s, sent to the cluster", b64);
	semnetd_upstream_send_link(d);
	return 0;
}

void semnetd_wglinks_link(struct semnetd *d, struct sn_link_info *link)
{
	struct semnetd_wglinks *w = &d->wgl;

	if (!semnetd_wglinks_up(d))
		return;
	link->has_wg_key = true;
	memcpy(link->wg_key, w->public_key, sizeof(link->wg_key));
	link->wg_port = d->cfg.wg_port;
	if (w->rotation != SEMNETD_WG_ROTATE_IDLE) {
		link->has_wg_key_next = true;
		memcpy(link->wg_key_next, w->next_public_key, sizeof(link->wg_key_next));
	}
}

/* The grace is over: the next key becomes the key, on disk first (a crash
 * after that restarts with it), then on every device. */
static void on_switch(uv_timer_t *t)
{
	struct semnetd *d = t->data;
	struct semnetd_wglinks *w = &d->wgl;
	char path[sizeof(d->cfg.wg_key_path) + 8], b64[SN_LINK_KEY_B64_LEN + 1];
	struct semnetd_wg_device dev = { .listen_port = -1, .has_private_key = true };
	unsigned int failed = 0, n = 0;
	struct sn_err err;

	next_path(d, path, sizeof(path));
	if (semnetd_wg_key_replace(path, d->cfg.wg_key_path, &err) < 0) {
		sn_error("WireGuard key rotation abandoned: %s", err.msg);
		unlink(path);
		w->rotation = SEMNETD_WG_ROTATE_IDLE;
		semnetd_upstream_send_link(d);
		return;
	}
	if (semnetd_wg_key_load(d->cfg.wg_key_path, dev.private_key, &(bool){ false }, &err) < 0) {
		sn_error("WireGuard key rotation: %s", err.msg);
	} else {
		for (struct semnetd_wgdev *v = w->devs; v; v = v->next, n++) {
			snprintf(dev.ifname, sizeof(dev.ifname), "%s", v->name);
			if (semnetd_wg_set(&w->wg, &dev, &err) < 0) {
				/* The next registry pass sets it up again. */
				sn_warn("%s: cannot take the new key: %s", v->name, err.msg);
				v->ifindex = 0;
				failed++;
			}
		}
	}
	explicit_bzero(dev.private_key, sizeof(dev.private_key));
	memcpy(w->public_key, w->next_public_key, WG_KEY_LEN);
	w->rotation = SEMNETD_WG_ROTATE_IDLE;
	w->rotations++;
	sn_link_key_to_base64(w->public_key, b64);
	sn_info("WireGuard key rotated: public key %s on %u device(s)%s", b64, n - failed,
		failed ? ", some failed" : "");
	semnetd_upstream_send_link(d);
}

void semnetd_wglinks_registry_self(struct semnetd *d, const struct sn_link_info *self)
{
	struct semnetd_wglinks *w = &d->wgl;

	if (w->rotation != SEMNETD_WG_ROTATE_STAGED || !self || !self->has_wg_key_next ||
	    memcmp(self->wg_key_next, w->next_public_key, WG_KEY_LEN))
		return;
	w->rotation = SEMNETD_WG_ROTATE_PUBLISHED;
	w->switch_timer.data = d;
	uv_timer_start(&w->switch_timer, on_switch, (uint64_t)d->cfg.wg_rotate_grace_ms, 0);
	sn_info("WireGuard key rotation: the registry has the next key, switching in %d ms",
		d->cfg.wg_rotate_grace_ms);
}

json_t *semnetd_wglinks_rotation_json(struct semnetd *d)
{
	static const char *const states[] = { "idle", "staged", "published" };
	struct semnetd_wglinks *w = &d->wgl;
	char b64[SN_LINK_KEY_B64_LEN + 1];
	json_t *o = json_pack("{s:s, s:I, s:I}", "state", states[w->rotation], "rotations",
			      (json_int_t)w->rotations, "promotions", (json_int_t)w->promotions);

	if (o && w->rotation != SEMNETD_WG_ROTATE_IDLE) {
		sn_link_key_to_base64(w->next_public_key, b64);
		json_object_set_new(o, "next_key", json_string(b64));
		json_object_set_new(o, "since_s", json_integer((json_int_t)((uv_now(d->loop) -
								   w->rotation_since) / 1000)));
	}
	return o;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* The devices encrypted peers are bound to, sorted (*@n of them); NULL
 * when out of memory (then bound() scans the peers). */
static int *bound_set(struct semnetd *d, size_t *n)
{
	size_t k = 0, cap = 0;
	int *set;

	for (const struct semnetd_peer *p = d->peers.head; p; p = p->next)
		cap += semnetd_peer_is_wg(p);
	*n = 0;
	if (!(set = malloc((cap ? cap : 1) * sizeof(*set))))
		return NULL;
	for (const struct semnetd_peer *p = d->peers.head; p; p = p->next)
		if (semnetd_peer_is_wg(p))
			set[k++] = p->ifindex;
	qsort(set, k, sizeof(*set), int_cmp);
	*n = k;
	return set;
}

static bool bound(struct semnetd *d, const int *set, size_t n, int ifindex)
{
	if (set)
		return bsearch(&ifindex, set, n, sizeof(*set), int_cmp) != NULL;
	for (const struct semnetd_peer *p = d->peers.head; p; p = p->next)
		if (semnetd_peer_is_wg(p) && p->ifindex == ifindex)
			return true;
	return false;
}

/* A route of protocol SEMNETD_RTPROT_WG that a peer has. */
static bool route_wanted(void *arg, const struct sn_link_prefix *dst, int ifindex)
{
	struct semnetd *d = arg;

	for (const struct semnetd_peer *p = d->peers.head; p; p = p->next) {
		struct sn_link_prefix sub;

		if (!semnetd_peer_is_wg(p) || !p->routed || p->ifindex != ifindex)
			continue;
		semnetd_peer_prefix(p, &sub);
		if (sn_link_prefix_equal(&sub, dst))
			return true;
	}
	return false;
}

struct stale {
	struct semnetd *d;
	char names[64][IF_NAMESIZE];
	size_t n;
};

static void find_stale(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	struct stale *s = arg;
	const char *name = rtnl_link_get_name(link), *kind = rtnl_link_get_type(link);

	if (!name || !kind || strcmp(kind, "wireguard") ||
	    strncmp(name, SEMNETD_WG_DEV_PREFIX, strlen(SEMNETD_WG_DEV_PREFIX)) ||
	    dev_find(&s->d->wgl, name) || s->n >= sizeof(s->names) / sizeof(s->names[0]))
		return;
	snprintf(s->names[s->n++], IF_NAMESIZE, "%s", name);
}

void semnetd_wglinks_sweep(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	struct sn_err err;
	size_t n_set;
	int *set = bound_set(d, &n_set);
	int rc;

	/* Devices of this run no peer is bound to any more: the peers went
	 * (or changed kind) first, so nothing is routed into them. One sort
	 * of the peers' devices, not a scan of the peers per device. */
	for (struct semnetd_wgdev **pv = &w->devs; *pv;) {
		struct semnetd_wgdev *v = *pv;

		if (bound(d, set, n_set, v->ifindex)) {
			pv = &v->next;
			continue;
		}
		if (link_del(d, v->name) < 0)
			sn_warn("%s: cannot remove it", v->name);
		else
			sn_info("%s removed: no encrypted peer uses it", v->name);
		*pv = v->next;
		dev_forget(w, v);
	}
	free(set);
	if (w->swept)
		return;
	w->swept = true;
	/* An earlier run's: devices this registry wants were taken over by
	 * semnetd_wglinks_ensure (same name); the rest go, with their routes.
	 * Routes of an earlier run into a device kept but for a subnet no
	 * peer has any more go too. */
	for (;;) {
		struct stale s = { .d = d };
		struct nl_cache *cache = NULL;

		if (rtnl_link_alloc_cache(d->host.sk, AF_UNSPEC, &cache) < 0) {
			sn_warn("cannot list the devices: WireGuard devices of an earlier run stay");
			break;
		}
		nl_cache_foreach(cache, find_stale, &s);
		nl_cache_free(cache);
		for (size_t i = 0; i < s.n; i++) {
			if (link_del(d, s.names[i]) < 0)
				sn_warn("%s: cannot remove it", s.names[i]);
			else
				sn_info("%s removed: an earlier run's, no peer wants it", s.names[i]);
		}
		if (s.n < sizeof(s.names) / sizeof(s.names[0]))
			break;
	}
	if ((rc = semnetd_host_wg_routes_sweep(&d->host, route_wanted, d, &err)) < 0)
		sn_warn("%s", err.msg);
	else if (rc > 0)
		sn_info("removed %d encrypted link route(s) of an earlier run", rc);
}

void semnetd_wglinks_status(struct semnetd *d, json_t *peers)
{
	size_t i = 0;

	for (const struct semnetd_peer *p = d->peers.head; p; p = p->next, i++) {
		json_t *o = json_array_get(peers, i);
		struct semnetd_wg_device got = { 0 };
		char name[IF_NAMESIZE] = "", at[SN_IPADDR_STRLEN + 8] = "";
		struct semnetd_wgdev *v = NULL;
		struct timespec now;
		struct sn_err err;
		json_t *wg;

		char subnet[SN_CIDR6_STRLEN];

		if (!o || !semnetd_peer_is_wg(p))
			continue;
		/* The list is in the peers' order; an entry that could not be
		 * made would shift it: by its subnet, to be sure. */
		if (p->is6)
			sn_prefix6_format(&p->subnet6, subnet);
		else
			sn_prefix_format(&p->subnet, subnet);
		if (!json_is_string(json_object_get(o, "subnet")) ||
		    strcmp(json_string_value(json_object_get(o, "subnet")), subnet))
			continue;
		for (v = d->wgl.devs; v && v->ifindex != p->ifindex; v = v->next)
			;
		if (!v || !if_indextoname((unsigned int)p->ifindex, name))
			continue;
		{
			char a[SN_IPADDR_STRLEN];

			sn_ipaddr_format(&v->addr, a);
			if (!sn_ipaddr_is_set(&v->addr))
				snprintf(at, sizeof(at), "learned");
			else
				snprintf(at, sizeof(at), v->addr.family == AF_INET6 ? "[%s]:%d" :
					 "%s:%d", a, v->endpoint_port);
		}
		wg = json_pack("{s:s, s:i, s:s}", "dev", name, "listen_port", v->listen_port,
			       "endpoint", at);
		if (!wg)
			continue;
		const struct semnetd_wg_peer *wp = NULL;
		int got_rc = semnetd_wg_get(&d->wgl.wg, name, &got, &err);

		if (got_rc == 0)
			for (size_t k = 0; k < got.n_peers; k++)
				if (!memcmp(got.peers[k].public_key, v->peer_key, WG_KEY_LEN))
					wp = &got.peers[k];
		if (wp) {
			char b64[SN_LINK_KEY_B64_LEN + 1];

			clock_gettime(CLOCK_REALTIME, &now);
			json_object_set_new(wg, "handshake_age_s", wp->handshake_sec ?
					    json_integer(now.tv_sec - wp->handshake_sec) : json_null());
			json_object_set_new(wg, "rx_bytes", json_integer((json_int_t)wp->rx_bytes));
			json_object_set_new(wg, "tx_bytes", json_integer((json_int_t)wp->tx_bytes));
			sn_link_key_to_base64(wp->public_key, b64);
			json_object_set_new(wg, "key", json_string(b64));
			if (v->has_next) {
				sn_link_key_to_base64(v->next_key, b64);
				json_object_set_new(wg, "next_key", json_string(b64));
			}
		} else {
			json_object_set_new(wg, "error", json_string(got_rc < 0 ? err.msg :
					    "the device has no entry of the peer's key"));
		}
		semnetd_wg_device_free(&got);
		json_object_set_new(o, "wg", wg);
	}
}
