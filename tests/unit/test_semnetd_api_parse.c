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
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"80\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"0:80\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"65536:80\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"80:80/sctp\"}",
		"{\"pid\":1,\"serviceName\":\"a.b.c.d\",\"instanceNumber\":0,\"portMappings\":\"80:80;80:81\"}",
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

START_TEST(ports_same_port_two_protocols_and_round_trip)
{
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err err;
	char text[256];
	size_t n;

	ck_assert_int_eq(semnetd_parse_ports("53:53;53:53/udp;", maps, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	semnetd_format_ports(maps, n, text, sizeof(text));
	ck_assert_str_eq(text, "53:53;53:53/udp");
	ck_assert_int_eq(semnetd_parse_ports(text, maps, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
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
			  ports_same_port_two_protocols_and_round_trip, ports_are_bounded,
			  undeploy_ignores_oakestra_extras);
}
