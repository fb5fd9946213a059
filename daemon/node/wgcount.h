/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datagrams WireGuard refused on this node's encrypted links: the
 * arithmetic (wgrefused.c does the reading). WireGuard counts no datagram
 * it refuses (a bad MAC, a replayed or too old nonce, an unknown receiver
 * index, a handshake under load without a cookie, garbage), but each
 * device's rx_packets counts every one it takes (handshake initiations
 * and responses, data messages, keepalives: update_rx_stats in
 * drivers/net/wireguard/receive.c). So an nftables counter of the UDP
 * datagrams reaching the devices' listening ports, less the sum of their
 * rx_packets, is what they refused.
 *
 * An epoch is one life of the nft counter: it starts when semnetd makes
 * the table (at 0) or finds it made again (at what it reads then), every
 * device's rx_packets then its base. Devices join (base: their
 * rx_packets then, read before their port is counted) and go (their
 * count so far kept in @gone) within it. Every total is monotonic across
 * epochs, device churn and counter resets: an epoch's end adds what it
 * counted to the totals before it.
 *
 * Reads: the counter first, then the devices. A datagram counted and
 * taken between the two reads makes the difference smaller, never larger
 * (made up at the next read); a negative difference is 0. A datagram the
 * counter has and WireGuard has not yet decided on (in its queues at the
 * read) would make it larger: so the refused total only moves up to the
 * smaller of the last two reads' differences, which such a datagram
 * leaves once decided. At rest, two reads give the exact number.
 */
#ifndef SEMNETD_WGCOUNT_H
#define SEMNETD_WGCOUNT_H

#include <stdbool.h>
#include <stdint.h>

/* One device's accepted datagrams (rx_packets) in the current epoch. */
struct semnetd_wgcount_dev {
	uint64_t base;		/* rx_packets when it joined */
	uint64_t last;		/* at the last read */
};

struct semnetd_wgcount {
	bool on;		/* an epoch runs: the counter is there */
	uint64_t d0, d_last;	/* the nft counter at the epoch's start, last read */
	uint64_t gone;		/* accepted by devices gone in this epoch */
	uint64_t raw_prev;	/* counted less accepted, at the last read (>= 0) */
	/* Reported, monotonic: datagrams counted, accepted, refused. */
	uint64_t datagrams, accepted, refused;
	/* The same, before this epoch. */
	uint64_t datagrams_before, accepted_before, refused_before;
	uint64_t epochs;	/* epochs started (the first included) */
};

/* A new epoch at the counter's @counter (0 for a table just made): what
 * the last one reported stays in the totals. Devices join it afresh. */
void semnetd_wgcount_start(struct semnetd_wgcount *c, uint64_t counter);
/* The counter cannot be read any more: the totals stay, nothing moves
 * until an epoch starts again. */
void semnetd_wgcount_stop(struct semnetd_wgcount *c);

/* A device joins with @rx its rx_packets now (0: made since the epoch
 * started, after its port was counted). */
void semnetd_wgcount_dev_join(struct semnetd_wgcount_dev *v, uint64_t rx);
/* Its rx_packets read now. Less than before: another device under the
 * same entry (made again), its count from 0: the old one's is kept. */
void semnetd_wgcount_dev_seen(struct semnetd_wgcount *c, struct semnetd_wgcount_dev *v,
			      uint64_t rx);
/* The device goes (after a last semnetd_wgcount_dev_seen): its count is
 * kept in the epoch's. */
void semnetd_wgcount_dev_gone(struct semnetd_wgcount *c, struct semnetd_wgcount_dev *v);
/* What it accepted in this epoch. */
uint64_t semnetd_wgcount_dev_accepted(const struct semnetd_wgcount_dev *v);

/*
 * The counter read (@counter), then every device seen: @accepted is the
 * sum of their semnetd_wgcount_dev_accepted. Updates the totals. False,
 * and nothing changed, when the counter went back (its table was made
 * again): the caller starts an epoch at @counter, its devices afresh.
 */
bool semnetd_wgcount_update(struct semnetd_wgcount *c, uint64_t counter, uint64_t accepted);

#endif
