/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnetd's encrypted node links (issue 18, daemon/LINKS.md §1a's
 * fallback): one point-to-point WireGuard device per peer node,
 * "snwg<slot>" (peer_parse.h: semnetd_wg_slot), with one WireGuard peer,
 * the other node's public key, allowed-ips 0.0.0.0/0 and ::/0, its
 * endpoint the other's underlay address at its port for us. peers.c
 * routes the node's subnets (both families) into the device and binds the
 * semnet peer to it (encap direct dev snwgN): the ingress device,
 * WireGuard's keys behind it, is the sender's proof.
 *
 * The node's key: --wg-key (0600, made on first start by
 * semnetd_wg_key_load); its public key is what the kernel derives from it,
 * read back from a device that is never up. --wg-port 0: no WireGuard,
 * no key offered, so no pair with this node is encrypted.
 */
#ifndef SEMNETD_WGLINKS_H
#define SEMNETD_WGLINKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "linkdump.h"
#include "peer_parse.h"
#include "sn_ipaddr.h"
#include "sn_json.h"
#include "wg.h"

struct semnetd;

/* A device this run made or took over. */
struct semnetd_wgdev {
	char name[SEMNETD_WG_DEV_LEN];
	int ifindex;
	int listen_port, endpoint_port, mtu, keepalive;
	uint8_t peer_key[WG_KEY_LEN];	/* the entry owning the allowed-ips */
	/* The peer node rotates its key: a second entry of its next key, no
	 * allowed-ips, until a handshake proves it in use (then it takes
	 * the allowed-ips and the old entry goes) or the registry says so. */
	bool has_next;
	uint8_t next_key[WG_KEY_LEN];
	struct sn_ipaddr addr;		/* the endpoint's address; family 0: learned */
	uint64_t pass;			/* the registry pass that set it up or found it */
	struct semnetd_wgdev *next;
	struct semnetd_wgdev *hnext;	/* in its name's bucket */
};

/* Buckets of the devices by name: a registry pass finds each in O(1). */
#define SEMNETD_WG_DEV_BUCKETS 4096

/* This node's key rotation (LINKS.md §3). */
enum semnetd_wg_rotation {
	SEMNETD_WG_ROTATE_IDLE,
	SEMNETD_WG_ROTATE_STAGED,	/* next key made, sent as link.wg_key_next */
	SEMNETD_WG_ROTATE_PUBLISHED,	/* the registry has it: switching after the grace */
};

/* How often a device with a peer's next key looks for its handshake: the
 * switch comes within seconds; a peer that staged a rotation and went
 * away is looked at less often after a minute. */
#define SEMNETD_WG_PROMOTE_POLL_MS 100
#define SEMNETD_WG_PROMOTE_SLOW_AFTER_MS 60000
#define SEMNETD_WG_PROMOTE_SLOW_POLL_MS 1000

struct semnetd_wglinks {
	bool tried;			/* the key was loaded (or failed) once */
	bool up;			/* key loaded, public key known, genl open */
	bool swept;			/* an earlier run's devices looked at */
	uint8_t public_key[WG_KEY_LEN];
	struct semnetd_wg wg;
	struct semnetd_wgdev *devs;
	struct semnetd_wgdev *by_name[SEMNETD_WG_DEV_BUCKETS];
	/* A registry pass (semnetd_wglinks_pass_begin .. _end): the host's
	 * devices from one dump, taken when the first device is ensured. */
	bool in_pass, dumped;
	uint64_t pass;			/* passes begun */
	struct semnetd_linkdump links;
	int underlay_mtu;		/* the dump's (0: not in it) */
	enum semnetd_wg_rotation rotation;
	uint8_t next_public_key[WG_KEY_LEN];
	uint64_t rotation_since;	/* uv_now() when staged */
	uint64_t rotations;		/* switches this run */
	uint64_t promotions;		/* peers' next keys moved to by handshake */
	uv_timer_t switch_timer, promote_timer;
	uint64_t promote_since;		/* uv_now() when the poll started */
};

void semnetd_wglinks_init(struct semnetd_wglinks *w, uv_loop_t *loop);
/* Closes the socket and forgets the devices (they stay: a restart takes
 * them over without a gap). */
void semnetd_wglinks_free(struct semnetd_wglinks *w);

/* WireGuard is up here: the first call loads (or makes) the key and reads
 * its public key from the kernel; a failure is logged and final for this
 * run (no key offered). False with --wg-port 0. */
bool semnetd_wglinks_up(struct semnetd *d);

/*
 * The device @pick names (kind encrypted, semnetd_link_pick) exists, is
 * up with the WireGuard MTU (the underlay's less 60 over IPv4, 80 over
 * IPv6), listens on its port and has exactly its one peer, at the
 * endpoint and with the keepalive @pick names (no endpoint: the one
 * WireGuard learned stays): its ifindex in *@ifindex. Unchanged devices
 * cost nothing but their look-up in the pass's dump (or, outside a pass,
 * one get of the device and one of the underlay). An existing peer of
 * the same key is updated in place (its session stays).
 */
int semnetd_wglinks_ensure(struct semnetd *d, const struct semnetd_link_pick *pick,
			   int *ifindex, struct sn_err *err);

/*
 * Around a registry pass (upstream.c, semnetd_peers_on_registry): inside
 * it, semnetd_wglinks_ensure reads the devices' ifindexes and the
 * underlay's MTU from one rtnetlink dump, taken by the first device the
 * pass ensures (none when no peer is encrypted), instead of two gets a
 * peer; outside it (a table answer's peer), from the kernel each time.
 */
void semnetd_wglinks_pass_begin(struct semnetd *d);
void semnetd_wglinks_pass_end(struct semnetd *d);

/*
 * After a registry pass (peers put, changed and dropped): devices no peer
 * is bound to any more go. The first time also every "snwg*" WireGuard
 * device an earlier run left that no peer wants, and every route of
 * protocol SEMNETD_RTPROT_WG that is no peer's.
 */
void semnetd_wglinks_sweep(struct semnetd *d);

/*
 * Rotates this node's key without dropping connections (LINKS.md §3):
 * makes the next key (--wg-key's path + ".next", 0600) and sends its
 * public key as link.wg_key_next; every peer adds an entry for it beside
 * the current one. SEMNETD_WG_ROTATE_GRACE_MS after the registry has it,
 * the file replaces --wg-key, every device takes the key, and link.wg_key
 * is the new one (--wg-rotate-grace-ms: every node got that registry and
 * added the entry by then, one MQTT push). 0, -EBUSY (one under way), -ENODEV (no WireGuard here),
 * or another -errno, with @err.
 */
int semnetd_wglinks_rotate(struct semnetd *d, struct sn_err *err);
/* What this node offers in its link: its public key and port, and the
 * next key during a rotation (@link's wg_* members). */
void semnetd_wglinks_link(struct semnetd *d, struct sn_link_info *link);
/* After a registry pass: this node's entry there (NULL: none), whose
 * wg_key_next starts the grace of a staged rotation. */
void semnetd_wglinks_registry_self(struct semnetd *d, const struct sn_link_info *self);
/* {state, next_key?, since_s?, rotations, promotions} for /status. */
json_t *semnetd_wglinks_rotation_json(struct semnetd *d);

/* GET /status: @peers (semnetd_peers_json's list, in d->peers' order)
 * gets "wg" for each encrypted peer: dev, listen_port, endpoint,
 * handshake_age_s (null: never), rx_bytes, tx_bytes. */
void semnetd_wglinks_status(struct semnetd *d, json_t *peers);

#endif
