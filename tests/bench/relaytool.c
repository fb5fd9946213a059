// SPDX-License-Identifier: GPL-2.0
/*
 * semnet-relaytest: daemon/node/relay.c as a command line, for the relay
 * row of tests/bench/overlay.sh (a relay node between two WireGuard
 * devices, without a cluster). Not installed. Errors: relay.c's sentence
 * on stderr, exit 1; usage: exit 2.
 *
 *   semnet-relaytest [--rate N] ADDR BASE MEMBER-ADDR:SLOT...
 *
 * Listens on ADDR port BASE + SLOT for each member and forwards as
 * semnetd --relay does, until SIGINT or SIGTERM; then prints its
 * counters (relay.h: semnetd_relay_json) as one JSON line, and on SIGUSR1
 * too, going on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../daemon/node/relay.h"

static int usage(void)
{
	fprintf(stderr, "usage: semnet-relaytest [--rate N] ADDR BASE MEMBER-ADDR:SLOT...\n");
	return 2;
}

static void print_stats(const struct semnetd_relay *relay)
{
	json_t *stats = semnetd_relay_json(relay);

	if (stats) {
		json_dumpf(stats, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		json_decref(stats);
	}
}

static void on_signal(uv_signal_t *s, int signum)
{
	if (signum == SIGUSR1)
		print_stats(s->data);
	else
		uv_stop(s->loop);
}

/* "ADDR:SLOT" (the last colon splits, so IPv6 addresses work too). */
static int member_parse(const char *text, struct semnetd_relay_member *m)
{
	char addr[SN_IPADDR_STRLEN + 1];
	const char *colon = strrchr(text, ':');
	char *end;
	long slot;

	if (!colon || (size_t)(colon - text) >= sizeof(addr))
		return -1;
	memcpy(addr, text, (size_t)(colon - text));
	addr[colon - text] = '\0';
	errno = 0;
	slot = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || slot < 0 || slot > SEMNETD_RELAY_MAX_SLOT ||
	    !sn_ipaddr_parse(addr, &m->addr))
		return -1;
	m->slot = (unsigned int)slot;
	return 0;
}

int main(int argc, char **argv)
{
	struct semnetd_relay_member *members;
	unsigned int rate = SEMNETD_RELAY_RATE;
	struct semnetd_relay *relay;
	uv_signal_t sigint, sigterm, sigusr1;
	struct sn_err err;
	uv_loop_t loop;
	int i = 1, base, rc = 0;
	size_t n = 0;
	char *end;

	if (argc > 2 && !strcmp(argv[1], "--rate")) {
		long r = strtol(argv[2], &end, 10);

		if (*end || r < 1 || r > 100000000)
			return usage();
		rate = (unsigned int)r;
		i = 3;
	}
	if (argc - i < 3)
		return usage();
	base = (int)strtol(argv[i + 1], &end, 10);
	if (*end || base < 1 || base > 65535)
		return usage();
	if (!(members = calloc((size_t)(argc - i - 2), sizeof(*members))))
		return 1;
	for (int k = i + 2; k < argc; k++)
		if (member_parse(argv[k], &members[n++]) < 0) {
			free(members);
			return usage();
		}
	uv_loop_init(&loop);
	relay = semnetd_relay_new(&loop);
	if (!relay || semnetd_relay_set(relay, argv[i], base, members, n, &err) < 0) {
		fprintf(stderr, "semnet-relaytest: %s\n", relay ? err.msg : "out of memory");
		rc = 1;
		goto out;
	}
	semnetd_relay_limit(relay, rate, rate / 10 ? rate / 10 : 1);
	uv_signal_init(&loop, &sigint);
	uv_signal_init(&loop, &sigterm);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_init(&loop, &sigusr1);
	sigusr1.data = relay;
	uv_signal_start(&sigusr1, on_signal, SIGUSR1);
	fprintf(stderr, "semnet-relaytest: serving %zu members on %s from port %d\n", n, argv[i],
		base);
	uv_run(&loop, UV_RUN_DEFAULT);
	print_stats(relay);
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_close((uv_handle_t *)&sigterm, NULL);
	uv_close((uv_handle_t *)&sigusr1, NULL);
out:
	if (relay)
		semnetd_relay_free(relay);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(members);
	return rc;
}
