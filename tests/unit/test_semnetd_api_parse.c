// SPDX-License-Identifier: GPL-2.0
/* semnetd's API bodies: what Oakestra's node engine sends, and what it
 * must not get away with. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/api_parse.h"

#define PARSE(fn, text, out, err) fn(text, strlen(text), out, err)

START_TEST(register_accepts_oakestra_bodies)
{
	struct semnetd_register_req r;
	struct sn_err err;

	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":\"worker-1\",\"cluster_address\":\"10.0.0.5\"}", &r,
			       &err), 0);
	ck_assert_str_eq(r.client_id, "worker-1");
	ck_assert_str_eq(r.cluster_address, "10.0.0.5");
	/* p2p-mode extras are accepted and ignored */
	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":\"w\",\"cluster_address\":\"c.example\",\"mode\":\"p2p\","
			       "\"gossip_key\":\"k\",\"seeds\":[],\"gossip_port\":7946}", &r, &err), 0);
}
END_TEST

START_TEST(register_refuses_bad_bodies)
{
	struct semnetd_register_req r;
	struct sn_err err;

	ck_assert_int_eq(PARSE(semnetd_parse_register, "{\"client_id\":\"w\"", &r, &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_register, "[]", &r, &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_register, "{\"cluster_address\":\"c\"}", &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "client_id"));
	/* node ids name MQTT topics: no '/', '+', '#' */
	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":\"a/b\",\"cluster_address\":\"c\"}", &r, &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":\"#\",\"cluster_address\":\"c\"}", &r, &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":\"w\",\"cluster_address\":\"a b\"}", &r, &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_register,
			       "{\"client_id\":7,\"cluster_address\":\"c\"}", &r, &err), -1);
}
END_TEST

START_TEST(deploy_parses_everything)
{
	struct semnetd_deploy_req r;
	struct sn_err err;

	ck_assert_int_eq(PARSE(semnetd_parse_deploy,
			       "{\"pid\":4242,\"serviceName\":\"app.ns.web.prod\",\"instanceNumber\":3,"
			       "\"portMappings\":\"8080:80;5353:53/udp;9000:9000/tcp\"}", &r, &err), 0);
	ck_assert_int_eq(r.pid, 4242);
	ck_assert_str_eq(r.job_name, "app.ns.web.prod");
	ck_assert_int_eq(r.instance_number, 3);
	ck_assert_uint_eq(r.nports, 3);
	ck_assert_uint_eq(r.ports[0].host_port, 8080);
	ck_assert_uint_eq(r.ports[0].container_port, 80);
	ck_assert_uint_eq(r.ports[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(r.ports[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(r.ports[2].proto, IPPROTO_TCP);
	/* no mappings: absent, "" */
	ck_assert_int_eq(PARSE(semnetd_parse_deploy,
			       "{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0}", &r, &err), 0);
	ck_assert_uint_eq(r.nports, 0);
	ck_assert_int_eq(PARSE(semnetd_parse_deploy,
			       "{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"\"}",
			       &r, &err), 0);
	ck_assert_uint_eq(r.nports, 0);
}
END_TEST

START_TEST(deploy_refuses_bad_bodies)
{
	static const char *const bad[] = {
		"{\"pid\": 12,",
		"{\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0}",		/* no pid */
		"{\"pid\":0,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0}",	/* pid 0 */
		"{\"pid\":-1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0}",
		"{\"pid\":\"12\",\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0}",	/* a string */
		"{\"pid\":1,\"serviceName\":\"a.b.c\",\"instanceNumber\":0}",	/* three parts */
		"{\"pid\":1,\"serviceName\":\"a.b.c.d-e\",\"instanceNumber\":0}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\"}",			/* no number */
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":-1}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"65536:80\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"80:80/sctp\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":7}",
	};
	struct semnetd_deploy_req r;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_msg(PARSE(semnetd_parse_deploy, bad[i], &r, &err) == -1, "accepted: %s",
			      bad[i]);
		ck_assert_msg(err.msg[0], "no message for: %s", bad[i]);
	}
}
END_TEST

/*
 * portMappings, every form Oakestra's NetManager accepts and refuses, read
 * from node-net-manager/network/Nat.go (ManageContainerPorts, isValidPort)
 * at oakestra/oakestra-net 1bdf5faecf21e21e76d345643b98c1ce5ddc107f; the
 * NodeEngine (oakestra/oakestra 0e879834, go_node_engine/requests/
 * NetManagerRequests.go) passes the SLA's "port" string unchanged. Where
 * the NetManager's iptables reads a port otherwise than its parser, the
 * comment says so.
 */
struct ports_case {
	const char *text;
	const char *want;	/* semnetd_format_ports() of the result */
};

START_TEST(ports_oakestra_accepts)
{
	static const struct ports_case ok[] = {
		{ "9080", "9080:9080" },		/* Oakestra's example SLA: host = container */
		{ "80;443", "80:80;443:443" },		/* a list of single ports */
		{ "8080:80", "8080:80" },
		{ "8080:80;5353:53/udp;9000:9000/tcp", "8080:80;5353:53/udp;9000:9000" },
		{ "53/udp", "53:53/udp" },		/* single port, protocol suffix */
		{ "53/tcp", "53:53" },
		{ "53:53;53:53/udp", "53:53;53:53/udp" },	/* one port, both protocols */
		{ "80/udp:90", "80:90/udp" },		/* every "/udp" is taken out */
		{ "8/udp0", "80:80/udp" },
		{ "80/udp/udp", "80:80/udp" },
		{ "80/tcp/tcp", "80:80" },
		{ "80:90:100", "80:90" },		/* parts after the second are ignored */
		{ "80:90:x", "80:90" },
		{ "+80", "80:80" },			/* Atoi's sign; iptables reads it too */
		{ "65535:1", "65535:1" },
		{ "0", "" },				/* port 0: accepted, maps nothing */
		{ "0:80;81", "81:81" },
		{ "80:8080;80:9090", "80:8080" },	/* the first rule of a host port wins */
		{ "", "" },
	};
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err err;
	char text[256];
	size_t n;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(semnetd_parse_ports(ok[i].text, maps, &n, &err) == 0,
			      "refused '%s': %s", ok[i].text, err.msg);
		semnetd_format_ports(maps, n, text, sizeof(text));
		ck_assert_msg(!strcmp(text, ok[i].want), "'%s' gave '%s', not '%s'", ok[i].text,
			      text, ok[i].want);
		/* What the store keeps parses back to the same. */
		ck_assert_int_eq(semnetd_parse_ports(text, maps, &n, &err), 0);
		semnetd_format_ports(maps, n, text, sizeof(text));
		ck_assert_str_eq(text, ok[i].want);
	}
}
END_TEST

START_TEST(ports_oakestra_refuses)
{
	static const struct ports_case bad[] = {
		{ "80;", "empty" },			/* Go's Split gives a last "" */
		{ ";80", "empty" },
		{ "80;;443", "empty" },
		{ ";", "empty" },
		{ "8000-8010", "a number" },		/* no ranges */
		{ "8000-8010:80", "a number" },
		{ "80:80/sctp", "a number" },		/* only /tcp and /udp are removed */
		{ "80/UDP", "a number" },
		{ "80/tcp/udp", "a number" },		/* "/udp" out, "80/tcp" is left */
		{ ":80", "a number" },
		{ "80:", "a number" },
		{ "80 ", "a number" },			/* no blanks */
		{ "80; 443", "a number" },
		{ "x", "a number" },
		{ "+", "a number" },
		{ "65536", "at most 65535" },
		{ "80:99999999999999999999", "at most 65535" },
		{ "-1", "negative" },
		{ "-0", "minus sign" },			/* Atoi takes it, iptables does not */
		{ "010", "leading zero" },		/* iptables reads octal: port 8 */
		{ "0080", "leading zero" },		/* iptables refuses it */
	};
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err err;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_msg(semnetd_parse_ports(bad[i].text, maps, &n, &err) == -1,
			      "accepted '%s'", bad[i].text);
		ck_assert_msg(strstr(err.msg, "portMappings") && strstr(err.msg, bad[i].want),
			      "'%s': message '%s' lacks '%s'", bad[i].text, err.msg, bad[i].want);
	}
}
END_TEST

START_TEST(unikernel_deploy_takes_no_pid)
{
	struct semnetd_deploy_req r;
	struct sn_err err;

	/* The NodeEngine's connectNetworkRequestUnikernel: pid 0. */
	ck_assert_int_eq(PARSE(semnetd_parse_unikernel_deploy,
			       "{\"pid\":0,\"serviceName\":\"app.ns.uk.prod\",\"instanceNumber\":1,"
			       "\"portMappings\":\"9080\"}", &r, &err), 0);
	ck_assert_int_eq(r.pid, 0);
	ck_assert_str_eq(r.job_name, "app.ns.uk.prod");
	ck_assert_int_eq(r.instance_number, 1);
	ck_assert_uint_eq(r.nports, 1);
	ck_assert_uint_eq(r.ports[0].host_port, 9080);
	ck_assert_uint_eq(r.ports[0].container_port, 9080);
	ck_assert_int_eq(PARSE(semnetd_parse_unikernel_deploy,
			       "{\"serviceName\":\"app.ns.uk.prod\",\"instanceNumber\":1}", &r, &err),
			 0);
	ck_assert_int_eq(PARSE(semnetd_parse_unikernel_deploy,
			       "{\"pid\":0,\"serviceName\":\"app.ns.uk\",\"instanceNumber\":1}", &r,
			       &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_unikernel_deploy,
			       "{\"pid\":0,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":1,"
			       "\"portMappings\":\"80;\"}", &r, &err), -1);
}
END_TEST

START_TEST(ports_are_bounded)
{
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err err;
	char text[1024] = "";
	size_t n, used = 0;

	for (int i = 0; i <= SEMNETD_PORTS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%d:80;", 1000 + i);
	ck_assert_int_eq(semnetd_parse_ports(text, maps, &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "at most"));
}
END_TEST

START_TEST(undeploy_ignores_oakestra_extras)
{
	struct semnetd_undeploy_req r;
	struct sn_err err;

	ck_assert_int_eq(PARSE(semnetd_parse_undeploy,
			       "{\"pid\":-1,\"serviceName\":\"app.ns.web.prod\",\"instanceNumber\":2,"
			       "\"portMappings\":\"\"}", &r, &err), 0);
	ck_assert_str_eq(r.job_name, "app.ns.web.prod");
	ck_assert_int_eq(r.instance_number, 2);
	ck_assert_int_eq(PARSE(semnetd_parse_undeploy, "{\"serviceName\":\"app.ns.web.prod\"}", &r,
			       &err), -1);
	ck_assert_int_eq(PARSE(semnetd_parse_undeploy, "", &r, &err), -1);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_api_parse", NULL, NULL, 0, register_accepts_oakestra_bodies,
			  register_refuses_bad_bodies, deploy_parses_everything,
			  deploy_refuses_bad_bodies,
			  ports_oakestra_accepts, ports_oakestra_refuses, unikernel_deploy_takes_no_pid,
			  ports_are_bounded,
			  undeploy_ignores_oakestra_extras);
}
