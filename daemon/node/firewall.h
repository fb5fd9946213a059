/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nftables through libnftables: accept rules for semnet's interfaces in a
 * drop-policy forward chain (Docker's DOCKER-USER, else the FORWARD chain
 * of "table ip filter", which is where iptables-nft puts them), and the
 * port mappings of containers (host port -> nsIP:port DNAT) as elements of
 * one map per family in semnetd's own "table ip semnet" and "table ip6
 * semnet".
 */
#ifndef SEMNETD_FIREWALL_H
#define SEMNETD_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_parse.h"
#include "sn_ipaddr.h"
#include "sn_json.h"

struct nft_ctx;

/* libnftables' functions, found by dlsym() (firewall.c says why). */
struct semnetd_nft_api {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*output)(struct nft_ctx *ctx);
	const char *(*error)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *ctx, const char *buf);
};

struct semnetd_fw {
	bool available;		/* semnetd_fw_open() loaded libnftables */
	void *lib;		/* during a change: the library, */
	struct nft_ctx *nft;	/* and a context */
	struct semnetd_nft_api api;
};

/* Whether nftables can be used (libnftables loads, a context is made);
 * nothing stays loaded. 0 or a negative errno. */
int semnetd_fw_open(struct semnetd_fw *fw);
void semnetd_fw_close(struct semnetd_fw *fw);
/* Inserts "iifname/oifname @bridge and semnet0 accept" once into the
 * forward chain that drops, if there is one. */
int semnetd_fw_accept(struct semnetd_fw *fw, const char *bridge, struct sn_err *err);
/* (Re)creates tables ip semnet and ip6 semnet with empty port maps. */
int semnetd_fw_portmap_init(struct semnetd_fw *fw, struct sn_err *err);
/* Adds all of @maps towards @nsip, and @nsip6 when given (IPv6 traffic to
 * the node's addresses, as Oakestra's NetManager maps a container's ports
 * for both of its addresses), or none (-EEXIST when a host port is mapped
 * already). */
int semnetd_fw_ports_add(struct semnetd_fw *fw, uint32_t nsip, const struct in6_addr *nsip6,
			 const struct semnetd_port_map *maps, size_t n, struct sn_err *err);
int semnetd_fw_ports_del(struct semnetd_fw *fw, const struct semnetd_port_map *maps, size_t n);
/*
 * In the calling thread's network namespace (a unikernel's): traffic out
 * of @ifname gets the source @nsip, traffic in by it the destination
 * @guest, Oakestra's pair of rules (env/UnikernelNetDeployment.go), in
 * table ip semnet-unikernel.
 */
int semnetd_fw_unikernel_nat(struct semnetd_fw *fw, const char *ifname, uint32_t nsip,
			     uint32_t guest, struct sn_err *err);

/*
 * Endpoint discovery (daemon/LINKS.md §4, discover.c): in semnetd's own
 * table inet semnet-discovery, a postrouting nat rule "<family> daddr
 * @cluster udp dport {@port, @port + 1} udp sport @sport snat to
 * @local:@to_port", so the requests of discovery's socket leave from
 * WireGuard's port, the mapping peers will use; conntrack undoes it for
 * the answers; and an input rule dropping what comes to @sport other than
 * replies ("ct direction original", counted): a datagram from the
 * cluster's address that made a conntrack entry towards the socket would
 * turn the next request into its reply, which leaves unrewritten.
 * Replaces the table whole. Needs nft's nat (nf_nat,
 * nf_conntrack): without, -EIO and @err carries nft's message.
 */
int semnetd_fw_discovery_set(struct semnetd_fw *fw, const struct sn_ipaddr *cluster, int port,
			     int sport, const struct sn_ipaddr *local, int to_port,
			     struct sn_err *err);
/* Deletes table inet semnet-discovery: 1 when there was one, 0 when
 * not, -EIO when nftables cannot be used. */
int semnetd_fw_discovery_clear(struct semnetd_fw *fw);

/*
 * The datagrams reaching this node's WireGuard devices (wgcount.h,
 * wgrefused.c): semnetd's own table inet semnet-wg, a set "ports" of
 * their listening ports and, in an input chain of the last priority
 * (2147483647: what an earlier chain drops never reached WireGuard), "udp
 * dport @ports counter name datagrams". Input sees a datagram once, after
 * reassembly, both families, whichever local address it is for.
 * semnetd_fw_wg_init replaces the table whole (an earlier run's, or one
 * changed by hand) with the set @ports (each > 0, taken once) and the
 * counter at 0; semnetd_fw_wg_ports replaces the set in one transaction;
 * semnetd_fw_wg_read reads the counter's packets. -EIO with nft's message
 * in @err when the table is not there.
 */
int semnetd_fw_wg_init(struct semnetd_fw *fw, const int *ports, size_t n, struct sn_err *err);
int semnetd_fw_wg_ports(struct semnetd_fw *fw, const int *ports, size_t n, struct sn_err *err);
int semnetd_fw_wg_read(struct semnetd_fw *fw, uint64_t *packets, struct sn_err *err);
/* Deletes table inet semnet-wg: 1 when there was one, 0 when not. */
int semnetd_fw_wg_clear(struct semnetd_fw *fw);

#endif
