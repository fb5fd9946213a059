// SPDX-License-Identifier: GPL-2.0
#include "host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "sn_log.h"

#define TUNNEL_DEV "semnet0"
/* A routed node's gateway address lives here. */
#define GATEWAY_DEV "semnet-gw"

/* libnl's error codes as errno values, for the callers' status mapping. */
static int to_errno(int nlerr)
{
	switch (-nlerr) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static int fail(struct sn_err *err, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct sn_err *err, int nlerr, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sn_err_set(err, "%s: %s", msg, nl_geterror(nlerr));
	return to_errno(nlerr);
}

int semnetd_host_open(struct semnetd_host *h)
{
	h->sk = nl_socket_alloc();
	if (!h->sk)
		return -ENOMEM;
	if (nl_connect(h->sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(h->sk);
		h->sk = NULL;
		return -EIO;
	}
	return 0;
}

void semnetd_host_close(struct semnetd_host *h)
{
	if (h->sk)
		nl_socket_free(h->sk);
	h->sk = NULL;
}

static struct nl_addr *ipv4(uint32_t addr, unsigned int len)
{
	uint32_t be = htonl(addr);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a)
		nl_addr_set_prefixlen(a, (int)len);
	return a;
}

static struct nl_addr *ipv6(const struct in6_addr *addr, unsigned int len)
{
	struct nl_addr *a = nl_addr_build(AF_INET6, addr, sizeof(*addr));

	if (a)
		nl_addr_set_prefixlen(a, (int)len);
	return a;
}

/* fe80::1: a routed container's IPv6 gateway, on its host-side veth. */
static const struct in6_addr link_gateway6 = {
	.s6_addr = { 0xfe, 0x80, [15] = 1 },
};

int semnetd_host_ifindex(struct semnetd_host *h, const char *name)
{
	struct rtnl_link *link;
	int ifindex;

	if (rtnl_link_get_kernel(h->sk, 0, name, &link) < 0)
		return 0;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

int semnetd_host_mtu(struct semnetd_host *h, const char *name)
{
	struct rtnl_link *link;
	int mtu;

	if (rtnl_link_get_kernel(h->sk, 0, name, &link) < 0)
		return -ENODEV;
	mtu = (int)rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return mtu;
}

/* Sets @name up, and its MTU and master when given (> 0). */
static int link_change(struct nl_sock *sk, const char *name, int mtu, int master,
		       struct sn_err *err)
{
	struct rtnl_link *orig, *change;
	int rc;

	if ((rc = rtnl_link_get_kernel(sk, 0, name, &orig)) < 0)
		return fail(err, rc, "interface %s", name);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(orig);
		return fail(err, -NLE_NOMEM, "interface %s", name);
	}
	rtnl_link_set_flags(change, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(change, (unsigned int)mtu);
	if (master > 0)
		rtnl_link_set_master(change, master);
	rc = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return rc < 0 ? fail(err, rc, "cannot configure %s", name) : 0;
}

static int addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, unsigned int len,
		    struct sn_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = ipv4(addr, len);
	int rc = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, (int)len);
		rc = rtnl_addr_add(sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc == -NLE_EXIST)	/* already there (a restart) */
		rc = 0;
	return rc < 0 ? fail(err, rc, "cannot add address %u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255) : 0;
}

/*
 * An IPv6 address, without duplicate address detection (IFA_F_NODAD):
 * semnet hands every address out once, and a tentative address (for about
 * a second) could be neither bound nor sent from.
 */
static int addr_add6(struct nl_sock *sk, int ifindex, const struct in6_addr *addr,
		     unsigned int len, struct sn_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = ipv6(addr, len);
	char text[INET6_ADDRSTRLEN];
	int rc = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, (int)len);
		rtnl_addr_set_flags(a, IFA_F_NODAD);
		rc = rtnl_addr_add(sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc == -NLE_EXIST)	/* already there (a restart) */
		rc = 0;
	if (rc < 0)
		inet_ntop(AF_INET6, addr, text, sizeof(text));
	return rc < 0 ? fail(err, rc, "cannot add address %s/%u", text, len) : 0;
}

/* Removes the IPv6 address @addr of @ifindex (whatever its length); 0
 * also when it is not there. */
static int addr_del6(struct nl_sock *sk, int ifindex, const struct in6_addr *addr,
		     unsigned int len, struct sn_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = ipv6(addr, len);
	int rc = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, (int)len);
		rc = rtnl_addr_delete(sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NOADDR)
		rc = 0;
	return rc < 0 ? fail(err, rc, "cannot remove an IPv6 address") : 0;
}

/*
 * Adds (or replaces) the route to @d via @gw (NULL: on-link) out of
 * @ifindex, from @s (NULL: any), in @family; drops the three references.
 * @nomem: one of the addresses could not be made. One body for both
 * families: route_replace() and route_replace6() make the addresses.
 */
static int route_put_proto(struct nl_sock *sk, int family, struct nl_addr *d, struct nl_addr *gw,
			   struct nl_addr *s, bool nomem, int ifindex, int scope, uint8_t proto,
			   struct sn_err *err)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int rc = -NLE_NOMEM;

	if (!r || !nh || !d || nomem)
		goto out;
	rtnl_route_set_family(r, family);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, proto);
	rtnl_route_set_scope(r, scope);
	rtnl_route_set_dst(r, d);
	if (s)
		rtnl_route_set_pref_src(r, s);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;	/* the route owns it */
	rc = rtnl_route_add(sk, r, NLM_F_REPLACE);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(gw);
	nl_addr_put(s);
	rtnl_route_put(r);
	return rc < 0 ? fail(err, rc, "cannot add %s route", family == AF_INET6 ? "an IPv6" : "a")
		      : 0;
}

static int route_put(struct nl_sock *sk, int family, struct nl_addr *d, struct nl_addr *gw,
		     struct nl_addr *s, bool nomem, int ifindex, int scope, struct sn_err *err)
{
	return route_put_proto(sk, family, d, gw, s, nomem, ifindex, scope, RTPROT_STATIC, err);
}

/*
 * Removes the route to @d (its reference dropped) out of @ifindex; 0 also
 * when there is none. @scope < 0: not matched.
 */
static int route_drop_proto(struct nl_sock *sk, int family, struct nl_addr *d, int ifindex,
			    int scope, int proto, struct sn_err *err)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int rc = -NLE_NOMEM;

	if (!r || !nh || !d)
		goto out;
	rtnl_route_set_family(r, family);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	if (scope >= 0)
		rtnl_route_set_scope(r, (uint8_t)scope);
	if (proto >= 0)
		rtnl_route_set_protocol(r, (uint8_t)proto);
	rtnl_route_set_dst(r, d);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;	/* the route owns it */
	rc = rtnl_route_delete(sk, r, 0);
	if (rc == -NLE_OBJ_NOTFOUND)
		rc = 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	rtnl_route_put(r);
	return rc < 0 ? fail(err, rc, "cannot remove %s route",
			     family == AF_INET6 ? "an IPv6" : "a") : 0;
}

static int route_drop(struct nl_sock *sk, int family, struct nl_addr *d, int ifindex, int scope,
		      struct sn_err *err)
{
	return route_drop_proto(sk, family, d, ifindex, scope, -1, err);
}

/* @dst (IPv6) via @gateway (NULL: on-link) out of @ifindex, from @src
 * (NULL: any). */
static int route_replace6(struct nl_sock *sk, const struct sn_prefix6 *dst, int ifindex,
			  const struct in6_addr *gateway, const struct in6_addr *src,
			  struct sn_err *err)
{
	struct nl_addr *gw = gateway ? ipv6(gateway, 128) : NULL;
	struct nl_addr *s = src ? ipv6(src, 128) : NULL;

	return route_put(sk, AF_INET6, ipv6(&dst->addr, dst->len), gw, s,
			 (gateway && !gw) || (src && !s), ifindex, RT_SCOPE_UNIVERSE, err);
}

static int route_del6(struct nl_sock *sk, const struct sn_prefix6 *dst, int ifindex,
		      struct sn_err *err)
{
	return route_drop(sk, AF_INET6, ipv6(&dst->addr, dst->len), ifindex, -1, err);
}

/* @dst via @gateway (0: on-link) out of @ifindex, from @src (0: any). */
static int route_replace(struct nl_sock *sk, const struct sn_prefix *dst, int ifindex,
			 uint32_t gateway, uint32_t src, struct sn_err *err)
{
	struct nl_addr *gw = gateway ? ipv4(gateway, 32) : NULL;
	struct nl_addr *s = src ? ipv4(src, 32) : NULL;

	return route_put(sk, AF_INET, ipv4(dst->addr, dst->len), gw, s,
			 (gateway && !gw) || (src && !s), ifindex,
			 gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK, err);
}

/* Writes @value to /proc/sys/@key (this process's network namespace). */
static int sysctl_set(const char *key, const char *value, struct sn_err *err)
{
	char path[256];
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if (!(f = fopen(path, "w"))) {
		sn_err_set(err, "cannot set %s: %s", key, strerror(errno));
		return -errno;
	}
	bad = fputs(value, f) < 0;
	bad |= fclose(f) != 0;
	if (bad) {
		sn_err_set(err, "cannot set %s", key);
		return -EIO;
	}
	return 0;
}

/*
 * Forwarding on, and no ICMP redirects: a device sends them when its own
 * send_redirects or "all"'s is on, so both go off; @dev is the device the
 * containers' traffic hairpins through, or "default" for the veths to come.
 */
static int forwarding_without_redirects(const char *dev, struct sn_err *err)
{
	char key[128];
	int rc;

	snprintf(key, sizeof(key), "net/ipv4/conf/%s/send_redirects", dev);
	if ((rc = sysctl_set("net/ipv4/ip_forward", "1", err)) < 0 ||
	    (rc = sysctl_set("net/ipv4/conf/all/send_redirects", "0", err)) < 0 ||
	    (rc = sysctl_set(key, "0", err)) < 0)
		return rc;
	return 0;
}

/* IPv6 on @dev (it may have been turned off for the device, or by
 * default in this namespace). */
static int ipv6_enable(const char *dev, struct sn_err *err)
{
	char key[128];

	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", dev);
	return sysctl_set(key, "0", err);
}

int semnetd_host_forwarding6(const char *underlay_dev, struct sn_err *err)
{
	char key[128];
	int rc;

	/*
	 * Forwarding makes a device with accept_ra 1 ignore router
	 * advertisements: an uplink configured by SLAAC (an IPv6-only
	 * underlay's, typically) would lose its default route. 2 keeps
	 * taking them; 0 (configured by hand) stays.
	 */
	if (underlay_dev[0]) {
		char now[8] = "";
		FILE *f;

		snprintf(key, sizeof(key), "/proc/sys/net/ipv6/conf/%s/accept_ra", underlay_dev);
		if ((f = fopen(key, "r"))) {
			if (!fgets(now, sizeof(now), f))
				now[0] = '\0';
			fclose(f);
		}
		if (now[0] != '0' && (rc = sysctl_set(key + strlen("/proc/sys/"), "2", err)) < 0)
			return rc;
	}
	return sysctl_set("net/ipv6/conf/all/forwarding", "1", err);
}

int semnetd_host_bridge6(struct semnetd_host *h, const char *bridge,
			 const struct sn_prefix6 *subnet, const struct in6_addr *gateway,
			 struct sn_err *err)
{
	int rc, ifindex = semnetd_host_ifindex(h, bridge);

	if (!ifindex) {
		sn_err_set(err, "the bridge %s vanished", bridge);
		return -ENODEV;
	}
	if ((rc = ipv6_enable(bridge, err)) < 0)
		return rc;
	return addr_add6(h->sk, ifindex, gateway, subnet->len, err);
}

/*
 * A bridge whose address nobody set takes the lowest of its ports' as
 * they come and go: a container deployed with a lower (random) veth
 * address would change the gateway's link address under every other
 * container, which would send to the old one until its neighbour entry
 * for the gateway goes stale (tens of seconds, both families). Setting
 * the address it has now (the kernel then keeps it) pins it.
 */
static int bridge_pin_address(struct nl_sock *sk, const char *bridge, struct sn_err *err)
{
	struct rtnl_link *orig, *change;
	struct nl_addr *mac;
	int rc;

	if ((rc = rtnl_link_get_kernel(sk, 0, bridge, &orig)) < 0)
		return fail(err, rc, "interface %s", bridge);
	mac = rtnl_link_get_addr(orig);
	if (!mac || !(change = rtnl_link_alloc())) {
		rtnl_link_put(orig);
		return mac ? fail(err, -NLE_NOMEM, "interface %s", bridge) : 0;
	}
	rtnl_link_set_addr(change, mac);
	rc = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return rc < 0 ? fail(err, rc, "cannot pin the link address of %s", bridge) : 0;
}

int semnetd_host_bridge(struct semnetd_host *h, const char *bridge, const struct sn_prefix *subnet,
			uint32_t gateway, int *ifindex, struct sn_err *err)
{
	int rc;

	if (!semnetd_host_ifindex(h, bridge) && (rc = rtnl_link_bridge_add(h->sk, bridge)) < 0 &&
	    rc != -NLE_EXIST)
		return fail(err, rc, "cannot create the bridge %s", bridge);
	if ((rc = link_change(h->sk, bridge, 0, 0, err)) < 0 ||
	    (rc = bridge_pin_address(h->sk, bridge, err)) < 0)
		return rc;
	*ifindex = semnetd_host_ifindex(h, bridge);
	if ((rc = addr_add(h->sk, *ifindex, gateway, subnet->len, err)) < 0)
		return rc;
	/* Translated traffic hairpins through the bridge: forwarding on, and
	 * no redirects telling containers to go around semnet. */
	return forwarding_without_redirects(bridge, err);
}

/* The device @name of @type, created when missing: its ifindex in
 * *@ifindex (@what says what it is in an error). */
static int link_ensure(struct semnetd_host *h, const char *name, const char *type,
		       const char *what, int *ifindex, struct sn_err *err)
{
	struct rtnl_link *link;
	int rc;

	if ((*ifindex = semnetd_host_ifindex(h, name)))
		return 0;
	if (!(link = rtnl_link_alloc()))
		return fail(err, -NLE_NOMEM, "cannot create %s", name);
	rtnl_link_set_name(link, name);
	rc = rtnl_link_set_type(link, type);
	if (rc >= 0)
		rc = rtnl_link_add(h->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (rc < 0 && rc != -NLE_EXIST)
		return fail(err, rc, "cannot create %s (%s)", name, what);
	*ifindex = semnetd_host_ifindex(h, name);
	return 0;
}

int semnetd_host_routed(struct semnetd_host *h, uint32_t gateway, struct sn_err *err)
{
	int rc, ifindex;

	if ((rc = link_ensure(h, GATEWAY_DEV, "dummy", "a dummy device", &ifindex, err)) < 0)
		return rc;
	if ((rc = link_change(h->sk, GATEWAY_DEV, 0, 0, err)) < 0 ||
	    (rc = addr_add(h->sk, ifindex, gateway, 32, err)) < 0)
		return rc;
	/* Containers' traffic is forwarded veth to veth (or semnet0), never
	 * back out of the device it came in by: no redirect is ever due. */
	return forwarding_without_redirects("default", err);
}

int semnetd_host_routed6(struct semnetd_host *h, const struct in6_addr *gateway,
			 struct sn_err *err)
{
	int rc, ifindex = semnetd_host_ifindex(h, GATEWAY_DEV);

	if (!ifindex) {
		sn_err_set(err, "%s vanished", GATEWAY_DEV);
		return -ENODEV;
	}
	if ((rc = ipv6_enable(GATEWAY_DEV, err)) < 0)
		return rc;
	return addr_add6(h->sk, ifindex, gateway, 128, err);
}

int semnetd_host_veth_route6(struct semnetd_host *h, const char *name, int ifindex,
			     const struct in6_addr *nsip6, struct sn_err *err)
{
	struct sn_prefix6 host = { *nsip6, 128 };
	int rc;

	/* The container's gateway, fe80::1, is an address of its veth: the
	 * node answers its neighbour solicitations (no proxy NDP needed). */
	if ((rc = ipv6_enable(name, err)) < 0 ||
	    (rc = addr_add6(h->sk, ifindex, &link_gateway6, 64, err)) < 0)
		return rc;
	return route_replace6(h->sk, &host, ifindex, NULL, NULL, err);
}

int semnetd_host_veth_route(struct semnetd_host *h, const char *name, int ifindex, uint32_t nsip,
			    struct sn_err *err)
{
	struct sn_prefix host = { nsip, 32 };
	char key[128];
	int rc;

	snprintf(key, sizeof(key), "net/ipv4/conf/%s/proxy_arp", name);
	if ((rc = sysctl_set(key, "1", err)) < 0)
		return rc;
	return route_replace(h->sk, &host, ifindex, 0, 0, err);
}

/* Removes the route @dst out of @ifindex made by route_replace(); 0 also
 * when there is none. */
static int route_del(struct nl_sock *sk, const struct sn_prefix *dst, int ifindex,
		     struct sn_err *err)
{
	return route_drop(sk, AF_INET, ipv4(dst->addr, dst->len), ifindex, RT_SCOPE_LINK, err);
}

static struct nl_sock *netns_socket(const struct semnetd_veth *v, struct sn_err *err);

/*
 * The container of @v forgets the link address of its gateway: it may
 * point at the bridge, which a routed veth does not answer to (the frames
 * are for another host), for as long as the entry looks fresh (tens of
 * seconds). Its next packet asks again, and the node answers on the veth.
 */
static int container_forget_gateway(const struct semnetd_veth *v, struct sn_err *err)
{
	struct nl_sock *sk = netns_socket(v, err);
	struct rtnl_neigh *n = NULL;
	struct rtnl_link *link;
	struct nl_addr *gw = NULL;
	int rc;

	if (!sk)
		return -EIO;
	if ((rc = rtnl_link_get_kernel(sk, 0, v->container_name, &link)) < 0) {
		rc = fail(err, rc, "%s in the container of pid %d", v->container_name, v->pid);
		goto out;
	}
	n = rtnl_neigh_alloc();
	gw = ipv4(v->gateway, 32);
	if (!n || !gw) {
		rtnl_link_put(link);
		rc = fail(err, -NLE_NOMEM, "the gateway's neighbour entry");
		goto out;
	}
	rtnl_neigh_set_family(n, AF_INET);
	rtnl_neigh_set_ifindex(n, rtnl_link_get_ifindex(link));
	rtnl_link_put(link);
	rtnl_neigh_set_dst(n, gw);
	rc = rtnl_neigh_delete(sk, n, 0);
	if (rc == -NLE_OBJ_NOTFOUND)
		rc = 0;
	else if (rc < 0)
		rc = fail(err, rc, "cannot forget the gateway's neighbour entry in pid %d", v->pid);
out:
	nl_addr_put(gw);
	if (n)
		rtnl_neigh_put(n);
	nl_socket_free(sk);
	return rc;
}

static int configure_container6(struct nl_sock *sk, int ifindex, const struct semnetd_veth *v,
				struct sn_err *err);

/* The container of @v takes its IPv6 address and route the way this mode
 * wants them (the other mode's go). */
static int container_redo6(const struct semnetd_veth *v, struct sn_err *err)
{
	struct nl_sock *sk = netns_socket(v, err);
	struct rtnl_link *link;
	int rc;

	if (!sk)
		return -EIO;
	if ((rc = rtnl_link_get_kernel(sk, 0, v->container_name, &link)) < 0) {
		rc = fail(err, rc, "%s in the container of pid %d", v->container_name, v->pid);
	} else {
		rc = configure_container6(sk, rtnl_link_get_ifindex(link), v, err);
		rtnl_link_put(link);
	}
	nl_socket_free(sk);
	return rc;
}

int semnetd_host_forget6(struct semnetd_host *h, int ifindex, const struct in6_addr *addr)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *a = ipv6(addr, 128);
	int rc = -NLE_NOMEM;

	if (n && a) {
		rtnl_neigh_set_family(n, AF_INET6);
		rtnl_neigh_set_ifindex(n, ifindex);
		rtnl_neigh_set_dst(n, a);
		rc = rtnl_neigh_delete(h->sk, n, 0);
	}
	nl_addr_put(a);
	if (n)
		rtnl_neigh_put(n);
	return rc == -NLE_OBJ_NOTFOUND ? 0 : to_errno(rc);
}

int semnetd_host_port_mode(struct semnetd_host *h, const struct semnetd_veth *v, int ifindex,
			   bool *moved, struct sn_err *err)
{
	struct sn_prefix host = { v->nsip, 32 };
	struct rtnl_link *orig, *change;
	char key[128];
	int rc;

	*moved = false;
	if ((rc = rtnl_link_get_kernel(h->sk, 0, v->host_name, &orig)) < 0)
		return fail(err, rc, "interface %s", v->host_name);
	if (rtnl_link_get_master(orig) != v->bridge_ifindex) {
		/* Master 0 takes it off its bridge. */
		if (!(change = rtnl_link_alloc())) {
			rtnl_link_put(orig);
			return fail(err, -NLE_NOMEM, "interface %s", v->host_name);
		}
		rtnl_link_set_master(change, v->bridge_ifindex);
		rc = rtnl_link_change(h->sk, orig, change, 0);
		rtnl_link_put(change);
		if (rc < 0) {
			rtnl_link_put(orig);
			return fail(err, rc, "cannot %s %s", v->bridge_ifindex ? "enslave" : "release",
				    v->host_name);
		}
		*moved = true;
	}
	rtnl_link_put(orig);
	if (!v->bridge_ifindex) {
		if ((rc = semnetd_host_veth_route(h, v->host_name, ifindex, v->nsip, err)) < 0)
			return rc;
		if (v->has6 &&
		    (rc = semnetd_host_veth_route6(h, v->host_name, ifindex, &v->nsip6, err)) < 0)
			return rc;
	} else if (*moved) {
		struct sn_prefix6 host6 = { v->nsip6, 128 };

		/* Off routed: the bridge's subnet route leads to the container now. */
		snprintf(key, sizeof(key), "net/ipv4/conf/%s/proxy_arp", v->host_name);
		if ((rc = sysctl_set(key, "0", err)) < 0 ||
		    (rc = route_del(h->sk, &host, ifindex, err)) < 0 ||
		    (v->has6 && (rc = route_del6(h->sk, &host6, ifindex, err)) < 0))
			return rc;
	}
	if (*moved && v->has6 && (rc = container_redo6(v, err)) < 0)
		return rc;
	return *moved ? container_forget_gateway(v, err) : 0;
}

int semnetd_host_tunnel(struct semnetd_host *h, const struct sn_prefix *platform, uint32_t gateway,
			int max_mtu, int *mtu, struct sn_err *err)
{
	int rc, ifindex, now;

	if ((rc = link_ensure(h, TUNNEL_DEV, "semnet", "is semnet.ko loaded?", &ifindex, err)) < 0)
		return rc;
	now = semnetd_host_mtu(h, TUNNEL_DEV);
	if (max_mtu > 0 && now > max_mtu)
		sn_info("%s: MTU %d, as the underlay carries (was %d)", TUNNEL_DEV, max_mtu, now);
	else
		max_mtu = 0;
	if ((rc = link_change(h->sk, TUNNEL_DEV, max_mtu, 0, err)) < 0)
		return rc;
	/* The platform range (ServiceIPs included) goes into the tunnel; the
	 * node's own /26 on the bridge is more specific. */
	if ((rc = route_replace(h->sk, platform, ifindex, 0, gateway, err)) < 0)
		return rc;
	*mtu = semnetd_host_mtu(h, TUNNEL_DEV);
	return *mtu > 0 ? 0 : fail(err, -NLE_NODEV, "%s vanished", TUNNEL_DEV);
}

int semnetd_host_tunnel6(struct semnetd_host *h, const struct sn_prefix6 *platform,
			 const struct in6_addr *gateway, struct sn_err *err)
{
	int rc, ifindex = semnetd_host_ifindex(h, TUNNEL_DEV);

	if (!ifindex) {
		sn_err_set(err, "%s vanished", TUNNEL_DEV);
		return -ENODEV;
	}
	if ((rc = ipv6_enable(TUNNEL_DEV, err)) < 0)
		return rc;
	/* As for IPv4: the node's own /120 (bridge, or the routed /128s) is
	 * more specific. */
	return route_replace6(h->sk, platform, ifindex, NULL, gateway, err);
}

/*
 * Finding the underlay address: a walk over the address cache, for one
 * family on one device (the first usable address, see match_addr), or
 * for the device holding one address (match_holder).
 */
struct find_addr {
	int ifindex;
	int family;
	bool tentative_too;	/* second pass: a fresh address still in DAD */
	struct sn_ipaddr found;
	unsigned int prefix_len;	/* found's (or want's) on-link prefix */
	const struct sn_ipaddr *want;	/* match_holder */
};

/* @local as a struct sn_ipaddr; false for another length. */
static bool nl_to_ipaddr(struct nl_addr *local, struct sn_ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!local)
		return false;
	if (nl_addr_get_family(local) == AF_INET && nl_addr_get_len(local) == 4) {
		out->family = AF_INET;
		out->v4 = ntohl(*(uint32_t *)nl_addr_get_binary_addr(local));
		return true;
	}
	if (nl_addr_get_family(local) == AF_INET6 && nl_addr_get_len(local) == 16) {
		out->family = AF_INET6;
		memcpy(&out->v6, nl_addr_get_binary_addr(local), 16);
		return true;
	}
	return false;
}

/*
 * A global (scope universe) address of f->family on f->ifindex. IPv6:
 * never a deprecated one, nor one DAD refused, nor a temporary (privacy)
 * address, which changes while the other nodes still send to it; one in
 * DAD only on the second pass (it becomes usable in a moment).
 */
static void match_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct find_addr *f = arg;
	unsigned int flags = rtnl_addr_get_flags(a);
	struct sn_ipaddr addr;

	if (f->found.family || rtnl_addr_get_family(a) != f->family ||
	    rtnl_addr_get_ifindex(a) != f->ifindex || rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE ||
	    !nl_to_ipaddr(rtnl_addr_get_local(a), &addr) || sn_ipaddr_underlay_unfit(&addr))
		return;
	if (f->family == AF_INET6 &&
	    ((flags & (IFA_F_DEPRECATED | IFA_F_DADFAILED | IFA_F_TEMPORARY)) ||
	     ((flags & IFA_F_TENTATIVE) && !f->tentative_too)))
		return;
	f->found = addr;
}

static void match_holder(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct find_addr *f = arg;
	struct sn_ipaddr addr;

	if (!f->ifindex && nl_to_ipaddr(rtnl_addr_get_local(a), &addr) &&
	    sn_ipaddr_equal(&addr, f->want)) {
		f->ifindex = rtnl_addr_get_ifindex(a);
		f->prefix_len = (unsigned int)rtnl_addr_get_prefixlen(a);
	}
}

static void match_default_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	int *ifindex = arg;

	if (*ifindex || rtnl_route_get_table(r) != RT_TABLE_MAIN || (dst && nl_addr_get_prefixlen(dst)) ||
	    rtnl_route_get_nnexthops(r) < 1 || !(nh = rtnl_route_nexthop_n(r, 0)))
		return;
	*ifindex = rtnl_route_nh_get_ifindex(nh);
}

/* The device of @family's default route, 0 without one (or < 0). */
static int default_route_dev(struct semnetd_host *h, int family, struct sn_err *err)
{
	struct nl_cache *cache = NULL;
	int rc, ifindex = 0;

	if ((rc = rtnl_route_alloc_cache(h->sk, family, 0, &cache)) < 0)
		return fail(err, rc, "cannot read the routes");
	nl_cache_foreach(cache, match_default_route, &ifindex);
	nl_cache_free(cache);
	return ifindex;
}

/* The first usable address of @family on f->ifindex into f->found. */
static int first_addr(struct semnetd_host *h, struct find_addr *f, int family, struct sn_err *err)
{
	struct nl_cache *cache = NULL;
	int rc;

	if ((rc = rtnl_addr_alloc_cache(h->sk, &cache)) < 0)
		return fail(err, rc, "cannot read the addresses");
	f->family = family;
	memset(&f->found, 0, sizeof(f->found));
	f->tentative_too = false;
	nl_cache_foreach(cache, match_addr, f);
	if (!f->found.family && family == AF_INET6) {
		f->tentative_too = true;
		nl_cache_foreach(cache, match_addr, f);
	}
	nl_cache_free(cache);
	return 0;
}

int semnetd_host_underlay(struct semnetd_host *h, const char *dev, int family,
			  struct semnetd_underlay *u, struct sn_err *err)
{
	struct find_addr f = { 0 };
	int rc;

	memset(u, 0, sizeof(*u));
	if (dev[0]) {
		if (!(f.ifindex = semnetd_host_ifindex(h, dev))) {
			sn_err_set(err, "underlay device %s does not exist", dev);
			return -ENODEV;
		}
	} else {
		/* IPv4's default route first, as before IPv6 underlays. */
		if (family != AF_INET6 && (f.ifindex = default_route_dev(h, AF_INET, err)) < 0)
			return f.ifindex;
		if (!f.ifindex && family != AF_INET &&
		    (f.ifindex = default_route_dev(h, AF_INET6, err)) < 0)
			return f.ifindex;
		if (!f.ifindex) {
			sn_err_set(err, "no %sdefault route to find the underlay address by; "
				   "set --underlay-addr or --underlay-dev",
				   family == AF_INET ? "IPv4 " : family == AF_INET6 ? "IPv6 " : "");
			return -ENODEV;
		}
	}
	if (family != AF_INET6 && (rc = first_addr(h, &f, AF_INET, err)) < 0)
		return rc;
	if (!f.found.family && family != AF_INET && (rc = first_addr(h, &f, AF_INET6, err)) < 0)
		return rc;
	if (!f.found.family) {
		char name[IF_NAMESIZE] = "?";

		if_indextoname((unsigned int)f.ifindex, name);
		sn_err_set(err, "the underlay device %s has no global %s address; "
			   "set --underlay-addr", name,
			   family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IPv4 or IPv6");
		return -EADDRNOTAVAIL;
	}
	u->addr = f.found;
	u->ifindex = f.ifindex;
	sn_link_prefix_of(&u->addr, f.prefix_len, &u->prefix);
	return 0;
}

int semnetd_host_underlay_of(struct semnetd_host *h, const struct sn_ipaddr *addr,
			     struct semnetd_underlay *u)
{
	struct nl_cache *cache = NULL;
	struct find_addr f = { .want = addr };

	memset(u, 0, sizeof(*u));
	u->addr = *addr;
	if (rtnl_addr_alloc_cache(h->sk, &cache) < 0)
		return -EIO;
	nl_cache_foreach(cache, match_holder, &f);
	nl_cache_free(cache);
	u->ifindex = f.ifindex;
	if (f.ifindex)
		sn_link_prefix_of(&u->addr, f.prefix_len, &u->prefix);
	return 0;
}

/* @p's address (a subnet or a gateway of either family) for libnl. */
static struct nl_addr *link_addr(const struct sn_ipaddr *a, unsigned int len)
{
	return a->family == AF_INET6 ? ipv6(&a->v6, len) : ipv4(a->v4, len);
}

int semnetd_host_direct_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      const struct sn_ipaddr *via, int ifindex, struct sn_err *err)
{
	struct nl_addr *gw;

	if (subnet->addr.family != via->family) {
		sn_err_set(err, "a direct route needs a gateway of its own family");
		return -EAFNOSUPPORT;
	}
	gw = link_addr(via, via->family == AF_INET6 ? 128 : 32);
	return route_put_proto(h->sk, subnet->addr.family, link_addr(&subnet->addr, subnet->len),
			       gw, NULL, !gw, ifindex, RT_SCOPE_UNIVERSE, SEMNETD_RTPROT_DIRECT,
			       err);
}

int semnetd_host_direct_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
				  int ifindex, struct sn_err *err)
{
	/* Its scope too: without one libnl guesses "link" for a nexthop
	 * without a gateway, which an IPv4 route via a gateway never
	 * matches, and the delete finds nothing. */
	return route_drop_proto(h->sk, subnet->addr.family, link_addr(&subnet->addr, subnet->len),
				ifindex, RT_SCOPE_UNIVERSE, SEMNETD_RTPROT_DIRECT, err);
}

struct flush {
	struct nl_sock *sk;
	int removed, rc;
};

static void flush_direct(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct flush *f = arg;
	int rc;

	if (rtnl_route_get_protocol(r) != SEMNETD_RTPROT_DIRECT ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN)
		return;
	rc = rtnl_route_delete(f->sk, r, 0);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
		f->rc = rc;
	else if (rc == 0)
		f->removed++;
}

int semnetd_host_direct_routes_flush(struct semnetd_host *h, struct sn_err *err)
{
	struct flush f = { .sk = h->sk };
	struct nl_cache *cache = NULL;
	int rc;

	if ((rc = rtnl_route_alloc_cache(h->sk, AF_UNSPEC, 0, &cache)) < 0)
		return fail(err, rc, "cannot read the routes");
	nl_cache_foreach(cache, flush_direct, &f);
	nl_cache_free(cache);
	return f.rc < 0 ? fail(err, f.rc, "cannot remove a direct route") : f.removed;
}

int semnetd_host_wg_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			  int ifindex, struct sn_err *err)
{
	return route_put_proto(h->sk, subnet->addr.family, link_addr(&subnet->addr, subnet->len),
			       NULL, NULL, false, ifindex, RT_SCOPE_LINK, SEMNETD_RTPROT_WG, err);
}

int semnetd_host_wg_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      int ifindex, struct sn_err *err)
{
	return route_drop_proto(h->sk, subnet->addr.family, link_addr(&subnet->addr, subnet->len),
				ifindex, RT_SCOPE_LINK, SEMNETD_RTPROT_WG, err);
}

struct sweep {
	struct flush f;
	bool (*keep)(void *arg, const struct sn_link_prefix *dst, int ifindex);
	void *arg;
};

static void sweep_wg(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct sweep *s = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	struct sn_link_prefix p = { 0 };
	int rc;

	if (rtnl_route_get_protocol(r) != SEMNETD_RTPROT_WG ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN || !dst ||
	    rtnl_route_get_nnexthops(r) != 1 || !(nh = rtnl_route_nexthop_n(r, 0)))
		return;
	p.len = nl_addr_get_prefixlen(dst);
	if (nl_addr_get_family(dst) == AF_INET && nl_addr_get_len(dst) == 4) {
		uint32_t a;

		memcpy(&a, nl_addr_get_binary_addr(dst), 4);
		p.addr = sn_ipaddr4(ntohl(a));
		p.addr.family = AF_INET;
	} else if (nl_addr_get_family(dst) == AF_INET6 && nl_addr_get_len(dst) == 16) {
		p.addr.family = AF_INET6;
		memcpy(&p.addr.v6, nl_addr_get_binary_addr(dst), 16);
	}
	if (sn_ipaddr_is_set(&p.addr) &&
	    s->keep(s->arg, &p, rtnl_route_nh_get_ifindex(nh)))
		return;
	rc = rtnl_route_delete(s->f.sk, r, 0);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
		s->f.rc = rc;
	else if (rc == 0)
		s->f.removed++;
}

int semnetd_host_wg_routes_sweep(struct semnetd_host *h,
				 bool (*keep)(void *arg, const struct sn_link_prefix *dst, int ifindex),
				 void *arg, struct sn_err *err)
{
	struct sweep s = { .f = { .sk = h->sk }, .keep = keep, .arg = arg };
	struct nl_cache *cache = NULL;
	int rc;

	if ((rc = rtnl_route_alloc_cache(h->sk, AF_UNSPEC, 0, &cache)) < 0)
		return fail(err, rc, "cannot read the routes");
	nl_cache_foreach(cache, sweep_wg, &s);
	nl_cache_free(cache);
	return s.f.rc < 0 ? fail(err, s.f.rc, "cannot remove an encrypted link's route") :
			    s.f.removed;
}

int semnetd_host_check_pid(int pid, struct sn_err *err)
{
	char path[64];
	struct stat target, self;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &target) < 0) {
		sn_err_set(err, "no process with pid %d (or its network namespace is not visible)",
			   pid);
		return -ESRCH;
	}
	if (stat("/proc/thread-self/ns/net", &self) == 0 && self.st_ino == target.st_ino &&
	    self.st_dev == target.st_dev) {
		sn_err_set(err, "pid %d runs in the node's own network namespace, not a container's",
			   pid);
		return -EINVAL;
	}
	return 0;
}

/* Named network namespaces: see semnetd_host_netns_path() below. */
#define NETNS_DIR "/run/netns"
#define HOST_MNTNS "/proc/1/ns/mnt"
#define HOST_ROOT "/proc/1/root"

/* 1 when semnetd's mount namespace is not PID 1's, 0 when it is, or
 * -errno when PID 1's cannot be looked at. */
static int away_from_host(void)
{
	struct stat host, self;

	if (stat(HOST_MNTNS, &host) < 0 || stat("/proc/self/ns/mnt", &self) < 0)
		return -errno;
	return host.st_dev != self.st_dev || host.st_ino != self.st_ino;
}

/* @path (in NETNS_DIR) as seen from the host's mount namespace. */
static const char *host_view(const char *path, char buf[PATH_MAX])
{
	if (away_from_host() != 1 || snprintf(buf, PATH_MAX, HOST_ROOT "%s", path) >= PATH_MAX)
		return path;
	return buf;
}

/* Opens a network namespace file: a named one where the NodeEngine
 * sees it, else (/proc/PID/ns/net) as it is. */
static int netns_open(const char *path)
{
	char buf[PATH_MAX];

	if (!strncmp(path, NETNS_DIR "/", sizeof(NETNS_DIR)))
		path = host_view(path, buf);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The network namespace of @v: the named one, or that of its pid. */
static const char *netns_of(const struct semnetd_veth *v, char path[PATH_MAX])
{
	if (v->netns)
		return v->netns;
	snprintf(path, PATH_MAX, "/proc/%d/ns/net", v->pid);
	return path;
}

/*
 * Runs @fn(@arg) inside the network namespace @path: the thread enters
 * it, and returns before this returns. Only this thread moves; other
 * threads are unaffected. Sockets made by @fn stay bound to that
 * namespace. @fn's result, or -EIO when the namespace cannot be entered.
 */
int semnetd_host_in_netns(const char *path, int (*fn)(void *arg, struct sn_err *err), void *arg,
			  struct sn_err *err)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = netns_open(path);
	int rc = -EIO;

	if (self < 0 || target < 0) {
		sn_err_set(err, "cannot open the network namespace %s: %s", path, strerror(errno));
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		sn_err_set(err, "cannot enter the network namespace %s: %s", path, strerror(errno));
		goto out;
	}
	rc = fn(arg, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Every later netlink call would act on the container. */
		sn_error("cannot return to the node's network namespace: %s", strerror(errno));
		abort();
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return rc;
}

static int connect_socket(void *arg, struct sn_err *err)
{
	struct nl_sock **sk = arg;

	*sk = nl_socket_alloc();
	if (*sk && nl_connect(*sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
	}
	if (!*sk)
		sn_err_set(err, "cannot open netlink in the container's namespace");
	return *sk ? 0 : -EIO;
}

/* A route-netlink socket inside the network namespace of @v. */
static struct nl_sock *netns_socket(const struct semnetd_veth *v, struct sn_err *err)
{
	struct nl_sock *sk = NULL;
	char path[PATH_MAX];

	semnetd_host_in_netns(netns_of(v, path), connect_socket, &sk, err);
	return sk;
}

/*
 * The container's IPv6 nsIP and default route. Bridged: nsIP/len, on-link
 * with its neighbours, via the bridge's ::1. Routed: nsIP/128 (its veth
 * answers no neighbour solicitation but its own: everything goes through
 * the node), via fe80::1 on the veth. Idempotent; @moved: the other mode's
 * address is replaced.
 */
static int configure_container6(struct nl_sock *sk, int ifindex, const struct semnetd_veth *v,
				struct sn_err *err)
{
	struct sn_prefix6 any = { IN6ADDR_ANY_INIT, 0 };
	bool routed = !v->bridge_ifindex;
	int rc;

	if ((rc = addr_del6(sk, ifindex, &v->nsip6, routed ? v->prefix_len6 : 128, err)) < 0 ||
	    (rc = addr_add6(sk, ifindex, &v->nsip6, routed ? 128 : v->prefix_len6, err)) < 0)
		return rc;
	return route_replace6(sk, &any, ifindex, routed ? &link_gateway6 : &v->gateway6, NULL,
			      err);
}

static int configure_container(const struct semnetd_veth *v, struct sn_err *err)
{
	struct sn_prefix any = { 0, 0 };
	struct nl_sock *sk = netns_socket(v, err);
	int rc, ifindex;
	struct rtnl_link *link;

	if (!sk)
		return -EIO;
	if ((rc = rtnl_link_get_kernel(sk, 0, v->container_name, &link)) < 0) {
		rc = fail(err, rc, "%s did not arrive in the container", v->container_name);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	if ((rc = link_change(sk, "lo", 0, 0, err)) < 0 ||
	    (rc = link_change(sk, v->container_name, v->mtu, 0, err)) < 0 ||
	    (rc = addr_add(sk, ifindex, v->nsip, v->prefix_len, err)) < 0 ||
	    (rc = route_replace(sk, &any, ifindex, v->gateway, 0, err)) < 0)
		goto out;
	if (v->has6)
		rc = configure_container6(sk, ifindex, v, err);
out:
	nl_socket_free(sk);
	return rc;
}

/* rtnl_link_veth_add(), with the peer sent to the namespace file
 * v->netns instead of a pid's. A libnl error. */
static int veth_add_netns(struct semnetd_host *h, const struct semnetd_veth *v)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *peer = link ? rtnl_link_veth_get_peer(link) : NULL;
	int fd = netns_open(v->netns), rc = -NLE_NOMEM;

	if (fd < 0)
		rc = errno == ENOENT ? -NLE_OBJ_NOTFOUND : -NLE_FAILURE;
	if (fd >= 0 && peer) {
		rtnl_link_set_name(link, v->host_name);
		rtnl_link_set_name(peer, v->container_name);
		rtnl_link_set_ns_fd(peer, fd);
		rc = rtnl_link_add(h->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	/* The link holds the peer; both go with its last reference. */
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_put(link);
	if (fd >= 0)
		close(fd);
	return rc;
}

int semnetd_host_veth_add(struct semnetd_host *h, const struct semnetd_veth *v, int *host_ifindex,
			  struct sn_err *err)
{
	int rc = v->netns ? veth_add_netns(h, v) :
		 rtnl_link_veth_add(h->sk, v->host_name, v->container_name, v->pid);

	if (rc < 0) {
		if (rc == -NLE_EXIST)
			sn_err_set(err, "interface %s exists on the node or %s in the container",
				   v->host_name, v->container_name);
		else
			fail(err, rc, "cannot create the veth pair %s", v->host_name);
		return to_errno(rc);
	}
	if ((rc = link_change(h->sk, v->host_name, v->mtu, v->bridge_ifindex, err)) < 0 ||
	    (rc = configure_container(v, err)) < 0)
		goto fail;
	*host_ifindex = semnetd_host_ifindex(h, v->host_name);
	if (!v->bridge_ifindex &&
	    (rc = semnetd_host_veth_route(h, v->host_name, *host_ifindex, v->nsip, err)) < 0)
		goto fail;
	if (!v->bridge_ifindex && v->has6 &&
	    (rc = semnetd_host_veth_route6(h, v->host_name, *host_ifindex, &v->nsip6, err)) < 0)
		goto fail;
	return 0;
fail:
	/* Its route, if any, goes with it. */
	semnetd_host_veth_del(h, v->host_name);
	return rc;
}

int semnetd_host_veth_del(struct semnetd_host *h, const char *host_name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int rc;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, host_name);
	rc = rtnl_link_delete(h->sk, link);
	rtnl_link_put(link);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return 0;
	return to_errno(rc);
}

/*
 * Named network namespaces, as "ip netns add" makes them (Oakestra's
 * NetManager runs it for a unikernel, and the NodeEngine runs the
 * hypervisor with "ip netns exec NAME"): a file in NETNS_DIR with the
 * namespace bind-mounted on it, the directory a shared mount point so
 * that the mount reaches the mount namespaces copied from this one.
 *
 * They are made where the NodeEngine looks: in the mount namespace of
 * PID 1, the host's. semnetd may run in another one: systemd's sandbox
 * (ProtectSystem= and the like, daemon/systemd/semnetd.service.in) gives
 * it a copy of the host's mounts as slaves, so what it mounts there
 * never reaches the host, and /run is read-only in it. So a short-lived
 * child enters PID 1's mount namespace (setns(), which takes
 * CAP_SYS_ADMIN and CAP_SYS_CHROOT) to make and remove the mount there,
 * and semnetd opens the namespace through /proc/1/root (CAP_SYS_PTRACE,
 * as for any /proc/PID/ns). In PID 1's mount namespace the child stays
 * where it is.
 */
int semnetd_host_netns_path(const char *name, char *path, size_t size)
{
	int n = snprintf(path, size, NETNS_DIR "/%s", name);

	return n > 0 && (size_t)n < size && !strchr(name, '/') && name[0] != '.' ? 0 : -EINVAL;
}

/* The steps of the child below, for the error message. */
enum netns_step {
	STEP_ENTER, STEP_DIR, STEP_SHARED, STEP_CREATE, STEP_UNSHARE, STEP_BIND, STEP_UMOUNT,
	STEP_UNLINK,
};

static const char *const netns_steps[] = {
	[STEP_ENTER] = "enter the host's mount namespace (" HOST_MNTNS ") for",
	[STEP_DIR] = "make " NETNS_DIR " for",
	[STEP_SHARED] = "make " NETNS_DIR " a shared mount point for",
	[STEP_CREATE] = "create",
	[STEP_UNSHARE] = "make a network namespace for",
	[STEP_BIND] = "bind the new network namespace to",
	[STEP_UMOUNT] = "unmount",
	[STEP_UNLINK] = "remove",
};

/* What the child runs: system calls only (it is forked from a process
 * with threads). 0 or -errno, *step the one that failed. */
static int netns_dir_shared(enum netns_step *step)
{
	*step = STEP_DIR;
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	*step = STEP_SHARED;
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	/* Not a mount point yet: made one, bound onto itself. */
	if (errno != EINVAL || mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

static int netns_make(const char *path, enum netns_step *step)
{
	int fd, rc;

	if ((rc = netns_dir_shared(step)) < 0)
		return rc;
	*step = STEP_CREATE;
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)) < 0)
		return -errno;
	close(fd);
	/* The new namespace lives on in the mount once the child is gone. */
	*step = STEP_UNSHARE;
	if (unshare(CLONE_NEWNET) == 0) {
		*step = STEP_BIND;
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) == 0)
			return 0;
	}
	rc = -errno;
	unlink(path);
	return rc;
}

static int netns_unmake(const char *path, enum netns_step *step)
{
	/* Lazily: a hypervisor still inside keeps the namespace, not the name. */
	*step = STEP_UMOUNT;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	*step = STEP_UNLINK;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Runs @fn(@path) in a child in the host's mount namespace; its result.
 * On failure @err says which step failed and why. */
static int in_host_mntns(int (*fn)(const char *path, enum netns_step *step), const char *path,
			 struct sn_err *err)
{
	int away = away_from_host(), mnt = -1, pipefd[2] = { -1, -1 };
	int res[2] = { STEP_ENTER, 0 }, status = 0;
	ssize_t n;
	pid_t pid;

	if (away < 0) {
		sn_err_set(err, "cannot look at the host's mount namespace %s for %s: %s",
			   HOST_MNTNS, path, strerror(-away));
		return away;
	}
	if (away && (mnt = open(HOST_MNTNS, O_RDONLY | O_CLOEXEC)) < 0) {
		res[1] = -errno;
		sn_err_set(err, "cannot open %s for %s: %s", HOST_MNTNS, path, strerror(errno));
		return res[1];
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		res[1] = -errno;
		sn_err_set(err, "cannot start a process for %s: %s", path, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		enum netns_step step = STEP_ENTER;

		res[1] = mnt >= 0 && setns(mnt, CLONE_NEWNS) < 0 ? -errno : fn(path, &step);
		res[0] = step;
		_exit(write(pipefd[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	do
		n = read(pipefd[0], res, sizeof(res));
	while (n < 0 && errno == EINTR);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(res)) {
		res[1] = -EIO;
		sn_err_set(err, "the process for %s died (status %d)", path, status);
	} else if (res[1] < 0) {
		sn_err_set(err, "cannot %s %s: %s", netns_steps[res[0]], path, strerror(-res[1]));
	}
out:
	for (int i = 0; i < 2; i++)
		if (pipefd[i] >= 0)
			close(pipefd[i]);
	if (mnt >= 0)
		close(mnt);
	return res[1];
}

int semnetd_host_netns_add(const char *path, struct sn_err *err)
{
	return in_host_mntns(netns_make, path, err);
}

int semnetd_host_netns_del(const char *path, struct sn_err *err)
{
	return in_host_mntns(netns_unmake, path, err);
}

bool semnetd_host_netns_exists(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	return stat(host_view(path, buf), &st) == 0;
}

/* A persistent TAP device @name in this thread's namespace, not
 * multi-queue (qemu and crosvm attach to one queue by default). */
static int tap_add(const char *name, struct sn_err *err)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), rc = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
		rc = -errno;
		sn_err_set(err, "cannot create the TAP device %s: %s", name, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int guest_side(void *arg, struct sn_err *err)
{
	const struct semnetd_unikernel_guest *g = arg;
	struct nl_sock *sk = NULL;
	int rc, bridge;

	if ((rc = connect_socket(&sk, err)) < 0)
		return rc;
	if ((rc = rtnl_link_bridge_add(sk, g->bridge)) < 0) {
		rc = fail(err, rc, "cannot create the bridge %s", g->bridge);
		goto out;
	}
	bridge = semnetd_host_ifindex(&(struct semnetd_host){ sk }, g->bridge);
	if ((rc = addr_add(sk, bridge, g->gateway, g->prefix_len, err)) < 0 ||
	    (rc = tap_add(g->tap, err)) < 0 || (rc = link_change(sk, g->bridge, 0, 0, err)) < 0 ||
	    (rc = link_change(sk, g->tap, 0, bridge, err)) < 0)
		goto out;
	/* A new namespace takes its IPv4 forwarding from the node's first
	 * namespace, which Oakestra relies on; set here, whatever that is. */
	rc = sysctl_set("net/ipv4/ip_forward", "1", err);
out:
	nl_socket_free(sk);
	return rc;
}

int semnetd_host_unikernel_guest(const char *path, const struct semnetd_unikernel_guest *g,
				 struct sn_err *err)
{
	return semnetd_host_in_netns(path, guest_side, (void *)g, err);
}
