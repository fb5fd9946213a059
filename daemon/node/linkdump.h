/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's network devices from one rtnetlink dump (RTM_GETLINK,
 * NLM_F_DUMP, without statistics): the name, ifindex and MTU of each,
 * looked up by name in O(log n). A registry pass takes one where it would
 * otherwise ask the kernel device by device (wglinks.c: every encrypted
 * peer's device and the underlay's MTU, two gets a peer).
 */
#ifndef SEMNETD_LINKDUMP_H
#define SEMNETD_LINKDUMP_H

#include <net/if.h>
#include <stddef.h>

#include "sn_json.h"	/* struct sn_err */

struct nl_sock;

struct semnetd_linkdump_entry {
	char name[IF_NAMESIZE];
	int ifindex;
	int mtu;
};

struct semnetd_linkdump {
	struct semnetd_linkdump_entry *e;	/* sorted by name */
	size_t n, cap;
};

/* Dumps the devices of @sk's namespace into *@out (emptied first): 0, or
 * a negative errno with @err (*@out empty). A dump a concurrent change
 * interrupted is taken again (a few times). */
int semnetd_linkdump_take(struct nl_sock *sk, struct semnetd_linkdump *out, struct sn_err *err);
/* The device @name, or NULL. */
const struct semnetd_linkdump_entry *semnetd_linkdump_find(const struct semnetd_linkdump *ld,
							   const char *name);
/* The device of @ifindex, or NULL (a scan: once a dump). */
const struct semnetd_linkdump_entry *semnetd_linkdump_index(const struct semnetd_linkdump *ld,
							    int ifindex);
void semnetd_linkdump_free(struct semnetd_linkdump *ld);

#endif
