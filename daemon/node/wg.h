/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WireGuard for encrypted node links (issue 18, daemon/LINKS.md §3
 * "Keys"): the device over rtnl (kind "wireguard"), its configuration over
 * WireGuard's generic-netlink family "wireguard" (uapi linux/wireguard.h)
 * with libnl, and the node's private key in a 0600 file. No crypto of
 * our own: the kernel clamps the private key and derives the public one.
 *
 * The private key is never logged and never leaves the node: it goes from
 * the file to the kernel, and our buffers holding it are wiped (every
 * request before it is freed, sent or not; the key in a WG_CMD_GET_DEVICE
 * reply in libnl's message copy; libnl frees its own receive buffer
 * unwiped).
 *
 * Input is checked before anything is sent, so bad input changes nothing;
 * every failure leaves a sentence in @err naming the device and the cause.
 * semnetd's encrypted links use it (wglinks.h); tests/unit/test_semnetd_wg.c
 * and, against a real kernel, tests/e2e/links_wg.sh.
 */
#ifndef SEMNETD_WG_H
#define SEMNETD_WG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/wireguard.h>

#include "sn_json.h"
#include "sn_links.h"

struct semnetd_wg_allowed {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint8_t cidr;			/* 0..32 or 0..128, host bits zero */
};

struct semnetd_wg_peer {
	uint8_t public_key[WG_KEY_LEN];
	uint32_t flags;			/* WGPEER_F_REMOVE_ME, WGPEER_F_REPLACE_ALLOWEDIPS */
	/* Endpoint: family 0 for none (set: unchanged). */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} endpoint;
	int keepalive;			/* seconds, 0 off; set: -1 unchanged */
	struct semnetd_wg_allowed *allowed;
	size_t n_allowed;
	/* Read back only. */
	int64_t handshake_sec;		/* last handshake (CLOCK_REALTIME), 0 never */
	int64_t handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
};

struct semnetd_wg_device {
	char ifname[IF_NAMESIZE];
	int ifindex;			/* read back */
	/* Set: the key to give the device (has_private_key); never read back. */
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];
	bool has_public_key;		/* read back */
	uint8_t public_key[WG_KEY_LEN];
	int listen_port;		/* set: -1 unchanged, 0 random */
	uint32_t flags;			/* set: WGDEVICE_F_REPLACE_PEERS */
	struct semnetd_wg_peer *peers;
	size_t n_peers;
};

struct nl_sock;

struct semnetd_wg {
	struct nl_sock *sock;
	int family;
	/* Largest request, bytes; a peer list that does not fit goes over
	 * several messages (uapi wireguard.h). Tests make it small. */
	size_t msg_size;
	/* Requests sent by the last semnetd_wg_set (tests read it). */
	unsigned int last_set_msgs;
	/* Reads the last semnetd_wg_get made: more than 1 when a change
	 * interrupted its dump (tests read it). */
	unsigned int last_get_tries;
	/* Tests: called once per semnetd_wg_get, after its first reply
	 * message, so that a change lands in the middle of the dump. */
	void (*mid_dump)(void *arg);
	void *mid_dump_arg;
};

/* Opens a generic-netlink socket and resolves family "wireguard". After
 * a request that failed, semnetd_wg_set and semnetd_wg_get replace the
 * socket, so that replies left unread cannot reach the next request (if
 * no new one can be had, the next request fails -ENOTCONN). */
int semnetd_wg_open(struct semnetd_wg *wg, struct sn_err *err);
void semnetd_wg_close(struct semnetd_wg *wg);

/* Creates the WireGuard device @ifname (rtnl, kind "wireguard"); an
 * existing one of that kind is kept. Its ifindex in *@ifindex. */
int semnetd_wg_link_add(const char *ifname, int *ifindex, struct sn_err *err);

/*
 * WG_CMD_SET_DEVICE for @dev: its private key and listen port when given,
 * then its peers, over as many messages as they need (the device's flags
 * and each peer's flags only in a peer's first). Every field is checked
 * first; -EINVAL with @err and nothing sent when one is wrong.
 */
int semnetd_wg_set(struct semnetd_wg *wg, const struct semnetd_wg_device *dev,
		   struct sn_err *err);

/*
 * WG_CMD_GET_DEVICE of @ifname into *@out (a peer split over messages
 * coalesced). The private key is not kept. A dump a concurrent change
 * interrupted (its parts may mix two states of the device) is read again,
 * SEMNETD_WG_GET_TRIES times in all. semnetd_wg_device_free() releases
 * the peers.
 */
#define SEMNETD_WG_GET_TRIES 4
int semnetd_wg_get(struct semnetd_wg *wg, const char *ifname, struct semnetd_wg_device *out,
		   struct sn_err *err);
void semnetd_wg_device_free(struct semnetd_wg_device *dev);

/*
 * The node's private key from @path: a file of exactly WG_KEY_LEN bytes,
 * a regular file owned by us and not readable by group or others. When
 * there is none, WG_KEY_LEN bytes of getrandom() are written to a new
 * mode 0600 file beside it (@path.XXXXXX), synced, and linked to @path,
 * whose directory is synced then; *@created is set. @path never names a
 * key that is not complete: of loaders racing on a missing key one makes
 * it and the others read it. A file of another size or mode is refused,
 * never overwritten.
 */
int semnetd_wg_key_load(const char *path, uint8_t key[WG_KEY_LEN], bool *created,
			struct sn_err *err);
/* The key file @from (a key semnetd_wg_key_load made) becomes @path in
 * one rename(), the directory synced: @path names the old key or the new
 * one, never neither. */
int semnetd_wg_key_replace(const char *from, const char *path, struct sn_err *err);

/* Keys as base64 text: sn_link_key_to_base64, sn_link_key_from_base64
 * (sn_links.h), which the registry uses too. */

#endif
