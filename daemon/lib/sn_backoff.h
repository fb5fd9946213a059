/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A retry delay that doubles after each use up to a ceiling, and starts
 * over after a success: the MQTT reconnect, semnet-cluster's registration
 * and every call of an outbox (sn_outbox.h) wait this way.
 */
#ifndef SN_BACKOFF_H
#define SN_BACKOFF_H

struct sn_backoff {
	int first_ms, max_ms, next_ms;
};

static inline void sn_backoff_init(struct sn_backoff *b, int first_ms, int max_ms)
{
	b->first_ms = first_ms;
	b->max_ms = max_ms;
	b->next_ms = first_ms;
}

/* The delay to wait now; the next one is twice as long (at most max_ms). */
static inline int sn_backoff_next(struct sn_backoff *b)
{
	int now = b->next_ms;

	/* Compared before doubling: no overflow whatever the ceiling. */
	b->next_ms = now > b->max_ms / 2 ? b->max_ms : now * 2;
	return now;
}

/* After a success: the next delay is first_ms again. */
static inline void sn_backoff_reset(struct sn_backoff *b)
{
	b->next_ms = b->first_ms;
}

#endif /* SN_BACKOFF_H */
