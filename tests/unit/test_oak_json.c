// SPDX-License-Identifier: GPL-2.0
/* The JSON mapping: request field readers and Oakestra's table records. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sn_json.h"
#include "sn_oak.h"

static json_t *parse(const char *text)
{
	struct sn_err err;
	json_t *j = sn_json_parse_object(text, strlen(text), &err);

	ck_assert_msg(j != NULL, "test JSON does not parse: %s", err.msg);
	return j;
}

START_TEST(parse_object_rejects_bad_bodies)
{
	struct sn_err err;

	ck_assert_ptr_null(sn_json_parse_object("", 0, &err));
	ck_assert_str_eq(err.msg, "empty body: a JSON object is required");
	ck_assert_ptr_null(sn_json_parse_object("{\"a\":", 5, &err));
	ck_assert(strncmp(err.msg, "malformed JSON", 14) == 0);
	ck_assert_ptr_null(sn_json_parse_object("[1]", 3, &err));
	ck_assert_str_eq(err.msg, "the body must be a JSON object");
	ck_assert_ptr_null(sn_json_parse_object("{\"a\":1,\"a\":2}", 13, &err));
	ck_assert_ptr_null(sn_json_parse_object("{} {}", 5, &err));
	/* An embedded NUL would truncate names in C: refused at parse time. */
	ck_assert_ptr_null(sn_json_parse_object("{\"s\":\"a\\u0000b\"}", 16, &err));
}
END_TEST

START_TEST(string_reader)
{
	json_t *j = parse("{\"s\":\"abc\",\"n\":5,\"e\":\"\",\"z\":null}");
	struct sn_err err;
	const char *out;

	ck_assert_int_eq(sn_json_str(j, "s", true, 3, &out, &err), 0);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(sn_json_str(j, "s", true, 2, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 's' must be 1 to 2 bytes long");
	ck_assert_int_eq(sn_json_str(j, "n", true, 9, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 'n' must be a string");
	ck_assert_int_eq(sn_json_str(j, "missing", true, 9, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 'missing' is required");
	ck_assert_int_eq(sn_json_str(j, "missing", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(sn_json_str(j, "z", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	/* Oakestra's "" for an absent optional field. */
	ck_assert_int_eq(sn_json_str(j, "e", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(sn_json_str(j, "e", true, 9, &out, &err), -1);
	json_decref(j);
}
END_TEST

START_TEST(int_reader)
{
	json_t *j = parse("{\"i\":4754,\"s\":\"50103\",\"bad\":\"12x\",\"f\":1.5,\"big\":99999999999}");
	struct sn_err err;
	long long v = -7;

	ck_assert_int_eq(sn_json_int(j, "i", true, false, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, 4754);
	ck_assert_int_eq(sn_json_int(j, "s", true, false, 1, 65535, &v, &err), -1);
	ck_assert_str_eq(err.msg, "field 's' must be an integer");
	ck_assert_int_eq(sn_json_int(j, "s", true, true, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, 50103);
	ck_assert_int_eq(sn_json_int(j, "bad", true, true, 1, 65535, &v, &err), -1);
	ck_assert_int_eq(sn_json_int(j, "f", true, true, 1, 65535, &v, &err), -1);
	ck_assert_int_eq(sn_json_int(j, "big", true, true, 1, 65535, &v, &err), -1);
	ck_assert_str_eq(err.msg, "field 'big' must be between 1 and 65535");
	v = -7;
	ck_assert_int_eq(sn_json_int(j, "none", false, true, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, -7);
	json_decref(j);
}
END_TEST

START_TEST(ipv4_reader)
{
	json_t *j = parse("{\"a\":\"172.30.0.1\",\"b\":\"172.30.0\",\"c\":\"\",\"d\":17}");
	struct sn_err err;
	uint32_t ip;
	bool present;

	ck_assert_int_eq(sn_json_ipv4(j, "a", true, &ip, &present, &err), 0);
	ck_assert(present);
	ck_assert_uint_eq(ip, 0xac1e0001);
	ck_assert_int_eq(sn_json_ipv4(j, "b", true, &ip, &present, &err), -1);
	ck_assert_str_eq(err.msg, "field 'b' must be an IPv4 address");
	ck_assert_int_eq(sn_json_ipv4(j, "c", false, &ip, &present, &err), 0);
	ck_assert(!present);
	ck_assert_int_eq(sn_json_ipv4(j, "c", true, &ip, &present, &err), -1);
	ck_assert_int_eq(sn_json_ipv4(j, "d", false, &ip, &present, &err), -1);
	json_decref(j);
}
END_TEST

START_TEST(job_names)
{
	char longest[4 * 31];

	ck_assert(sn_oak_job_name_valid("app.ns.web.prod"));
	ck_assert(sn_oak_job_name_valid("A1.b2.C3.d4"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web.prod.x"));
	ck_assert(!sn_oak_job_name_valid("app..web.prod"));
	ck_assert(!sn_oak_job_name_valid("app_x.ns.web.prod"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web.pröd"));
	ck_assert(!sn_oak_job_name_valid(""));
	memset(longest, 'a', sizeof(longest));
	longest[30] = longest[61] = longest[92] = '.';
	longest[123] = '\0';
	ck_assert(sn_oak_job_name_valid(longest));	/* 4 x 30 */
	longest[30] = 'a';
	ck_assert(!sn_oak_job_name_valid(longest));	/* a 61-character part */
}
END_TEST

START_TEST(tunnel_kind)
{
	ck_assert_str_eq(sn_oak_tunnel(NULL, 50103), "ipudp");
	ck_assert_str_eq(sn_oak_tunnel(NULL, 4754), "gre-udp");
	ck_assert_str_eq(sn_oak_tunnel("gre-udp", 50103), "gre-udp");
	ck_assert_str_eq(sn_oak_tunnel("ipudp", 4754), "ipudp");
	ck_assert_ptr_null(sn_oak_tunnel("vxlan", 4789));
}
END_TEST

static struct sn_oak_table sample_table(struct sn_oak_instance inst[2])
{
	struct sn_oak_table t = { .app_name = "app.ns.web.prod", .rr_ip = 0xac1e0001,
				  .closest_ip = 0xac1e0002, .instances = inst, .ninstances = 2 };

	memset(inst, 0, 2 * sizeof(*inst));
	inst[0] = (struct sn_oak_instance){ .number = 0, .instance_ip = 0xac1e0003,
					    .ns_ip = 0xac100002, .host_ip = "10.0.0.1",
					    .host_port = 4754, .tunnel = "gre-udp" };
	inst[1] = (struct sn_oak_instance){ .number = 5, .instance_ip = 0xac1e0004,
					    .ns_ip = 0xac100042, .host_ip = "10.0.0.2",
					    .host_port = 50103, .tunnel = "ipudp" };
	return t;
}

START_TEST(instance_entry_json)
{
	struct sn_oak_instance inst[2];
	struct sn_oak_table t = sample_table(inst);
	json_t *j = sn_oak_instance_json(&inst[0], t.rr_ip, t.closest_ip);
	char *text = json_dumps(j, JSON_COMPACT);

	ck_assert_str_eq(text,
		"{\"instance_number\":0,\"instance_ip\":\"172.30.0.3\",\"instance_ip_v6\":null,"
		"\"namespace_ip\":\"172.16.0.2\",\"namespace_ip_v6\":null,\"host_ip\":\"10.0.0.1\","
		"\"host_port\":4754,\"tunnel\":\"gre-udp\",\"service_ip\":["
		"{\"IpType\":\"RR\",\"Address\":\"172.30.0.1\",\"Address_v6\":null},"
		"{\"IpType\":\"Closest\",\"Address\":\"172.30.0.2\",\"Address_v6\":null},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"172.30.0.3\",\"Address_v6\":null}]}");
	free(text);
	json_decref(j);
}
END_TEST

START_TEST(table_round_trip)
{
	struct sn_oak_instance inst[2];
	struct sn_oak_table t = sample_table(inst), back;
	struct sn_err err;
	json_t *j = sn_oak_table_json(&t, "app.ns.web.prod");

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "query_key")), "app.ns.web.prod");
	ck_assert_int_eq(sn_oak_table_parse(j, &back, &err), 0);
	ck_assert_str_eq(back.app_name, t.app_name);
	ck_assert_uint_eq(back.rr_ip, t.rr_ip);
	ck_assert_uint_eq(back.closest_ip, t.closest_ip);
	ck_assert_uint_eq(back.ninstances, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(back.instances[i].number, inst[i].number);
		ck_assert_uint_eq(back.instances[i].instance_ip, inst[i].instance_ip);
		ck_assert_uint_eq(back.instances[i].ns_ip, inst[i].ns_ip);
		ck_assert_str_eq(back.instances[i].host_ip, inst[i].host_ip);
		ck_assert_int_eq(back.instances[i].host_port, inst[i].host_port);
		ck_assert_str_eq(back.instances[i].tunnel, inst[i].tunnel);
	}
	sn_oak_table_free(&back);
	json_decref(j);
}
END_TEST

START_TEST(table_from_oakestra)
{
	/* Oakestra's shape: no top-level service_ip, host_port as a string,
	 * no tunnel field, v6 fields as strings. */
	json_t *j = parse("{\"app_name\":\"a.b.c.d\",\"instance_list\":[{\"instance_number\":2,"
			  "\"instance_ip\":\"10.30.0.9\",\"instance_ip_v6\":\"fdff::9\","
			  "\"namespace_ip\":\"10.18.0.2\",\"namespace_ip_v6\":\"\","
			  "\"host_ip\":\"192.0.2.1\",\"host_port\":\"50103\",\"service_ip\":["
			  "{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff::1\"},"
			  "{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.9\"}]}]}");
	struct sn_oak_table t;
	struct sn_err err;

	ck_assert_int_eq(sn_oak_table_parse(j, &t, &err), 0);
	ck_assert_uint_eq(t.rr_ip, 0x0a1e0001);
	ck_assert_uint_eq(t.closest_ip, 0);
	ck_assert_uint_eq(t.ninstances, 1);
	ck_assert_int_eq(t.instances[0].host_port, 50103);
	ck_assert_str_eq(t.instances[0].tunnel, "ipudp");
	sn_oak_table_free(&t);
	json_decref(j);
}
END_TEST

START_TEST(table_parse_errors)
{
	static const char *const bad[] = {
		"{\"instance_list\":[]}",
		"{\"app_name\":\"a.b.c.d\"}",
		"{\"app_name\":\"a.b.c.d\",\"instance_list\":{}}",
		"{\"app_name\":\"a.b.c.d\",\"instance_list\":[]}",	/* no RR address anywhere */
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":-1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":1}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":70000}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":1,\"tunnel\":\"vxlan\"}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[7]}",
	};
	struct sn_oak_table t;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = parse(bad[i]);

		ck_assert_msg(sn_oak_table_parse(j, &t, &err) == -1, "case %zu parsed", i);
		ck_assert_ptr_null(t.instances);
		json_decref(j);
	}
}
END_TEST

START_TEST(error_body)
{
	json_t *j = sn_json_error("no service %s", "x.y.z.w");
	char *text = json_dumps(j, JSON_COMPACT);

	ck_assert_str_eq(text, "{\"error\":\"no service x.y.z.w\"}");
	free(text);
	json_decref(j);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("oak_json", NULL, NULL, 0, parse_object_rejects_bad_bodies,
			  string_reader, int_reader, ipv4_reader, job_names, tunnel_kind,
			  instance_entry_json, table_round_trip, table_from_oakestra,
			  table_parse_errors, error_body);
}
