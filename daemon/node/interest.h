/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why this node keeps a service: it is queried when the kernel misses its
 * address (misses.c) or a local instance is deployed, re-queried on
 * jobs/<name>/updates_available, kept while its kernel counters move, a
 * flow still uses it or it has a local instance, and forgotten (kernel
 * entries deleted, interest/remove sent) after interest_idle_ms without
 * traffic. The interest timer reads the counters every interest_check_ms.
 */
#ifndef SEMNETD_INTEREST_H
#define SEMNETD_INTEREST_H

struct semnetd;

/* Starts the interest timer (d->interest_timer, initialised). */
void semnetd_interest_start(struct semnetd *d);
/* MQTT input: jobs/<name>/updates_available. */
void semnetd_interest_on_update(struct semnetd *d, const char *job_name);
/* One tick of the timer: reads counters, forgets idle services. */
void semnetd_interest_tick(struct semnetd *d);

#endif
