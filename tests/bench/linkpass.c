// SPDX-License-Identifier: GPL-2.0
/*
 * semnet-linkpass: what one registry pass of semnetd asks the kernel about
 * its encrypted peers' WireGuard devices, timed. Not installed; run as
 * root in a namespace of its own (it makes devices), in the VM:
 *
 *   unshare -n semnet-linkpass KIND N...
 *
 * For each N: N devices snwg0 .. snwgN-1 of KIND (wireguard, or dummy
 * where N WireGuard devices would not fit: the kernel answers a get or a
 * dump of either alike), then a pass both ways: before, what
 * wglinks.c's semnetd_wglinks_ensure asked for each peer (the device's
 * ifindex by a get, the underlay's MTU by its name and a get), and after,
 * one dump (linkdump.c) and N look-ups in it. Prints a table row each,
 * the ifindexes checked equal; exit 1 on an error.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "../../daemon/node/linkdump.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int get_ifindex(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int ifindex;

	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0)
		return 0;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

static int get_mtu(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int mtu;

	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0)
		return -1;
	mtu = (int)rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return mtu;
}

/* Devices snwg@from .. snwg@to-1 of @kind. */
static int make(struct nl_sock *sk, const char *kind, unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to; i++) {
		struct rtnl_link *link = rtnl_link_alloc();
		char name[IF_NAMESIZE];
		int rc;

		if (!link)
			return -ENOMEM;
		snprintf(name, sizeof(name), "snwg%u", i);
		rtnl_link_set_name(link, name);
		rtnl_link_set_type(link, kind);
		rc = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(link);
		if (rc < 0) {
			fprintf(stderr, "semnet-linkpass: %s (%s): %s\n", name, kind, nl_geterror(rc));
			return -EIO;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_sock *sk = nl_socket_alloc();
	unsigned int have = 0;
	int lo = (int)if_nametoindex("lo");

	if (argc < 3) {
		fprintf(stderr, "usage: semnet-linkpass KIND N...\n");
		return 2;
	}
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		fprintf(stderr, "semnet-linkpass: no rtnetlink socket\n");
		return 1;
	}
	printf("| devices | kind | before: 2 gets a peer (ms) | after: 1 dump (ms) | dump entries |\n");
	printf("|---|---|---|---|---|\n");
	for (int a = 2; a < argc; a++) {
		unsigned int n = (unsigned int)strtoul(argv[a], NULL, 10);
		struct semnetd_linkdump ld = { 0 };
		const struct semnetd_linkdump_entry *u;
		int *want = calloc(n ? n : 1, sizeof(*want));
		double t0, before, after;
		char dev[IF_NAMESIZE];
		struct sn_err err;
		long bad = 0;

		if (!want || (n > have && make(sk, argv[1], have, n) < 0))
			return 1;
		have = n > have ? n : have;
		t0 = now_ms();
		for (unsigned int i = 0; i < n; i++) {
			char name[IF_NAMESIZE];

			snprintf(name, sizeof(name), "snwg%u", i);
			want[i] = get_ifindex(sk, name);
			if (!if_indextoname((unsigned int)lo, dev) || get_mtu(sk, dev) <= 0)
				bad++;
		}
		before = now_ms() - t0;
		t0 = now_ms();
		if (semnetd_linkdump_take(sk, &ld, &err) < 0) {
			fprintf(stderr, "semnet-linkpass: %s\n", err.msg);
			return 1;
		}
		u = semnetd_linkdump_index(&ld, lo);
		for (unsigned int i = 0; i < n; i++) {
			const struct semnetd_linkdump_entry *e;
			char name[IF_NAMESIZE];

			snprintf(name, sizeof(name), "snwg%u", i);
			e = semnetd_linkdump_find(&ld, name);
			bad += !e || !want[i] || e->ifindex != want[i] || !u || u->mtu <= 0;
		}
		after = now_ms() - t0;
		printf("| %u | %s | %.1f | %.1f | %zu |\n", n, argv[1], before, after, ld.n);
		semnetd_linkdump_free(&ld);
		free(want);
		if (bad) {
			fprintf(stderr, "semnet-linkpass: %ld device(s) answered differently\n", bad);
			return 1;
		}
	}
	nl_socket_free(sk);
	return 0;
}
