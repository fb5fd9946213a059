/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_DEVICE_H
#define _SEMNET_DEVICE_H

#include <linux/netdevice.h>
#include <net/gro_cells.h>
#include <linux/ipv6.h>

/* Outer IPv4 + UDP + GRE with key: what the tunnel adds to a packet. */
#define SEMNET_GRE_HLEN		8
#define SEMNET_TUNNEL_OVERHEAD	(sizeof(struct iphdr) + sizeof(struct udphdr) + \
				 SEMNET_GRE_HLEN)
/* Outer IPv4 + UDP: what ipudp adds (the MTU leaves room for GRE anyway). */
#define SEMNET_IPUDP_OVERHEAD	(sizeof(struct iphdr) + sizeof(struct udphdr))
/* Over an IPv6 underlay, the outer header is 20 bytes longer. */
#define SEMNET_OUTER6_EXTRA	(sizeof(struct ipv6hdr) - sizeof(struct iphdr))

/* The semnet0 tunnel device of a namespace (its netdev_priv). */
struct semnet_net;

struct semnet_device {
	struct net_device *dev;
	struct net *net;
	struct semnet_net *sn;		/* @net's semnet state */
	/* While up: the GRE-in-UDP and ipudp sockets, IPv4 and IPv6. */
	struct socket __rcu *sock;
	struct socket __rcu *ipudp_sock;
	/* NULL where IPv6 is off (then peers over IPv6 are unreachable) */
	struct socket __rcu *sock6;
	struct socket __rcu *ipudp_sock6;
	struct gro_cells gro_cells;
};

int semnet_device_init(void);
void semnet_device_exit(void);

#endif /* _SEMNET_DEVICE_H */
