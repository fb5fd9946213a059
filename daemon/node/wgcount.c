// SPDX-License-Identifier: GPL-2.0
/* The arithmetic of refused WireGuard datagrams (wgcount.h). */
#include "wgcount.h"

void semnetd_wgcount_start(struct semnetd_wgcount *c, uint64_t counter)
{
	c->datagrams_before = c->datagrams;
	c->accepted_before = c->accepted;
	c->refused_before = c->refused;
	c->d0 = counter;
	c->d_last = counter;
	c->gone = 0;
	c->raw_prev = 0;
	c->on = true;
	c->epochs++;
}

void semnetd_wgcount_stop(struct semnetd_wgcount *c)
{
	c->on = false;
}

void semnetd_wgcount_dev_join(struct semnetd_wgcount_dev *v, uint64_t rx)
{
	v->base = rx;
	v->last = rx;
}

void semnetd_wgcount_dev_seen(struct semnetd_wgcount *c, struct semnetd_wgcount_dev *v,
			      uint64_t rx)
{
	if (rx < v->last) {
		c->gone += v->last - v->base;
		v->base = 0;
	}
	v->last = rx;
}

void semnetd_wgcount_dev_gone(struct semnetd_wgcount *c, struct semnetd_wgcount_dev *v)
{
	c->gone += v->last - v->base;
	v->base = v->last;
}

uint64_t semnetd_wgcount_dev_accepted(const struct semnetd_wgcount_dev *v)
{
	return v->last - v->base;
}

bool semnetd_wgcount_update(struct semnetd_wgcount *c, uint64_t counter, uint64_t accepted)
{
	uint64_t counted, taken, raw, sure;

	if (!c->on || counter < c->d_last)
		return false;
	c->d_last = counter;
	counted = counter - c->d0;
	taken = c->gone + accepted;
	raw = counted > taken ? counted - taken : 0;
	/* A datagram not yet decided on is in one difference at most. */
	sure = raw < c->raw_prev ? raw : c->raw_prev;
	c->raw_prev = raw;
	if (c->datagrams_before + counted > c->datagrams)
		c->datagrams = c->datagrams_before + counted;
	if (c->accepted_before + taken > c->accepted)
		c->accepted = c->accepted_before + taken;
	if (c->refused_before + sure > c->refused)
		c->refused = c->refused_before + sure;
	return true;
}
