/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RTT state of one peer node, without sockets or clocks: probe.c feeds
 * it the probes it sends, the replies and the time, and asks what the
 * kernel should be told; the unit tests feed it directly.
 *
 * Smoothing: the first reply sets srtt; every later one moves it a quarter
 * of the way, srtt += (rtt - srtt) / 4 (TCP's alpha of 1/8 reacts too
 * slowly for failover; 1/4 still damps a single delayed reply to a fourth).
 * A node whose last down_after probes all went unanswered is down; the next
 * reply brings it up, and srtt starts afresh from that reply (the path may
 * have changed while it was away).
 *
 * Pushing: the kernel learns the first measurement, every up/down change,
 * and a cost that moved away from the one it holds by more than
 * SEMNETD_RTT_PUSH_MIN_US and SEMNETD_RTT_PUSH_PERCENT of it, so a steady
 * node costs no netlink message per probe; what the kernel holds stays
 * within that band of srtt.
 */
#ifndef SEMNETD_RTT_H
#define SEMNETD_RTT_H

#include <stdbool.h>
#include <stdint.h>
#include <uapi/linux/semnet.h>

#define SEMNETD_RTT_PENDING 16		/* probes in flight per node */
#define SEMNETD_RTT_PUSH_MIN_US 100
#define SEMNETD_RTT_PUSH_PERCENT 10

struct semnetd_rtt_params {
	uint64_t timeout_us;	/* a probe unanswered this long is lost */
	unsigned int down_after;	/* consecutive losses that mark the node down */
};

struct semnetd_rtt {
	struct {
		bool used;
		uint16_t seq;
		uint64_t sent_us;
	} pending[SEMNETD_RTT_PENDING];
	bool measured;			/* srtt_us holds a value */
	uint32_t srtt_us, last_us;
	unsigned int lost_in_row;
	bool down;
	bool pushed;			/* the kernel holds pushed_cost/pushed_down */
	uint32_t pushed_cost;
	bool pushed_down;
	uint64_t sent, replies, lost, late, pushes;
};

void semnetd_rtt_init(struct semnetd_rtt *r);

/* Probe @seq left at @now_us. With every slot in flight, the oldest
 * counts as lost first. */
void semnetd_rtt_sent(struct semnetd_rtt *r, uint16_t seq, uint64_t now_us,
		      const struct semnetd_rtt_params *p);
/* A reply to @seq arrived at @now_us: true when it answered a probe in
 * flight (the RTT is then sampled), false for a late or unknown one. */
bool semnetd_rtt_reply(struct semnetd_rtt *r, uint16_t seq, uint64_t now_us);
/* Counts probes in flight longer than the timeout as lost. */
void semnetd_rtt_expire(struct semnetd_rtt *r, uint64_t now_us,
			const struct semnetd_rtt_params *p);

/* One measured round trip (what semnetd_rtt_reply does with it). */
void semnetd_rtt_sample(struct semnetd_rtt *r, uint32_t rtt_us);
/* One lost probe (what expiry does with it). */
void semnetd_rtt_lost(struct semnetd_rtt *r, const struct semnetd_rtt_params *p);

/* The cost to give the kernel: srtt in microseconds, or
 * SEMNET_PEER_COST_UNKNOWN before the first reply. */
uint32_t semnetd_rtt_cost(const struct semnetd_rtt *r);
/* True when the kernel should be told @cost and @down now. */
bool semnetd_rtt_push_due(const struct semnetd_rtt *r, uint32_t *cost, bool *down);
/* The kernel took @cost and @down. */
void semnetd_rtt_pushed(struct semnetd_rtt *r, uint32_t cost, bool down);
/* The kernel's copy is gone (the peer was added again): push again. */
void semnetd_rtt_repush(struct semnetd_rtt *r);

/* The delay before a node's next probe: @interval_ms jittered by up to
 * 20 % either way, from a uniformly random @random, so that the probes of
 * many nodes (and of many semnetds) do not fall into step. */
uint64_t semnetd_rtt_next_ms(unsigned int interval_ms, uint32_t random);

#endif
