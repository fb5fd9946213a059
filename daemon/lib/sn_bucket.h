/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket: at most @rate events a second, @burst at once. The
 * daemons' UDP servers (endpoint discovery, the relay) bound their work
 * with one, so that a flood of datagrams, forged sources included, costs
 * a known amount. The caller gives the time (libuv's loop time, ms).
 */
#ifndef SN_BUCKET_H
#define SN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct sn_bucket {
	unsigned int rate, burst;	/* both >= 1 */
	double tokens;
	uint64_t refilled_ms;
};

/* Full at @now_ms; a rate or burst of 0 counts as 1. */
static inline void sn_bucket_init(struct sn_bucket *b, unsigned int rate, unsigned int burst,
				  uint64_t now_ms)
{
	b->rate = rate ? rate : 1;
	b->burst = burst ? burst : 1;
	b->tokens = b->burst;
	b->refilled_ms = now_ms;
}

/* New limits; what is in the bucket stays, up to the new burst. */
static inline void sn_bucket_limit(struct sn_bucket *b, unsigned int rate, unsigned int burst)
{
	b->rate = rate ? rate : 1;
	b->burst = burst ? burst : 1;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
}

/* One more event allowed at @now_ms? Takes its token when it is. */
static inline bool sn_bucket_take(struct sn_bucket *b, uint64_t now_ms)
{
	if (now_ms > b->refilled_ms)
		b->tokens += (double)(now_ms - b->refilled_ms) * b->rate / 1000.0;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->refilled_ms = now_ms;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

#endif
