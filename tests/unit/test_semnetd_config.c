// SPDX-License-Identifier: GPL-2.0
/* semnetd's settings: defaults, --config JSON, flags over the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "../../daemon/node/config.h"
#include "sn_log.h"

static int load(struct semnetd_config *cfg, int argc, const char **argv)
{
	/* getopt permutes argv: give it a writable copy. */
	char *args[16];

	ck_assert_int_lt(argc, 16);
	for (int i = 0; i < argc; i++)
		args[i] = (char *)argv[i];
	args[argc] = NULL;
	return semnetd_config_load(cfg, argc, args);
}

START_TEST(defaults)
{
	struct semnetd_config cfg;
	const char *argv[] = { "semnetd" };
	char text[SN_CIDR_STRLEN];

	ck_assert_int_eq(load(&cfg, 1, argv), 0);
	ck_assert_str_eq(cfg.socket_path, "/run/semnet/semnetd.sock");
	ck_assert_str_eq(cfg.db_path, "/var/lib/semnet/semnetd.db");
	ck_assert_str_eq(cfg.bridge, "semnet-br0");
	ck_assert(!cfg.routed);			/* bridged */
	ck_assert_int_eq(cfg.tunnel_port, 4754);
	ck_assert_int_eq(cfg.mqtt_port, 10003);
	ck_assert(!sn_ipaddr_is_set(&cfg.underlay_addr));	/* found at /register */
	ck_assert_int_eq(cfg.underlay_family, 0);		/* auto: IPv4 first */
	sn_prefix_format(&cfg.platform, text);
	ck_assert_str_eq(text, "172.16.0.0/12");
	sn_prefix_format(&cfg.services, text);
	ck_assert_str_eq(text, "172.30.0.0/16");
	ck_assert(cfg.firewall);
	ck_assert_int_eq(cfg.probe_interval_ms, 500);
	ck_assert_int_eq(cfg.probe_timeout_ms, 1000);
	ck_assert_int_eq(cfg.probe_down_after, 3);
	ck_assert_int_eq(cfg.discovery_interval_ms, 60000);
	ck_assert_int_eq(cfg.wg_rotate_grace_ms, 2000);
}
END_TEST

START_TEST(probe_settings)
{
	struct semnetd_config cfg;
	const char *argv[] = { "semnetd", "--probe-interval-ms", "200", "--config", unit_file };
	const char *off[] = { "semnetd", "--probe-interval-ms", "0" };

	unit_write_file(unit_file, "{\"probe_timeout_ms\":400,\"probe_down_after\":2}");
	ck_assert_int_eq(load(&cfg, 5, argv), 0);
	ck_assert_int_eq(cfg.probe_interval_ms, 200);
	ck_assert_int_eq(cfg.probe_timeout_ms, 400);
	ck_assert_int_eq(cfg.probe_down_after, 2);
	ck_assert_int_eq(load(&cfg, 3, off), 0);
	ck_assert_int_eq(cfg.probe_interval_ms, 0);	/* no probes */
	{
		const char *disc[] = { "semnetd", "--discovery-interval-ms", "5000" };

		ck_assert_int_eq(load(&cfg, 3, disc), 0);
		ck_assert_int_eq(cfg.discovery_interval_ms, 5000);
	}
	{
		const char *grace[] = { "semnetd", "--wg-rotate-grace-ms", "8000" };
		const char *bad[] = { "semnetd", "--wg-rotate-grace-ms", "600001" };

		ck_assert_int_eq(load(&cfg, 3, grace), 0);
		ck_assert_int_eq(cfg.wg_rotate_grace_ms, 8000);
		ck_assert_int_eq(load(&cfg, 3, bad), -1);
	}
}
END_TEST

START_TEST(mode)
{
	struct semnetd_config cfg;
	const char *routed[] = { "semnetd", "--mode", "routed" };
	const char *bridged[] = { "semnetd", "--mode", "bridged", "--config", unit_file };
	const char *bad[] = { "semnetd", "--mode", "bridge" };

	ck_assert_int_eq(load(&cfg, 3, routed), 0);
	ck_assert(cfg.routed);
	/* Routed, the bridge is not used: its name may be anything. */
	unit_write_file(unit_file, "{\"mode\":\"routed\",\"bridge\":\"semnet0\"}");
	ck_assert_int_eq(load(&cfg, 3, (const char *[]){ "semnetd", "--config", unit_file }), 0);
	ck_assert(cfg.routed);
	ck_assert_int_eq(load(&cfg, 5, bridged), -1);	/* the flag wins: semnet0 refused */
	ck_assert_int_eq(load(&cfg, 3, bad), -1);
}
END_TEST

START_TEST(file_then_flags)
{
	struct semnetd_config cfg;
	const char *argv[] = { "semnetd", "--mqtt-port", "1884", "--config", unit_file };

	unit_write_file(unit_file,
			"{\"socket\":\"/tmp/s.sock\",\"mqtt_port\":1883,\"underlay_addr\":\"10.0.0.7\","
			"\"platform\":\"10.18.0.0/16\",\"services\":\"10.18.128.0/17\",\"firewall\":false,"
			"\"log_level\":\"debug\"}");
	ck_assert_int_eq(load(&cfg, 5, argv), 0);
	ck_assert_str_eq(cfg.socket_path, "/tmp/s.sock");
	ck_assert_int_eq(cfg.mqtt_port, 1884);	/* the flag wins, wherever it is */
	ck_assert_int_eq(cfg.underlay_addr.family, AF_INET);
	ck_assert_uint_eq(cfg.underlay_addr.v4, 0x0a000007);
	ck_assert(!cfg.firewall);
	ck_assert_int_eq(cfg.log_level, SN_LOG_DEBUG);
}
END_TEST

/* An IPv6-only uplink: --underlay-addr of either family, canonical;
 * --underlay-family picks what is looked for; unusable addresses and a
 * family that contradicts the address are refused at startup. */
START_TEST(underlay_settings)
{
	static const char *const bad[][2] = {
		{ "--underlay-addr", "10.0.0" }, { "--underlay-addr", "::" },
		{ "--underlay-addr", "0.0.0.0" }, { "--underlay-addr", "fe80::1" },
		{ "--underlay-addr", "ff02::1" }, { "--underlay-addr", "224.0.0.1" },
		{ "--underlay-addr", "::ffff:10.0.0.1" }, { "--underlay-addr", "fd99::1%ul0" },
		{ "--underlay-family", "ipv6" }, { "--underlay-family", "46" },
	};
	struct semnetd_config cfg;
	const char *v6[] = { "semnetd", "--underlay-addr", "2001:DB8:0::7" };
	const char *fam[] = { "semnetd", "--underlay-family", "6" };
	const char *both[] = { "semnetd", "--underlay-family", "6", "--underlay-addr", "fd99::2" };
	const char *clash[] = { "semnetd", "--underlay-family", "4", "--underlay-addr", "fd99::2" };
	const char *clash4[] = { "semnetd", "--underlay-family", "6", "--underlay-addr", "10.0.0.2" };
	const char *file[] = { "semnetd", "--config", unit_file };
	char text[SN_IPADDR_STRLEN];

	ck_assert_int_eq(load(&cfg, 3, v6), 0);
	ck_assert_int_eq(cfg.underlay_addr.family, AF_INET6);
	ck_assert_str_eq(sn_ipaddr_format(&cfg.underlay_addr, text), "2001:db8::7");
	ck_assert_int_eq(cfg.underlay_family, 0);
	ck_assert_int_eq(load(&cfg, 3, fam), 0);
	ck_assert_int_eq(cfg.underlay_family, AF_INET6);
	ck_assert(!sn_ipaddr_is_set(&cfg.underlay_addr));
	ck_assert_int_eq(load(&cfg, 5, both), 0);
	ck_assert_str_eq(sn_ipaddr_format(&cfg.underlay_addr, text), "fd99::2");
	ck_assert_int_eq(load(&cfg, 5, clash), -1);
	ck_assert_int_eq(load(&cfg, 5, clash4), -1);
	unit_write_file(unit_file, "{\"underlay_addr\":\"fd99::3\",\"underlay_family\":\"auto\"}");
	ck_assert_int_eq(load(&cfg, 3, file), 0);
	ck_assert_str_eq(sn_ipaddr_format(&cfg.underlay_addr, text), "fd99::3");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { "semnetd", bad[i][0], bad[i][1] };

		ck_assert_msg(load(&cfg, 3, argv) == -1, "accepted %s %s", bad[i][0], bad[i][1]);
	}
}
END_TEST

START_TEST(bad_settings)
{
	static const char *const files[] = {
		"{\"nope\":1}",				/* unknown key */
		"{\"mqtt_port\":70000}",
		"{\"underlay_addr\":\"10.0.0\"}",
		"{\"platform\":\"172.16.0.1/12\"}",	/* host bits */
		"{\"bridge\":\"a/b\"}",
		"{\"bridge\":\"br\\\"0\"}",		/* a quote: nft commands */
		"{\"bridge\":\"semnet0\"}",		/* the tunnel's name */
		"{\"services\":\"10.30.0.0/16\"}",	/* outside the platform */
		"{\"socket\":[]}",
		"{\"probe_interval_ms\":50}",		/* more than a few a second */
		"{\"probe_interval_ms\":-1}",
		"{\"probe_timeout_ms\":0}",
		"{\"probe_down_after\":0}",
		"{\"discovery_interval_ms\":999}",	/* the cluster's rate limit */
		"[1]",
		"{\"socket\":",
	};
	struct semnetd_config cfg;
	const char *argv[] = { "semnetd", "--config", unit_file };
	const char *flags[] = { "semnetd", "--tunnel-port", "x" };
	const char *extra[] = { "semnetd", "extra" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		unit_write_file(unit_file, files[i]);
		ck_assert_msg(load(&cfg, 3, argv) == -1, "accepted %s", files[i]);
	}
	ck_assert_int_eq(load(&cfg, 3, flags), -1);
	ck_assert_int_eq(load(&cfg, 2, extra), -1);
}
END_TEST

/* --profile oakestra: a drop-in for Oakestra's NetManager, no other flag. */
START_TEST(profile_oakestra)
{
	struct semnetd_config cfg;
	const char *oak[] = { "semnetd", "--profile", "oakestra" };
	const char *over[] = { "semnetd", "--socket", "/run/x.sock", "--profile", "oakestra" };
	const char *bad[] = { "semnetd", "--profile", "netmanager" };
	char text[SN_CIDR6_STRLEN];

	ck_assert_int_eq(load(&cfg, 3, oak), 0);
	ck_assert_str_eq(cfg.socket_path, "/etc/netmanager/netmanager.sock");
	ck_assert_int_eq(cfg.mqtt_port, 10003);
	sn_prefix_format(&cfg.platform, text);
	ck_assert_str_eq(text, "10.16.0.0/12");
	sn_prefix_format(&cfg.services, text);
	ck_assert_str_eq(text, "10.30.0.0/16");
	sn_prefix6_format(&cfg.platform6, text);
	ck_assert_str_eq(text, "fc00::/7");
	ck_assert_int_eq(cfg.tunnel_port, 4754);
	ck_assert(!cfg.mqtt_security.tls);

	ck_assert_int_eq(load(&cfg, 5, over), 0);
	ck_assert_str_eq(cfg.socket_path, "/run/x.sock");
	unit_write_file(unit_file, "{\"profile\": \"oakestra\", \"services\": \"10.31.0.0/16\"}");
	{
		const char *file[] = { "semnetd", "--config", unit_file };

		ck_assert_int_eq(load(&cfg, 3, file), 0);
	}
	sn_prefix_format(&cfg.services, text);
	ck_assert_str_eq(text, "10.31.0.0/16");
	sn_prefix_format(&cfg.platform, text);
	ck_assert_str_eq(text, "10.16.0.0/12");
	ck_assert_int_eq(load(&cfg, 3, bad), -1);
}
END_TEST

/* Oakestra's MqttCert/MqttKey are --mqtt-certfile/--mqtt-keyfile; the
 * checks are sn_config's (test_config.c). */
START_TEST(mqtt_security)
{
	struct semnetd_config cfg;
	const char *only_key[] = { "semnetd", "--mqtt-keyfile", unit_file };
	const char *login[] = { "semnetd", "--mqtt-username", "n1", "--mqtt-password-file",
				unit_file };

	unit_write_file(unit_file, "pw\n");
	ck_assert_int_eq(load(&cfg, 3, only_key), -1);
	ck_assert_int_eq(load(&cfg, 5, login), 0);
	ck_assert_str_eq(cfg.mqtt_security.username, "n1");
	ck_assert_str_eq(cfg.mqtt_security.password, "pw");
	ck_assert(!cfg.mqtt_security.tls);
}
END_TEST

START_TEST(help)
{
	struct semnetd_config cfg;
	const char *argv[] = { "semnetd", "--help" };

	ck_assert_int_eq(load(&cfg, 2, argv), 1);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_config", unit_file_setup, unit_file_teardown, 0, defaults,
			  file_then_flags, probe_settings, mode, underlay_settings, bad_settings,
			  profile_oakestra, mqtt_security, help);
}
