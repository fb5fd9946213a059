// SPDX-License-Identifier: GPL-2.0
/*
 * semnet-root's and semnet-cluster's settings (daemon/root/config.c,
 * daemon/cluster/config.c): defaults, a --config JSON file, flags over the
 * file, refusals. The value parsers are sn_config's (test_config.c); these
 * cases pin what each daemon builds on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "../../daemon/cluster/config.h"
#include "../../daemon/root/config.h"
#include "sn_log.h"

/* getopt permutes argv: the loaders get a writable copy, NULL-terminated. */
#define ARGS(...) (char *[]){ __VA_ARGS__, NULL }
#define NARGS(...) ((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define ROOT(cfg, ...) sn_root_config_load(cfg, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))
#define CLUSTER(cfg, ...) sn_cluster_config_load(cfg, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

static const char *prefix(const struct sn_prefix *p)
{
	static char text[SN_CIDR_STRLEN];

	sn_prefix_format(p, text);
	return text;
}

START_TEST(root_defaults)
{
	struct sn_root_config cfg;

	ck_assert_int_eq(ROOT(&cfg, "semnet-root"), 0);
	ck_assert_str_eq(cfg.listen, "0.0.0.0");
	ck_assert_int_eq(cfg.port, 10099);
	ck_assert_str_eq(cfg.db_path, "/var/lib/semnet/root.db");
	ck_assert(cfg.db_durable);
	ck_assert_str_eq(prefix(&cfg.worker_range), "172.16.0.0/12");
	ck_assert_str_eq(prefix(&cfg.service_range), "172.30.0.0/16");
	ck_assert_uint_eq(cfg.subnet_len, 26);
	ck_assert_int_eq(cfg.push_timeout_ms, 2000);
	ck_assert_int_eq(cfg.push_backoff_ms, 200);
	ck_assert_int_eq(cfg.push_backoff_max_ms, 30000);
	ck_assert_int_eq(cfg.push_max_attempts, 20);
	ck_assert_int_eq(cfg.log_level, SN_LOG_INFO);
	ck_assert_str_eq(cfg.ready_file, "");
}
END_TEST

/* The profile first, then the file's other keys, then the flags, whatever
 * their order on the command line. */
START_TEST(root_file_then_flags)
{
	struct sn_root_config cfg;

	unit_write_file(unit_file, "{\"worker_range\": \"10.20.0.0/16\", \"profile\": \"oakestra\","
				   " \"port\": 1234, \"sync\": \"normal\", \"log_level\": \"debug\","
				   " \"ready_file\": \"/tmp/r\"}");
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--port", "999", "--config", unit_file), 0);
	ck_assert_int_eq(cfg.port, 999);
	ck_assert_str_eq(prefix(&cfg.worker_range), "10.20.0.0/16");
	ck_assert_str_eq(prefix(&cfg.service_range), "10.30.0.0/16");
	ck_assert(!cfg.db_durable);
	ck_assert_int_eq(cfg.log_level, SN_LOG_DEBUG);
	ck_assert_str_eq(cfg.ready_file, "/tmp/r");
}
END_TEST

START_TEST(root_refusals)
{
	struct sn_root_config cfg;

	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--port", "65536"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--subnet-len", "31"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--worker-range", "10.0.0.0/33"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--profile", "other"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--sync", "sometimes"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--log-level", "loud"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--push-max-attempts", "0"), -1);
	/* /26 subnets cut from a /30 do not fit; nor /8 from a /12. */
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--worker-range", "10.0.0.0/30"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--subnet-len", "8"), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "stray"), -1);
	unit_write_file(unit_file, "{\"prot\": 1}");
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--config", unit_file), -1);
	unit_write_file(unit_file, "{\"profile\": 3}");
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--config", unit_file), -1);
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--help"), 1);
}
END_TEST

START_TEST(cluster_defaults)
{
	struct sn_cluster_config cfg;

	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c1"), 0);
	ck_assert_str_eq(cfg.cluster_id, "c1");
	ck_assert_str_eq(cfg.listen, "0.0.0.0");
	/* Listening on 0.0.0.0: the address that routes to the root. */
	ck_assert_str_eq(cfg.cluster_address, "127.0.0.1");
	ck_assert_int_eq(cfg.port, 10110);
	ck_assert_str_eq(cfg.db_path, "/var/lib/semnet/cluster.db");
	ck_assert(cfg.db_durable);
	ck_assert_str_eq(cfg.root_url, "http://127.0.0.1:10099");
	ck_assert_str_eq(cfg.mqtt_host, "127.0.0.1");
	ck_assert_int_eq(cfg.mqtt_port, 1883);
	ck_assert_int_eq(cfg.interest_idle_s, 600);
	ck_assert_int_eq(cfg.root_timeout_ms, 5000);
	ck_assert_int_eq(cfg.retry_backoff_ms, 200);
	ck_assert_int_eq(cfg.retry_backoff_max_ms, 30000);
	ck_assert_int_eq(cfg.log_level, SN_LOG_INFO);
	/* Existing clusters keep semnet0 between all nodes (issue 18). */
	ck_assert_int_eq(cfg.links_policy, SN_LINKS_GRE_UDP);

	/* The root's URL as the HTTP client reads it: an IPv6 literal, no
	 * port (80); a URL without a host is refused. */
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c1", "--listen", "::",
				 "--root-url", "http://[::1]:10099"), 0);
	ck_assert_str_eq(cfg.cluster_address, "::1");
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c1",
				 "--root-url", "http://localhost/"), 0);
	ck_assert(!strcmp(cfg.cluster_address, "127.0.0.1") || !strcmp(cfg.cluster_address, "::1"));
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c1",
				 "--root-url", "http://[::1"), -1);

	/* Without an id the orchestrator registers the cluster: it needs no
	 * address of its own. */
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster"), 0);
	ck_assert_str_eq(cfg.cluster_id, "");
	ck_assert_str_eq(cfg.cluster_address, "");
}
END_TEST

START_TEST(cluster_file_then_flags)
{
	struct sn_cluster_config cfg;

	unit_write_file(unit_file, "{\"cluster_id\": \"from-file\", \"listen\": \"10.1.2.3\","
				   " \"root_url\": \"http://root:1/\", \"retry_backoff_ms\": 50,"
				   " \"db\": \"/tmp/c.db\", \"links_policy\": \"encrypted\"}");
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c2", "--config", unit_file,
				 "--sync", "normal"), 0);
	ck_assert_str_eq(cfg.cluster_id, "c2");
	/* The address the root reaches it at defaults to --listen ... */
	ck_assert_str_eq(cfg.cluster_address, "10.1.2.3");
	/* ... and a trailing '/' of the root's URL is dropped. */
	ck_assert_str_eq(cfg.root_url, "http://root:1");
	ck_assert_int_eq(cfg.retry_backoff_ms, 50);
	ck_assert_str_eq(cfg.db_path, "/tmp/c.db");
	ck_assert(!cfg.db_durable);
	ck_assert_int_eq(cfg.links_policy, SN_LINKS_ENCRYPTED);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--config", unit_file,
				 "--links-policy", "auto"), 0);
	ck_assert_int_eq(cfg.links_policy, SN_LINKS_AUTO);
}
END_TEST

START_TEST(cluster_refusals)
{
	struct sn_cluster_config cfg;

	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "a/b"), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", ""), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--root-url",
				 "https://x"), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--mqtt-port", "0"),
			 -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--db", ""), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--bogus"), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--links-policy",
				 "direct"), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--cluster-id", "c", "--links-policy",
				 ""), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--help"), 1);
}
END_TEST

/* --profile oakestra: Oakestra's ranges and ports, whatever the flags'
 * order; an explicit setting still wins. */
START_TEST(root_profiles)
{
	struct sn_root_config cfg;

	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--profile", "oakestra"), 0);
	ck_assert_int_eq(cfg.port, 10099);
	ck_assert_str_eq(prefix(&cfg.worker_range), "10.18.0.0/16");
	ck_assert_str_eq(prefix(&cfg.service_range), "10.30.0.0/16");
	ck_assert_int_eq(ROOT(&cfg, "semnet-root", "--worker-range", "10.20.0.0/16", "--profile",
			      "oakestra"), 0);
	ck_assert_str_eq(prefix(&cfg.worker_range), "10.20.0.0/16");
	ck_assert_str_eq(prefix(&cfg.service_range), "10.30.0.0/16");
}
END_TEST

START_TEST(cluster_profiles)
{
	struct sn_cluster_config cfg;

	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--profile", "oakestra"), 0);
	ck_assert_int_eq(cfg.port, 10110);
	ck_assert_int_eq(cfg.mqtt_port, 10003);
	ck_assert_str_eq(cfg.root_url, "http://127.0.0.1:10099");
	ck_assert(!cfg.mqtt_security.tls);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--profile", "seed"), 0);
	ck_assert_int_eq(cfg.mqtt_port, 1883);
	unit_write_file(unit_file, "{\"mqtt_port\": 8883, \"profile\": \"oakestra\"}");
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--config", unit_file), 0);
	ck_assert_int_eq(cfg.mqtt_port, 8883);
	ck_assert_int_eq(cfg.port, 10110);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--profile", "none"), -1);
}
END_TEST

/* The mqtt-* settings (parsed and checked by sn_config, test_config.c)
 * reach the cluster's config; a bad one stops it at startup. */
START_TEST(cluster_mqtt_security)
{
	struct sn_cluster_config cfg;

	unit_write_file(unit_file, "secret\n");
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--mqtt-tls", "on", "--mqtt-username",
				 "cluster", "--mqtt-password-file", unit_file), 0);
	ck_assert(cfg.mqtt_security.tls);
	ck_assert_str_eq(cfg.mqtt_security.capath, "/etc/ssl/certs");
	ck_assert_str_eq(cfg.mqtt_security.username, "cluster");
	ck_assert_str_eq(cfg.mqtt_security.password, "secret");
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--mqtt-keyfile", unit_file), -1);
	ck_assert_int_eq(CLUSTER(&cfg, "semnet-cluster", "--mqtt-cafile", unit_file), -1);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("managers_config", unit_file_setup, unit_file_teardown, 0, root_defaults,
			  root_file_then_flags, root_refusals, root_profiles, cluster_defaults,
			  cluster_file_then_flags, cluster_refusals, cluster_profiles,
			  cluster_mqtt_security);
}
