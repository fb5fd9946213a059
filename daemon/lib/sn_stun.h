/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint discovery for nodes behind NAT (issue 18, daemon/LINKS.md §4):
 * a node sends a request in one UDP datagram to semnet-cluster's discovery
 * ports; the cluster answers with the address and port the request came
 * from, as the node's NAT mapped them. Asking both ports (stun_port and
 * stun_port + 1) from one socket tells an endpoint-independent mapping
 * (the same port both times) from a symmetric one.
 *
 * The messages are JSON objects (jansson), one per datagram:
 *   request {"semnet_stun":1, "nonce":"<32 hex digits>", "pad":"..."}
 *   answer  {"semnet_stun":1, "nonce":"<the same>", "addr":"203.0.113.7",
 *            "port":40001, "via":10112}
 * The nonce is the node's: an answer that does not carry it is not for
 * this request (off-path forgeries must guess 128 bits). A request is
 * padded to SN_STUN_REQUEST_MIN bytes and the cluster never answers with
 * more bytes than it was sent, so a forged source gains an attacker no
 * amplification. Nothing here is secret: an answer tells the sender only
 * what its own packets already show.
 *
 * No I/O; the cluster's server is daemon/cluster/stun.c.
 */
#ifndef SN_STUN_H
#define SN_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sn_ipaddr.h"
#include "sn_json.h"

#define SN_STUN_NONCE_LEN 16			/* bytes */
#define SN_STUN_NONCE_HEX (2 * SN_STUN_NONCE_LEN + 1)
#define SN_STUN_REQUEST_MIN 256			/* bytes a request is padded to */
#define SN_STUN_MSG_MAX 1024			/* bytes either message may have */

/* The request for @nonce into @buf (@size >= SN_STUN_REQUEST_MIN + 1):
 * its length, or -1 when it does not fit. */
int sn_stun_request(const uint8_t nonce[SN_STUN_NONCE_LEN], char *buf, size_t size);

/* Reads a request of @len bytes: 0 with its nonce (lower-case hex), or -1
 * with @err. */
int sn_stun_request_read(const char *buf, size_t len, char nonce[SN_STUN_NONCE_HEX],
			 struct sn_err *err);

/* The answer to a request with @nonce from @from (an IPv4 or IPv6 socket
 * address; a v4-mapped IPv6 one is told as IPv4) on port @via, into @buf:
 * its length, or -1 when it does not fit or @from is of another family. */
int sn_stun_answer(const char nonce[SN_STUN_NONCE_HEX], const struct sockaddr *from, int via,
		   char *buf, size_t size);

/* Reads an answer of @len bytes to the request with @nonce: 0 with the
 * mapped address, port and the cluster port that answered, or -1 with
 * @err (malformed, or not for this nonce). */
int sn_stun_answer_read(const char *buf, size_t len, const char nonce[SN_STUN_NONCE_HEX],
			struct sn_ipaddr *addr, int *port, int *via, struct sn_err *err);

#endif
