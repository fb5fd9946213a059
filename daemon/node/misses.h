/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnet.ko's miss events (a genl multicast group, read on a socket of its
 * own): an address the kernel could not translate becomes a table query,
 * by service name when a known service holds it, else by address. A
 * missing peer is only logged: peers come from the node registry.
 */
#ifndef SEMNETD_MISSES_H
#define SEMNETD_MISSES_H

#include "kernel.h"

struct semnetd;

/* Opens d->events and polls it (once; again is a no-op). 0 or -errno. */
int semnetd_misses_start(struct semnetd *d);
/* One miss event. */
void semnetd_misses_on_miss(struct semnetd *d, const struct semnetd_miss *m);

#endif
