// SPDX-License-Identifier: GPL-2.0
/*
 * semnet-wgtest: daemon/node/wg.c as a command line, for
 * tests/e2e/links_wg.sh (the kernel's WireGuard, in the VM). Not
 * installed. Errors: wg.c's sentence on stderr, exit 1; usage: exit 2.
 *
 *   semnet-wgtest add IFNAME
 *   semnet-wgtest key PATH             prints "created" or "loaded"
 *   semnet-wgtest set IFNAME [key-file PATH] [private-key -] [port N]
 *                 [replace-peers] [msg-size BYTES]
 *                 [peer B64 [endpoint ADDR:PORT|[V6]:PORT] [keepalive S]
 *                  [allowed CIDR[,CIDR...]] [replace-allowed] [remove]]...
 *                                      prints "messages N"
 *   semnet-wgtest show IFNAME          public_key, listen_port, then a line
 *                                      per peer: key endpoint keepalive
 *                                      handshake_sec rx tx allowed,...
 *
 * `private-key -` reads the base64 key from stdin: on the command line
 * it would be in /proc/PID/cmdline for every user to read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/wireguard.h>

#include "../../daemon/node/wg.h"

static int usage(void)
{
	fprintf(stderr, "usage: semnet-wgtest add IFNAME | key PATH | set IFNAME ... | "
		"show IFNAME\n");
	return 2;
}

static int fail(const struct sn_err *err)
{
	fprintf(stderr, "semnet-wgtest: %s\n", err->msg);
	return 1;
}

static bool parse_endpoint(const char *text, struct semnetd_wg_peer *p)
{
	char buf[80], *colon;
	long port;

	if (strlen(text) >= sizeof(buf))
		return false;
	strcpy(buf, text);
	colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return false;
	if (buf[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		p->endpoint.in6.sin6_family = AF_INET6;
		p->endpoint.in6.sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, buf + 1, &p->endpoint.in6.sin6_addr) == 1;
	}
	p->endpoint.in.sin_family = AF_INET;
	p->endpoint.in.sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, buf, &p->endpoint.in.sin_addr) == 1;
}

/* Appends the comma-separated prefixes of @text (not checked here: wg.c
 * does, so the test sees its refusals). */
static bool parse_allowed(char *text, struct semnetd_wg_peer *p)
{
	for (char *save = NULL, *tok = strtok_r(text, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct semnetd_wg_allowed *a;
		char *slash = strchr(tok, '/');

		if (!slash)
			return false;
		*slash = '\0';
		a = realloc(p->allowed, (p->n_allowed + 1) * sizeof(*a));
		if (!a)
			return false;
		p->allowed = a;
		a = &a[p->n_allowed++];
		memset(a, 0, sizeof(*a));
		a->cidr = (uint8_t)atoi(slash + 1);
		if (inet_pton(AF_INET, tok, &a->addr.v4) == 1)
			a->family = AF_INET;
		else if (inet_pton(AF_INET6, tok, &a->addr.v6) == 1)
			a->family = AF_INET6;
		else
			return false;
	}
	return true;
}

static int cmd_set(int argc, char **argv)
{
	struct semnetd_wg_device dev = { .listen_port = -1 };
	struct semnetd_wg wg;
	struct sn_err err = { { 0 } };
	size_t msg_size = 0;
	bool created;
	int rc, i;

	snprintf(dev.ifname, sizeof(dev.ifname), "%s", argv[0]);
	if (strlen(argv[0]) >= sizeof(dev.ifname))
		dev.ifname[0] = '\0';	/* wg.c says why */
	dev.peers = calloc((size_t)argc, sizeof(*dev.peers));
	if (!dev.peers)
		return 1;
	for (i = 1; i < argc; i++) {
		struct semnetd_wg_peer *p = dev.n_peers ? &dev.peers[dev.n_peers - 1] : NULL;
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(w, "replace-peers")) {
			dev.flags |= WGDEVICE_F_REPLACE_PEERS;
		} else if (p && !strcmp(w, "replace-allowed")) {
			p->flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
		} else if (p && !strcmp(w, "remove")) {
			p->flags |= WGPEER_F_REMOVE_ME;
		} else if (!v) {
			return usage();
		} else if (!strcmp(w, "key-file")) {
			if (semnetd_wg_key_load(v, dev.private_key, &created, &err) < 0)
				return fail(&err);
			dev.has_private_key = true;
			i++;
		} else if (!strcmp(w, "private-key")) {
			char line[128];

			if (strcmp(v, "-")) {
				fprintf(stderr, "semnet-wgtest: private-key takes '-' and reads "
					"the key from stdin, never the key itself\n");
				return 1;
			}
			if (!fgets(line, sizeof(line), stdin))
				line[0] = '\0';
			line[strcspn(line, "\n")] = '\0';
			rc = sn_link_key_from_base64(line, dev.private_key);
			explicit_bzero(line, sizeof(line));
			if (!rc) {
				fprintf(stderr, "semnet-wgtest: private key: not the base64 of %d "
					"bytes\n", WG_KEY_LEN);
				return 1;
			}
			dev.has_private_key = true;
			i++;
		} else if (!strcmp(w, "port")) {
			dev.listen_port = atoi(v);
			i++;
		} else if (!strcmp(w, "msg-size")) {
			msg_size = (size_t)atol(v);
			i++;
		} else if (!strcmp(w, "peer")) {
			p = &dev.peers[dev.n_peers++];
			p->keepalive = -1;
			if (!sn_link_key_from_base64(v, p->public_key)) {
				fprintf(stderr, "semnet-wgtest: peer key '%s': not the base64 of %d "
					"bytes\n", v, WG_KEY_LEN);
				return 1;
			}
			i++;
		} else if (p && !strcmp(w, "endpoint")) {
			if (!parse_endpoint(v, p))
				return usage();
			i++;
		} else if (p && !strcmp(w, "keepalive")) {
			p->keepalive = atoi(v);
			i++;
		} else if (p && !strcmp(w, "allowed")) {
			char *copy = strdup(v);
			bool ok = copy && parse_allowed(copy, p);

			free(copy);
			if (!ok)
				return usage();
			i++;
		} else {
			return usage();
		}
	}
	if (semnetd_wg_open(&wg, &err) < 0)
		return fail(&err);
	if (msg_size)
		wg.msg_size = msg_size;
	rc = semnetd_wg_set(&wg, &dev, &err);
	explicit_bzero(dev.private_key, sizeof(dev.private_key));
	printf("messages %u\n", wg.last_set_msgs);
	semnetd_wg_close(&wg);
	for (size_t j = 0; j < dev.n_peers; j++)
		free(dev.peers[j].allowed);
	free(dev.peers);
	return rc < 0 ? fail(&err) : 0;
}

static int cmd_show(const char *ifname)
{
	struct semnetd_wg_device dev;
	struct semnetd_wg wg;
	struct sn_err err = { { 0 } };
	char key[SN_LINK_KEY_B64_LEN + 1], addr[INET6_ADDRSTRLEN];

	if (semnetd_wg_open(&wg, &err) < 0)
		return fail(&err);
	if (semnetd_wg_get(&wg, ifname, &dev, &err) < 0) {
		semnetd_wg_close(&wg);
		return fail(&err);
	}
	semnetd_wg_close(&wg);
	if (dev.has_public_key) {
		sn_link_key_to_base64(dev.public_key, key);
		printf("public_key %s\n", key);
	} else {
		printf("public_key (none)\n");
	}
	printf("listen_port %d\n", dev.listen_port);
	for (size_t i = 0; i < dev.n_peers; i++) {
		const struct semnetd_wg_peer *p = &dev.peers[i];

		sn_link_key_to_base64(p->public_key, key);
		printf("peer %s ", key);
		if (p->endpoint.sa.sa_family == AF_INET)
			printf("%s:%u", inet_ntop(AF_INET, &p->endpoint.in.sin_addr, addr,
						  sizeof(addr)), ntohs(p->endpoint.in.sin_port));
		else if (p->endpoint.sa.sa_family == AF_INET6)
			printf("[%s]:%u", inet_ntop(AF_INET6, &p->endpoint.in6.sin6_addr, addr,
						    sizeof(addr)), ntohs(p->endpoint.in6.sin6_port));
		else
			printf("(none)");
		printf(" %d %lld %llu %llu ", p->keepalive, (long long)p->handshake_sec,
		       (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
		for (size_t j = 0; j < p->n_allowed; j++)
			printf("%s%s/%u", j ? "," : "",
			       inet_ntop(p->allowed[j].family, &p->allowed[j].addr, addr,
					 sizeof(addr)), p->allowed[j].cidr);
		printf("%s\n", p->n_allowed ? "" : "(none)");
	}
	semnetd_wg_device_free(&dev);
	return 0;
}

int main(int argc, char **argv)
{
	struct sn_err err = { { 0 } };

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "add") && argc == 3) {
		int ifindex;

		if (semnetd_wg_link_add(argv[2], &ifindex, &err) < 0)
			return fail(&err);
		printf("ifindex %d\n", ifindex);
		return 0;
	}
	if (!strcmp(argv[1], "key") && argc == 3) {
		uint8_t key[WG_KEY_LEN];
		bool created;

		if (semnetd_wg_key_load(argv[2], key, &created, &err) < 0)
			return fail(&err);
		explicit_bzero(key, sizeof(key));
		printf("%s\n", created ? "created" : "loaded");
		return 0;
	}
	if (!strcmp(argv[1], "set"))
		return cmd_set(argc - 2, argv + 2);
	if (!strcmp(argv[1], "show") && argc == 3)
		return cmd_show(argv[2]);
	return usage();
}
