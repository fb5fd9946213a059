// SPDX-License-Identifier: GPL-2.0
#include "rtt.h"

#include <string.h>

void semnetd_rtt_init(struct semnetd_rtt *r)
{
	memset(r, 0, sizeof(*r));
}

void semnetd_rtt_sample(struct semnetd_rtt *r, uint32_t rtt_us)
{
	r->last_us = rtt_us;
	r->lost_in_row = 0;
	if (!r->measured || r->down) {
		r->srtt_us = rtt_us;
		r->measured = true;
		r->down = false;
		return;
	}
	/* srtt += (rtt - srtt) / 4, in signed arithmetic */
	r->srtt_us = (uint32_t)((int64_t)r->srtt_us + ((int64_t)rtt_us - (int64_t)r->srtt_us) / 4);
}

void semnetd_rtt_lost(struct semnetd_rtt *r, const struct semnetd_rtt_params *p)
{
	r->lost++;
	if (r->lost_in_row < p->down_after)
		r->lost_in_row++;
	if (r->lost_in_row >= p->down_after)
		r->down = true;
}

void semnetd_rtt_sent(struct semnetd_rtt *r, uint16_t seq, uint64_t now_us,
		      const struct semnetd_rtt_params *p)
{
	size_t slot = 0;

	for (size_t i = 0; i < SEMNETD_RTT_PENDING; i++) {
		if (!r->pending[i].used) {
			slot = i;
			goto found;
		}
		if (r->pending[i].sent_us < r->pending[slot].sent_us)
			slot = i;
	}
	semnetd_rtt_lost(r, p);	/* no room: the oldest gives up its slot */
found:
	r->pending[slot].used = true;
	r->pending[slot].seq = seq;
	r->pending[slot].sent_us = now_us;
	r->sent++;
}

bool semnetd_rtt_reply(struct semnetd_rtt *r, uint16_t seq, uint64_t now_us)
{
	for (size_t i = 0; i < SEMNETD_RTT_PENDING; i++) {
		uint64_t rtt;

		if (!r->pending[i].used || r->pending[i].seq != seq)
			continue;
		r->pending[i].used = false;
		rtt = now_us > r->pending[i].sent_us ? now_us - r->pending[i].sent_us : 0;
		r->replies++;
		semnetd_rtt_sample(r, rtt > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)rtt);
		return true;
	}
	r->late++;
	return false;
}

void semnetd_rtt_expire(struct semnetd_rtt *r, uint64_t now_us,
			const struct semnetd_rtt_params *p)
{
	/* Oldest first, so the losses count in the order they were sent. */
	for (;;) {
		size_t oldest = SEMNETD_RTT_PENDING;

		for (size_t i = 0; i < SEMNETD_RTT_PENDING; i++)
			if (r->pending[i].used && (oldest == SEMNETD_RTT_PENDING ||
						   r->pending[i].sent_us < r->pending[oldest].sent_us))
				oldest = i;
		if (oldest == SEMNETD_RTT_PENDING ||
		    now_us - r->pending[oldest].sent_us < p->timeout_us)
			return;
		r->pending[oldest].used = false;
		semnetd_rtt_lost(r, p);
	}
}

uint32_t semnetd_rtt_cost(const struct semnetd_rtt *r)
{
	return r->measured ? r->srtt_us : SEMNET_PEER_COST_UNKNOWN;
}

bool semnetd_rtt_push_due(const struct semnetd_rtt *r, uint32_t *cost, bool *down)
{
	uint32_t band;

	*cost = semnetd_rtt_cost(r);
	*down = r->down;
	if (!r->pushed)	/* the first measurement, or down before any reply */
		return r->measured || r->down;
	if (r->down != r->pushed_down)
		return true;
	if (r->down || *cost == r->pushed_cost)
		return false;	/* nothing new is known of a node that is down */
	if (r->pushed_cost == SEMNET_PEER_COST_UNKNOWN)
		return true;
	band = r->pushed_cost / 100 * SEMNETD_RTT_PUSH_PERCENT;
	if (band < SEMNETD_RTT_PUSH_MIN_US)
		band = SEMNETD_RTT_PUSH_MIN_US;
	return *cost > r->pushed_cost ? *cost - r->pushed_cost > band
				      : r->pushed_cost - *cost > band;
}

void semnetd_rtt_pushed(struct semnetd_rtt *r, uint32_t cost, bool down)
{
	r->pushed = true;
	r->pushed_cost = cost;
	r->pushed_down = down;
	r->pushes++;
}

void semnetd_rtt_repush(struct semnetd_rtt *r)
{
	r->pushed = false;
}

uint64_t semnetd_rtt_next_ms(unsigned int interval_ms, uint32_t random)
{
	/* interval * (0.8 + 0.4 * random / 2^32) */
	uint64_t low = (uint64_t)interval_ms * 4 / 5, span = (uint64_t)interval_ms * 2 / 5;

	return low + (span * random >> 32);
}
