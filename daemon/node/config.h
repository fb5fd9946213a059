/* SPDX-License-Identifier: GPL-2.0 */
/* semnetd settings: defaults, a JSON config file, then flags. */
#ifndef SEMNETD_CONFIG_H
#define SEMNETD_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "sn_ipaddr.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_mqtt.h"

struct semnetd_config {
	char socket_path[108];		/* sun_path */
	char db_path[PATH_MAX];
	bool db_durable;
	char mqtt_host[254];		/* default: cluster_address of /register */
	int mqtt_port;
	struct sn_mqtt_security mqtt_security;
	struct sn_ipaddr underlay_addr;	/* either family; none: found at /register */
	char underlay_dev[IF_NAMESIZE];	/* "": the default route's device */
	int underlay_family;		/* found: 0 IPv4 first, else IPv6; AF_INET(6) only it */
	char bridge[IF_NAMESIZE];
	bool routed;			/* mode routed: no bridge, routed veths */
	char container_ifname[IF_NAMESIZE];
	struct sn_prefix platform;
	struct sn_prefix services;
	/* The IPv6 plan, used once the cluster names an IPv6 subnet. */
	struct sn_prefix6 platform6;
	struct sn_prefix6 services6;
	int tunnel_port;
	int wg_port;			/* first WireGuard port; 0: no WireGuard */
	char wg_key_path[PATH_MAX];	/* the node's private key (0600) */
	bool relay;			/* relay for nodes behind NAT (relaylinks.h) */
	int wg_rotate_grace_ms;		/* registry has the next key -> switch (wglinks.h) */
	int discovery_interval_ms;	/* endpoint discovery's runs (discover.h) */
	int interest_idle_ms;		/* drop a remote service unused this long */
	int interest_check_ms;		/* how often kernel counters are read */
	int probe_interval_ms;		/* RTT probes to each peer node; 0: none */
	int probe_timeout_ms;		/* a probe unanswered this long is lost */
	int probe_down_after;		/* consecutive losses that mark a node down */
	bool firewall;			/* add accept rules to drop-policy chains */
	int log_level;
	char ready_file[PATH_MAX];
};

/* 0, 1 when --help was printed, -1 on error (printed). */
int semnetd_config_load(struct semnetd_config *cfg, int argc, char **argv);

#endif
