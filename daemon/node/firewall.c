// SPDX-License-Identifier: GPL-2.0
#include "firewall.h"

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_ipv6.h"
#include "sn_log.h"

#define RULE_TAG "semnet"
#define NFT_LIBRARY "libnftables.so.1"

/*
 * libnftables is loaded for each change and unloaded after it: semnetd
 * changes the firewall at registration and for containers with port
 * mappings, while the library and the ones it pulls in (libnftnl,
 * libxtables, libgmp) and its ruleset cache stay resident, once used,
 * for as long as they are mapped: 1.4 MB of a daemon whose goal is 10 MB
 * (tests/bench/control.sh). A change pays a dlopen() instead.
 */
static int begin(struct semnetd_fw *fw)
{
	struct semnetd_nft_api *a = &fw->api;

	if (!(fw->lib = dlopen(NFT_LIBRARY, RTLD_NOW | RTLD_LOCAL))) {
		sn_warn("nftables: %s", dlerror());
		return -ENOENT;
	}
	/* dlsym() returns an object pointer; POSIX makes it a function's. */
	*(void **)&a->ctx_new = dlsym(fw->lib, "nft_ctx_new");
	*(void **)&a->ctx_free = dlsym(fw->lib, "nft_ctx_free");
	*(void **)&a->buffer_output = dlsym(fw->lib, "nft_ctx_buffer_output");
	*(void **)&a->buffer_error = dlsym(fw->lib, "nft_ctx_buffer_error");
	*(void **)&a->output = dlsym(fw->lib, "nft_ctx_get_output_buffer");
	*(void **)&a->error = dlsym(fw->lib, "nft_ctx_get_error_buffer");
	*(void **)&a->run = dlsym(fw->lib, "nft_run_cmd_from_buffer");
	if (!a->ctx_new || !a->ctx_free || !a->buffer_output || !a->buffer_error || !a->output ||
	    !a->error || !a->run) {
		sn_warn("nftables: %s lacks a function semnetd calls", NFT_LIBRARY);
		goto fail;
	}
	if (!(fw->nft = a->ctx_new(NFT_CTX_DEFAULT)))
		goto fail;
	if (a->buffer_output(fw->nft) < 0 || a->buffer_error(fw->nft) < 0) {
		a->ctx_free(fw->nft);
		fw->nft = NULL;
		goto fail;
	}
	return 0;
fail:
	dlclose(fw->lib);
	fw->lib = NULL;
	return -ENOMEM;
}

static void end(struct semnetd_fw *fw)
{
	if (fw->nft)
		fw->api.ctx_free(fw->nft);
	fw->nft = NULL;
	if (fw->lib)
		dlclose(fw->lib);
	fw->lib = NULL;
}

int semnetd_fw_open(struct semnetd_fw *fw)
{
	int rc = begin(fw);

	end(fw);
	fw->available = rc == 0;
	return rc;
}

void semnetd_fw_close(struct semnetd_fw *fw)
{
	end(fw);
	fw->available = false;
}

/* Runs nft commands; on failure @err gets nft's first error line. */
static int run(struct semnetd_fw *fw, const char *cmd, struct sn_err *err)
{
	int rc = fw->api.run(fw->nft, cmd);
	const char *msg = fw->api.error(fw->nft);

	if (rc != 0 && err) {
		size_t len = msg ? strcspn(msg, "\n") : 0;

		sn_err_set(err, "nftables: %.*s", (int)(len > 200 ? 200 : len), msg ? msg : "");
	}
	return rc == 0 ? 0 : -EIO;
}

static int do_accept(struct semnetd_fw *fw, const char *bridge, struct sn_err *err)
{
	static const char *const chains[] = { "DOCKER-USER", "FORWARD" };
	char cmd[1024];

	for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		const char *out;

		snprintf(cmd, sizeof(cmd), "list chain ip filter %s", chains[i]);
		if (run(fw, cmd, NULL) < 0)
			continue;	/* no such chain */
		out = fw->api.output(fw->nft);
		snprintf(cmd, sizeof(cmd), "comment \"%s-%s\"", RULE_TAG, bridge);
		if (out && strstr(out, cmd))
			return 0;	/* already there (a restart) */
		snprintf(cmd, sizeof(cmd),
			 "insert rule ip filter %1$s iifname \"%2$s\" accept comment \"%3$s-%2$s\"\n"
			 "insert rule ip filter %1$s oifname \"%2$s\" accept comment \"%3$s-%2$s\"\n"
			 "insert rule ip filter %1$s iifname \"semnet0\" accept comment \"%3$s-%2$s\"\n"
			 "insert rule ip filter %1$s oifname \"semnet0\" accept comment \"%3$s-%2$s\"\n",
			 chains[i], bridge, RULE_TAG);
		if (run(fw, cmd, err) < 0)
			return -EIO;
		sn_info("firewall: semnet's interfaces accepted in ip filter %s", chains[i]);
		return 0;
	}
	return 0;	/* no iptables-style forward chain: nothing drops */
}

/* The port maps of both families, with the same rules: a container's
 * host port goes to its IPv4 nsIP and, dual stack, to its IPv6 one. */
static const char *const families[] = { "ip", "ip6" };

static int do_portmap_init(struct semnetd_fw *fw, struct sn_err *err)
{
	char cmd[1024];

	for (size_t f = 0; f < 2; f++) {
		/* Deleted and recreated whole: nothing duplicates across
		 * restarts; connections already translated keep their
		 * conntrack NAT. */
		snprintf(cmd, sizeof(cmd), "delete table %s semnet", families[f]);
		run(fw, cmd, NULL);
		snprintf(cmd, sizeof(cmd),
			 "table %1$s semnet {\n"
			 "  map portmap { type inet_proto . inet_service : %2$s . inet_service; }\n"
			 "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
			 "    fib daddr type local dnat %1$s to meta l4proto . th dport map @portmap; }\n"
			 "  chain output { type nat hook output priority -100; policy accept;\n"
			 "    fib daddr type local dnat %1$s to meta l4proto . th dport map @portmap; }\n"
			 "}\n", families[f], f ? "ipv6_addr" : "ipv4_addr");
		if (run(fw, cmd, err) < 0)
			return -EIO;
	}
	return 0;
}

/* "proto . port" (the key), or with " : nsIP . port" (@nsip or @nsip6). */
static void element(char *buf, size_t size, const struct semnetd_port_map *m, uint32_t nsip,
		    const struct in6_addr *nsip6)
{
	const char *proto = m->proto == IPPROTO_UDP ? "udp" : "tcp";
	char text[SN_IPV6_STRLEN];

	if (nsip6) {
		sn_ipv6_format(nsip6, text);
		snprintf(buf, size, "%s . %u : %s . %u", proto, m->host_port, text,
			 m->container_port);
	} else if (nsip) {
		snprintf(buf, size, "%s . %u : %u.%u.%u.%u . %u", proto, m->host_port, nsip >> 24,
			 (nsip >> 16) & 255, (nsip >> 8) & 255, nsip & 255, m->container_port);
	} else {
		snprintf(buf, size, "%s . %u", proto, m->host_port);
	}
}

static int do_ports_add(struct semnetd_fw *fw, uint32_t nsip, const struct in6_addr *nsip6,
			const struct semnetd_port_map *maps, size_t n, struct sn_err *err)
{
	char cmd[8192] = "", one[128];
	size_t used = 0;

	if (n == 0)
		return 0;
	/* "create" fails on an existing key, and one command is atomic. */
	for (size_t i = 0; i < n; i++) {
		element(one, sizeof(one), &maps[i], nsip, NULL);
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
					 "create element ip semnet portmap { %s }\n", one);
		if (!nsip6)
			continue;
		element(one, sizeof(one), &maps[i], 0, nsip6);
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
					 "create element ip6 semnet portmap { %s }\n", one);
	}
	if (run(fw, cmd, NULL) < 0) {
		sn_err_set(err, "a host port of portMappings is mapped already (or nftables failed)");
		return -EEXIST;
	}
	return 0;
}

static int do_ports_del(struct semnetd_fw *fw, const struct semnetd_port_map *maps, size_t n)
{
	char cmd[200], one[128];
	int rc = 0;

	/* One by one: an element already gone must not keep the others. An
	 * IPv4-only container has no IPv6 element. */
	for (size_t i = 0; i < n; i++) {
		element(one, sizeof(one), &maps[i], 0, NULL);
		snprintf(cmd, sizeof(cmd), "delete element ip semnet portmap { %s }", one);
		if (run(fw, cmd, NULL) < 0)
			rc = -EIO;
		snprintf(cmd, sizeof(cmd), "delete element ip6 semnet portmap { %s }", one);
		run(fw, cmd, NULL);
	}
	return rc;
}

static int do_unikernel_nat(struct semnetd_fw *fw, const char *ifname, uint32_t nsip,
			    uint32_t guest, struct sn_err *err)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "table ip semnet-unikernel {\n"
		 "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
		 "    oifname \"%1$s\" snat ip to %2$u.%3$u.%4$u.%5$u; }\n"
		 "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
		 "    iifname \"%1$s\" dnat ip to %6$u.%7$u.%8$u.%9$u; }\n"
		 "}\n", ifname, nsip >> 24, (nsip >> 16) & 255, (nsip >> 8) & 255, nsip & 255,
		 guest >> 24, (guest >> 16) & 255, (guest >> 8) & 255, guest & 255);
	return run(fw, cmd, err);
}

/* The entry points: each change with the library loaded. */
int semnetd_fw_accept(struct semnetd_fw *fw, const char *bridge, struct sn_err *err)
{
	int rc = begin(fw);

	if (rc == 0)
		rc = do_accept(fw, bridge, err);
	else
		sn_err_set(err, "nftables cannot be used");
	end(fw);
	return rc;
}

int semnetd_fw_portmap_init(struct semnetd_fw *fw, struct sn_err *err)
{
	int rc = begin(fw);

	if (rc == 0)
		rc = do_portmap_init(fw, err);
	else
		sn_err_set(err, "nftables cannot be used");
	end(fw);
	return rc;
}

int semnetd_fw_ports_add(struct semnetd_fw *fw, uint32_t nsip, const struct in6_addr *nsip6,
			 const struct semnetd_port_map *maps, size_t n, struct sn_err *err)
{
	int rc;

	if (n == 0)
		return 0;
	if ((rc = begin(fw)) == 0)
		rc = do_ports_add(fw, nsip, nsip6, maps, n, err);
	else
		sn_err_set(err, "portMappings need nftables, which cannot be used");
	end(fw);
	return rc;
}

int semnetd_fw_ports_del(struct semnetd_fw *fw, const struct semnetd_port_map *maps, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	if ((rc = begin(fw)) == 0)
		rc = do_ports_del(fw, maps, n);
	end(fw);
	return rc;
}

int semnetd_fw_unikernel_nat(struct semnetd_fw *fw, const char *ifname, uint32_t nsip,
			     uint32_t guest, struct sn_err *err)
{
	int rc = begin(fw);

	if (rc == 0)
		rc = do_unikernel_nat(fw, ifname, nsip, guest, err);
	else
		sn_err_set(err, "nftables cannot be used");
	end(fw);
	return rc;
}

#define DISCOVERY_TABLE "inet semnet-discovery"

int semnetd_fw_discovery_set(struct semnetd_fw *fw, const struct sn_ipaddr *cluster, int port,
			     int sport, const struct sn_ipaddr *local, int to_port,
			     struct sn_err *err)
{
	char cmd[1280], dst[SN_IPADDR_STRLEN], src[SN_IPADDR_STRLEN];
	bool v6 = cluster->family == AF_INET6;
	int rc;

	if (cluster->family != local->family || !sn_ipaddr_is_set(cluster)) {
		sn_err_set(err, "discovery: the cluster's and this node's addresses differ in family");
		return -EINVAL;
	}
	sn_ipaddr_format(cluster, dst);
	sn_ipaddr_format(local, src);
	/* One transaction: the stale table goes and the new one comes, or
	 * nothing changes. */
	snprintf(cmd, sizeof(cmd),
		 "table " DISCOVERY_TABLE " { }\n"
		 "delete table " DISCOVERY_TABLE "\n"
		 "table " DISCOVERY_TABLE " {\n"
		 "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
		 "    %1$s daddr %2$s udp dport { %3$d, %4$d } udp sport %5$d"
		 " snat %1$s to %6$s%7$s%8$s:%9$d comment \"" RULE_TAG "-discovery\"; }\n"
		 /* The socket takes answers only: a datagram that would
		  * start a conntrack entry towards it (a forger's, from the
		  * cluster's address and port) would make the next request
		  * that entry's reply, which no snat rewrites. */
		 "  chain input { type filter hook input priority filter; policy accept;\n"
		 "    udp dport %5$d ct direction original counter drop"
		 " comment \"" RULE_TAG "-discovery-answers-only\"\n"
		 /* Nor may a datagram forged from the cluster's ports to
		  * WireGuard's start one: the next requests, snat'ed to
		  * that port, would clash with it (the same tuple) and be
		  * dropped for the 30 s it lives, every run failing. An
		  * answer is the reply of its request's entry, never an
		  * original. */
		 "    %1$s saddr %2$s udp sport { %3$d, %4$d } udp dport %9$d"
		 " ct direction original counter drop"
		 " comment \"" RULE_TAG "-discovery-no-forged-entry\"; }\n"
		 "}\n", v6 ? "ip6" : "ip", dst, port, port + 1, sport, v6 ? "[" : "", src,
		 v6 ? "]" : "", to_port);
	if ((rc = begin(fw)) < 0) {
		sn_err_set(err, "nftables cannot be used");
		return rc;
	}
	rc = run(fw, cmd, err);
	end(fw);
	return rc;
}

/* Deletes @table if it is there: 1 deleted, 0 none, < 0 an error. */
static int table_clear(struct semnetd_fw *fw, const char *table)
{
	char cmd[96];
	int rc = begin(fw);

	if (rc < 0)
		return rc;
	snprintf(cmd, sizeof(cmd), "list table %s", table);
	rc = run(fw, cmd, NULL) == 0;
	snprintf(cmd, sizeof(cmd), "delete table %s", table);
	if (rc && run(fw, cmd, NULL) < 0)
		rc = -EIO;
	end(fw);
	return rc;
}

int semnetd_fw_discovery_clear(struct semnetd_fw *fw)
{
	return table_clear(fw, DISCOVERY_TABLE);
}

#define WG_TABLE "inet semnet-wg"

/* "{ P1, P2, ... }" of the ports > 0 of @ports, each once; NULL when out
 * of memory, "" when none. */
static char *port_list(const int *ports, size_t n)
{
	char *s = malloc(n * 8 + 8);
	size_t used = 0, kept = 0;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < i && !dup; j++)
			dup = ports[j] == ports[i];
		if (dup || ports[i] <= 0 || ports[i] > 65535)
			continue;
		used += (size_t)sprintf(s + used, "%s%d", kept++ ? ", " : "{ ", ports[i]);
	}
	if (kept)
		sprintf(s + used, " }");
	return s;
}

int semnetd_fw_wg_init(struct semnetd_fw *fw, const int *ports, size_t n, struct sn_err *err)
{
	char *list = port_list(ports, n), *cmd = NULL;
	int rc;

	if (!list || asprintf(&cmd,
		 "table " WG_TABLE " { }\n"
		 "delete table " WG_TABLE "\n"
		 "table " WG_TABLE " {\n"
		 "  set ports { type inet_service;%s%s%s }\n"
		 "  counter datagrams { }\n"
		 /* Last in input: what an earlier chain drops never reached
		  * WireGuard, and is not counted. */
		 "  chain input { type filter hook input priority 2147483647; policy accept;\n"
		 "    udp dport @ports counter name datagrams comment \"" RULE_TAG "-wg-datagrams\"; }\n"
		 "}\n", list[0] ? " elements = " : "", list, list[0] ? ";" : "") < 0) {
		free(list);
		sn_err_set(err, "out of memory");
		return -ENOMEM;
	}
	free(list);
	if ((rc = begin(fw)) < 0) {
		sn_err_set(err, "nftables cannot be used");
	} else {
		rc = run(fw, cmd, err);
		end(fw);
	}
	free(cmd);
	return rc;
}

int semnetd_fw_wg_ports(struct semnetd_fw *fw, const int *ports, size_t n, struct sn_err *err)
{
	char *list = port_list(ports, n), *cmd = NULL;
	int rc;

	if (!list || asprintf(&cmd, "flush set " WG_TABLE " ports\n%s%s%s", list[0] ?
			      "add element " WG_TABLE " ports " : "", list, list[0] ? "\n" : "") < 0) {
		free(list);
		sn_err_set(err, "out of memory");
		return -ENOMEM;
	}
	free(list);
	if ((rc = begin(fw)) < 0) {
		sn_err_set(err, "nftables cannot be used");
	} else {
		rc = run(fw, cmd, err);
		end(fw);
	}
	free(cmd);
	return rc;
}

int semnetd_fw_wg_read(struct semnetd_fw *fw, uint64_t *packets, struct sn_err *err)
{
	const char *out, *p;
	unsigned long long v;
	int rc;

	if ((rc = begin(fw)) < 0) {
		sn_err_set(err, "nftables cannot be used");
		return rc;
	}
	if ((rc = run(fw, "list counter " WG_TABLE " datagrams", err)) == 0) {
		out = fw->api.output(fw->nft);
		if (!out || !(p = strstr(out, "packets ")) || sscanf(p, "packets %llu", &v) != 1) {
			sn_err_set(err, "nftables: no packets in counter " WG_TABLE " datagrams");
			rc = -EIO;
		} else {
			*packets = v;
		}
	}
	end(fw);
	return rc;
}

int semnetd_fw_wg_clear(struct semnetd_fw *fw)
{
	return table_clear(fw, WG_TABLE);
}
