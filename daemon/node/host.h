/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's host networking over rtnetlink (libnl-route): the container
 * bridge, the semnet0 tunnel, routes and sysctls, the underlay address,
 * and container veths (one end on the bridge, the other moved into the
 * container's network namespace and configured there). Each call is a few
 * synchronous netlink round trips to the local kernel. Errors: a negative
 * errno and a message in @err.
 */
#ifndef SEMNETD_HOST_H
#define SEMNETD_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_ipaddr.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_json.h"
#include "sn_links.h"

struct nl_sock;

struct semnetd_host {
	struct nl_sock *sk;
};

int semnetd_host_open(struct semnetd_host *h);
void semnetd_host_close(struct semnetd_host *h);

/* ifindex of @name, 0 when there is none. */
int semnetd_host_ifindex(struct semnetd_host *h, const char *name);
/* The MTU of @name, or -ENODEV. */
int semnetd_host_mtu(struct semnetd_host *h, const char *name);

/* The bridge with @gateway/@subnet.len, up, its link address pinned (the
 * ports' coming and going never changes it), forwarding on, redirects off.
 * Idempotent. Sets *ifindex. */
int semnetd_host_bridge(struct semnetd_host *h, const char *bridge, const struct sn_prefix *subnet,
			uint32_t gateway, int *ifindex, struct sn_err *err);
/* A routed node: no bridge; @gateway/32 on the dummy device semnet-gw
 * (the containers' ARP for it is answered because it is local), forwarding
 * on, redirects off. Idempotent. */
int semnetd_host_routed(struct semnetd_host *h, uint32_t gateway, struct sn_err *err);
/* A routed container's host-side veth @name (@ifindex): up with proxy ARP
 * (its container reaches neighbours of its subnet through the node) and
 * the route @nsip/32 to it. Idempotent. */
int semnetd_host_veth_route(struct semnetd_host *h, const char *name, int ifindex, uint32_t nsip,
			    struct sn_err *err);
/*
 * IPv6 beside IPv4, once the node has an IPv6 subnet. forwarding6: IPv6
 * forwarding on (accept_ra 2 on @underlay_dev first when given, so that
 * its router advertisements still count). bridge6: @gateway/@subnet.len
 * on the bridge (made by semnetd_host_bridge). routed6: @gateway/128 on
 * semnet-gw (made by semnetd_host_routed). veth_route6: a routed
 * container's veth holds fe80::1/64, its gateway, and the route
 * @nsip6/128 leads to it. tunnel6: the route to @platform into semnet0
 * from @gateway. Each idempotent; every address without DAD.
 */
int semnetd_host_forwarding6(const char *underlay_dev, struct sn_err *err);
int semnetd_host_bridge6(struct semnetd_host *h, const char *bridge,
			 const struct sn_prefix6 *subnet, const struct in6_addr *gateway,
			 struct sn_err *err);
int semnetd_host_routed6(struct semnetd_host *h, const struct in6_addr *gateway,
			 struct sn_err *err);
int semnetd_host_veth_route6(struct semnetd_host *h, const char *name, int ifindex,
			     const struct in6_addr *nsip6, struct sn_err *err);
int semnetd_host_tunnel6(struct semnetd_host *h, const struct sn_prefix6 *platform,
			 const struct in6_addr *gateway, struct sn_err *err);

/*
 * The node forgets the link address of @addr on @ifindex (the bridge): an
 * IPv6 nsIP is handed out again at once (leases.h), and the entry of the
 * container that had it would send its successor's traffic to a MAC that
 * is gone until neighbour discovery gives up on it (tens of seconds). 0
 * also when there is none.
 */
int semnetd_host_forget6(struct semnetd_host *h, int ifindex, const struct in6_addr *addr);

/* semnet0, up, its MTU lowered to @max_mtu when larger (0: as it is),
 * and the route to @platform through it from @gateway. Idempotent. Sets
 * *mtu to the tunnel's MTU. */
int semnetd_host_tunnel(struct semnetd_host *h, const struct sn_prefix *platform, uint32_t gateway,
			int max_mtu, int *mtu, struct sn_err *err);

/* What semnet0 adds to a packet over an IPv6 underlay: outer IPv6 (40),
 * UDP (8), GRE with its key (8); over IPv4, 20 bytes less. */
#define SEMNETD_OUTER6_OVERHEAD 56

/* This node's underlay: its address, of either family, the device
 * that holds it (0: none here, e.g. a NAT's public address given) and
 * the address's on-link prefix there (none without the device): the
 * `underlay_prefix` of its `link` (issue 18), which decides `direct`. */
struct semnetd_underlay {
	struct sn_ipaddr addr;
	int ifindex;
	struct sn_link_prefix prefix;
};

/*
 * Finds the underlay address (nothing is dialled): on @dev, or when @dev
 * is "" on the device of the IPv4 default route, else of the IPv6 one;
 * there its first global IPv4 address, else its first global IPv6 one
 * (stable: no temporary or deprecated address). @family AF_INET or
 * AF_INET6 looks for that family only (routes and addresses), 0 for both.
 */
int semnetd_host_underlay(struct semnetd_host *h, const char *dev, int family,
			  struct semnetd_underlay *u, struct sn_err *err);
/* The underlay @addr given: the device that holds it, if one does. */
int semnetd_host_underlay_of(struct semnetd_host *h, const struct sn_ipaddr *addr,
			     struct semnetd_underlay *u);

/*
 * Direct node links (issue 18, daemon/LINKS.md §1b): the route to a peer
 * node's @subnet via its underlay address @via (the same family) out of
 * @ifindex, the underlay device, in the main table with the protocol
 * SEMNETD_RTPROT_DIRECT ("proto 150" in `ip route`), replacing one; more
 * specific than the platform route into semnet0. _del removes it (0 also
 * when it is gone); _flush removes every route of that protocol (what a
 * run before this one left) and returns how many.
 */
#define SEMNETD_RTPROT_DIRECT 150
int semnetd_host_direct_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      const struct sn_ipaddr *via, int ifindex, struct sn_err *err);
int semnetd_host_direct_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
				  int ifindex, struct sn_err *err);
int semnetd_host_direct_routes_flush(struct semnetd_host *h, struct sn_err *err);

/*
 * Encrypted node links (issue 18, LINKS.md §1a's fallback): a peer node's
 * @subnet (either family) into its WireGuard device @ifindex, on-link, in
 * the main table with the protocol SEMNETD_RTPROT_WG ("proto 151"),
 * replacing any route to it (a direct one too). Not flushed at setup: a
 * restart keeps the subnet in the device, never in semnet0 (cleartext),
 * and what the first registry does not want goes then (_sweep: every
 * route of that protocol @keep says no to; how many went).
 */
#define SEMNETD_RTPROT_WG 151
int semnetd_host_wg_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			  int ifindex, struct sn_err *err);
int semnetd_host_wg_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      int ifindex, struct sn_err *err);
int semnetd_host_wg_routes_sweep(struct semnetd_host *h,
				 bool (*keep)(void *arg, const struct sn_link_prefix *dst, int ifindex),
				 void *arg, struct sn_err *err);

/* 0 when @pid exists in another network namespace than ours; -ESRCH,
 * -EINVAL (our own namespace) with a message otherwise. */
int semnetd_host_check_pid(int pid, struct sn_err *err);

struct semnetd_veth {
	const char *host_name;		/* on the bridge, or routed */
	const char *container_name;	/* inside the container */
	int pid;
	const char *netns;		/* a named namespace's file instead of @pid's */
	uint32_t nsip;
	unsigned int prefix_len;
	uint32_t gateway;
	int mtu;
	int bridge_ifindex;		/* 0: routed (semnetd_host_veth_route) */
	/* IPv6 too: @nsip6 (bridged: /prefix_len6 via @gateway6, the
	 * bridge's ::1; routed: /128 via fe80::1 on the veth). */
	bool has6;
	struct in6_addr nsip6;
	unsigned int prefix_len6;
	struct in6_addr gateway6;
};

/* Creates and configures the pair; on failure nothing is left behind.
 * Sets *host_ifindex. -EEXIST when a name is taken. */
int semnetd_host_veth_add(struct semnetd_host *h, const struct semnetd_veth *v, int *host_ifindex,
			  struct sn_err *err);
/*
 * The existing pair of @v (its host end @ifindex) the way this node
 * attaches containers now, whatever mode a run before this one left it in:
 * bridged (v->bridge_ifindex) a port of that bridge, without the routed
 * /32 and proxy ARP; routed (0) on no bridge, with them
 * (semnetd_host_veth_route). *@moved: its bridge had to change; then the
 * container (v->pid) also forgets its gateway's link address, which was
 * the bridge's or the veth's.
 */
int semnetd_host_port_mode(struct semnetd_host *h, const struct semnetd_veth *v, int ifindex,
			   bool *moved, struct sn_err *err);
/* Removes the pair (both ends go); 0 also when it is already gone. */
int semnetd_host_veth_del(struct semnetd_host *h, const char *host_name);

/*
 * Named network namespaces, as "ip netns add NAME" makes them (a
 * unikernel's, which the orchestrator runs its hypervisor in):
 * netns_path: /run/netns/NAME, -EINVAL for a name that is no file name.
 * netns_add: creates it, -EEXIST when the name is taken. netns_del:
 * removes the name (the namespace goes once nothing is inside); 0 also
 * when it is gone. Both act in the host's mount namespace (PID 1's),
 * where the orchestrator looks, also when semnetd runs in another one
 * (systemd's sandbox). netns_exists: the name is there. in_netns: runs
 * @fn inside the namespace @path (this thread only) and returns its
 * result.
 */
int semnetd_host_netns_path(const char *name, char *path, size_t size);
int semnetd_host_netns_add(const char *path, struct sn_err *err);
int semnetd_host_netns_del(const char *path, struct sn_err *err);
bool semnetd_host_netns_exists(const char *path);
int semnetd_host_in_netns(const char *path, int (*fn)(void *arg, struct sn_err *err), void *arg,
			  struct sn_err *err);

/* What a unikernel's namespace holds besides its veth (Oakestra's layout,
 * env/UnikernelNetDeployment.go): @bridge with @gateway/@prefix_len, the
 * TAP device @tap on it, both up, IPv4 forwarding on. */
struct semnetd_unikernel_guest {
	const char *bridge;
	const char *tap;
	uint32_t gateway;
	unsigned int prefix_len;
};

int semnetd_host_unikernel_guest(const char *path, const struct semnetd_unikernel_guest *g,
				 struct sn_err *err);

#endif
