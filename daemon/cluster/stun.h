/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnet-cluster's endpoint-discovery server (issue 18, daemon/LINKS.md §4;
 * the messages: daemon/lib/sn_stun.h): two UDP sockets on consecutive
 * ports, each answering a request with the address and port it came from.
 * Bounded: one token bucket for all answers (a flood of requests, forged
 * sources included, costs at most SN_STUN_RATE answers a second, never
 * more bytes than were sent), and no state per sender.
 */
#ifndef SN_CLUSTER_STUN_H
#define SN_CLUSTER_STUN_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "sn_json.h"

#define SN_STUN_RATE 200	/* answers a second, */
#define SN_STUN_BURST 400	/* and at most this many at once */

struct sn_stun_stats {
	uint64_t answered;
	uint64_t malformed;	/* not a request */
	uint64_t short_requests;	/* shorter than the answer would be */
	uint64_t limited;	/* over the rate */
	uint64_t send_failed;
};

struct sn_stun;

struct sn_stun *sn_stun_new(uv_loop_t *loop);
/*
 * Listens on @addr (IPv4 or IPv6 text; "::" takes both families) ports
 * @port and @port + 1. @port 0: two consecutive free ones (tests). 0, or
 * -1 with @err; sn_stun_port() then says the first.
 */
int sn_stun_listen(struct sn_stun *s, const char *addr, int port, struct sn_err *err);
int sn_stun_port(const struct sn_stun *s);
const struct sn_stun_stats *sn_stun_stats(const struct sn_stun *s);
/* {port, answered, malformed, short, limited, send_failed}. */
json_t *sn_stun_json(const struct sn_stun *s);
/* Closes the sockets; the memory goes once the loop has run their close. */
void sn_stun_free(struct sn_stun *s);

#endif
