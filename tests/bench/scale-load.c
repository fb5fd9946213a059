// SPDX-License-Identifier: GPL-2.0
/*
 * scale-load: installs a large table of services or instances over the
 * semnet genl family in batches (lib/sn_kernel.h, SEMNET_A_SERVICES and
 * SEMNET_A_INSTANCES), as a daemon would: no text to parse, so what it
 * measures is the genl install rate. For tests/bench/scale.sh.
 *
 *   scale-load services N FIRST NAMES
 *       N services FIRST, FIRST+1, ...; service i is named s<i % NAMES>,
 *       policy rr
 *   scale-load instances N FIRST NAMES NSIP NODE
 *       N instances FIRST, FIRST+1, ...; instance i belongs to
 *       s<i * NAMES / N> (consecutive instances share a name, as a
 *       cluster's table lists them), nsIP NSIP+i, on node NODE
 *   SCALE_LOAD_SINGLE=1 in the environment: one request (and its ack)
 *   per object, the way without batches, for comparison
 *
 * Prints "N SECONDS REQUESTS" (CLOCK_MONOTONIC: guest time in the bench
 * VM) and exits 0, or 1 when any object was refused (each is reported).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genl.h"
#include "sn_kernel.h"

static unsigned long failures;

static void fail(void *arg, unsigned long tag, int err)
{
	struct sn_genl *g = arg;

	if (failures++ < 10)
		fprintf(stderr, "scale-load: object %lu: %s (%s)\n", tag, strerror(-err),
			g->error[0] ? g->error : "-");
}

static int addr(const char *s, uint32_t *host)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "scale-load: bad address \"%s\"\n", s);
		return -1;
	}
	*host = ntohl(a.s_addr);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool services = argc == 5 && !strcmp(argv[1], "services");
	bool instances = argc == 7 && !strcmp(argv[1], "instances");
	uint32_t first, nsip = 0, node = 0;
	unsigned long n, names, i;
	struct sn_kernel_batch b;
	struct sn_service s;
	struct sn_instance in;
	struct sn_genl g;
	char (*name)[24];
	double t0, t1;
	int err;

	if (!services && !instances) {
		fputs("usage: scale-load services N FIRST NAMES\n"
		      "       scale-load instances N FIRST NAMES NSIP NODE\n", stderr);
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	names = strtoul(argv[4], NULL, 10);
	if (!n || !names || addr(argv[3], &first) ||
	    (instances && (addr(argv[5], &nsip) || addr(argv[6], &node))))
		return 2;
	err = sn_genl_open(&g);
	if (err) {
		fprintf(stderr, "scale-load: %s\n", sn_genl_open_strerror(err));
		return 1;
	}
	err = sn_kernel_batch_init(&b, &g, services ? SEMNET_CMD_NEW_SERVICE :
				   SEMNET_CMD_NEW_INSTANCE, NLM_F_CREATE | NLM_F_EXCL,
				   fail, &g, true);
	if (err) {
		fprintf(stderr, "scale-load: %s\n", strerror(-err));
		return 1;
	}
	b.single = getenv("SCALE_LOAD_SINGLE") && !strcmp(getenv("SCALE_LOAD_SINGLE"), "1");
	memset(&s, 0, sizeof(s));
	memset(&in, 0, sizeof(in));
	SN_SET(&s, SEMNET_A_SERVICE_ADDR);
	SN_SET(&s, SEMNET_A_SERVICE_NAME);
	SN_SET(&s, SEMNET_A_SERVICE_POLICY);
	strcpy(s.policy, "rr");
	SN_SET(&in, SEMNET_A_INSTANCE_ADDR);
	SN_SET(&in, SEMNET_A_INSTANCE_SERVICE);
	SN_SET(&in, SEMNET_A_INSTANCE_NSIP);
	SN_SET(&in, SEMNET_A_INSTANCE_NODE);
	in.node = htonl(node);

	/* The names first: a daemon has them at hand, the clock is for genl. */
	name = calloc(names, sizeof(*name));
	if (!name) {
		fputs("scale-load: out of memory\n", stderr);
		return 1;
	}
	for (i = 0; i < names; i++)
		snprintf(name[i], sizeof(name[i]), "s%lu", i);

	t0 = now();
	for (i = 0; i < n; i++) {
		if (services) {
			s.addr = htonl(first + (uint32_t)i);
			memcpy(s.name, name[i % names], sizeof(name[0]));
			err = sn_kernel_batch_add(&b, &s, i);
		} else {
			in.addr = htonl(first + (uint32_t)i);
			in.nsip = htonl(nsip + (uint32_t)i);
			memcpy(in.service, name[(unsigned long long)i * names / n],
			       sizeof(name[0]));
			err = sn_kernel_batch_add(&b, &in, i);
		}
		if (err) {
			fprintf(stderr, "scale-load: %s\n", strerror(-err));
			return 1;
		}
	}
	sn_kernel_batch_flush(&b);
	t1 = now();
	printf("%lu %.3f %lu\n", n, t1 - t0, b.requests);
	sn_kernel_batch_free(&b);
	sn_genl_close(&g);
	free(name);
	return failures ? 1 : 0;
}
