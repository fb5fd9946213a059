/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint discovery, the parts without I/O (daemon/LINKS.md §4; the
 * client is discover.c): which answer belongs to the running request, and
 * what the two answers say about this node's NAT.
 *
 * A run asks the cluster's discovery ports N and N + 1 from one socket,
 * whose packets leave from WireGuard's port (discover.c's snat rule). An
 * answer counts only when it comes from the cluster's address and one of
 * those two ports, carries the run's nonce, and says it was sent by the
 * port it came from; anything else is ignored (a forger off the path must
 * guess 128 bits). Classification (LINKS.md §4):
 *  - both mapped endpoints are this node's own address and WireGuard port:
 *    none (public);
 *  - both cluster ports saw the same mapping: eim (endpoint-independent);
 *  - otherwise symmetric (a mapping per destination).
 * port_preserved: both mapped ports are the local one, so a peer can
 * compute where the NAT puts this node's other WireGuard ports
 * (wg_port + slot, one device per peer) only then.
 * tests/unit/test_semnetd_discover.c.
 */
#ifndef SEMNETD_DISCOVER_MATCH_H
#define SEMNETD_DISCOVER_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "sn_ipaddr.h"
#include "sn_json.h"
#include "sn_links.h"
#include "sn_stun.h"

/* One run's request and what came back. */
struct semnetd_stun_run {
	struct sn_ipaddr cluster;	/* where the requests go */
	int port;			/* N: answers from N and N + 1 */
	char nonce[SN_STUN_NONCE_HEX];
	bool got[2];			/* [0]: port N answered, [1]: N + 1 */
	struct sn_ipaddr mapped[2];	/* the endpoint each port saw */
	int mapped_port[2];
};

/*
 * Takes the datagram @buf (@len bytes) that came from @from for @run:
 * the index of the cluster port it answers (0 or 1, *@run updated; a
 * repeat of an answer already taken is taken again, the same), or -1
 * with @err saying why it was ignored (not from the cluster, another
 * port, malformed, another nonce, a "via" that is not its source port).
 */
int semnetd_stun_take(struct semnetd_stun_run *run, const struct sockaddr *from,
		      const char *buf, size_t len, struct sn_err *err);

struct semnetd_nat_result {
	enum sn_link_nat nat;
	struct sn_ipaddr public_addr;	/* what port N saw */
	int public_port;
	bool port_preserved;
};

/* What the two answers of @run (both got) say, for this node's address
 * @local and WireGuard port @local_port (the requests' source). */
void semnetd_nat_classify(const struct semnetd_stun_run *run, const struct sn_ipaddr *local,
			  int local_port, struct semnetd_nat_result *out);

#endif
