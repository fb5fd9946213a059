// SPDX-License-Identifier: GPL-2.0
/*
 * semnet-root's IPv6 addressing (issue 16), through its REST handlers
 * called in process (no socket), on a fresh store each case:
 *
 *   cluster c1 (10.0.0.1) --GET /api/net/subnet--------------> root
 *   system manager -------POST service/deploy, instance/deploy-> |  SQLite
 *   cluster c1 -----------POST net_deploy_status, GET .../ip/--> |  (reopened
 *                                                                |  for restarts)
 *
 * The plan is Oakestra's layout (daemon/OAKESTRA.md, section 5): worker
 * /120s from fc00::/96, InstanceIPs from fdff::/104, RR and Closest from
 * fdff:2000::/104, each window's first address left out. Cases with
 * "small" run on tiny windows to reach exhaustion and recycling.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "root_fixture.h"

static char dir[64];
static char db_arg[128];
static struct sn_root root;
static uv_loop_t loop;

/* Starts the root on the case's database, as main() does (no HTTP server). */
static void start(const char *const *extra)
{
	char *argv[16] = { "semnet-root", "--db", db_arg, "--sync", "normal",
			   "--log-level", "error" };
	int argc = 7;

	for (; extra && *extra; extra++)
		argv[argc++] = (char *)*extra;
	unit_root_start(&root, &loop, argc, argv);
}

static json_t *reply;
static int status;

static void stop(void)
{
	json_decref(reply);
	reply = NULL;
	unit_root_stop(&root, &loop);
}

static const char *const small[] = {
	"--worker-window6", "fc00::/118",	/* 4 /120s */
	"--instance-window6", "fdff::/126",	/* ::1-::3 */
	"--rr-window6", "fdff:2000::/126",	/* ::1-::3 */
	NULL,
};

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnet-root-v6");
	snprintf(db_arg, sizeof(db_arg), "%s/root.db", dir);
}

static void teardown(void)
{
	unit_tmpdir_remove(dir);
}

/* reply, status: the last answer of call(). */

/* Calls @handler with @body (NULL: none), the peer 10.0.0.1 (cluster c1)
 * or, with @peer, another address, and the path parameters that follow
 * (NULL-terminated). */
static int call_from(sn_http_handler_fn handler, const char *peer, const char *query,
		     const char *body, ...)
{
	va_list ap;

	va_start(ap, body);
	status = unit_root_vcall(&root, &reply, handler, peer, query, body,
				 body ? strlen(body) : 0, ap);
	va_end(ap);
	return status;
}

#define call(handler, body, ...) call_from((handler), "10.0.0.1", NULL, (body), __VA_ARGS__)

static const char *str(const char *key)
{
	json_t *v = json_object_get(reply, key);

	ck_assert_msg(json_is_string(v), "no string '%s' in the answer (status %d: %s)", key,
		      status, json_dumps(reply, JSON_COMPACT));
	return json_string_value(v);
}

static void expect_error(int want, const char *words)
{
	const char *msg = json_string_value(json_object_get(reply, "error"));

	ck_assert_int_eq(status, want);
	ck_assert_msg(msg && strstr(msg, words), "error '%s' lacks '%s'", msg ? msg : "(none)",
		      words);
}

static void register_cluster(void)
{
	call(sn_root_api_register_cluster,
	     "{\"cluster_id\": \"c1\", \"cluster_address\": \"10.0.0.1\", \"cluster_port\": 10110}",
	     NULL);
	ck_assert_int_eq(status, 200);
}

/* POST /api/net/service/deploy of job @id (app.ns.@svc.ns) with @extra
 * descriptor fields (",\"RR_ip_v6\": ..." or ""). */
static int deploy_service(const char *id, const char *svc, const char *extra)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"_id\": \"%s\", \"deployment_descriptor\": {\"app_name\": \"app\","
		 " \"app_ns\": \"ns\", \"service_name\": \"%s\", \"service_ns\": \"ns\"%s}}",
		 id, svc, extra);
	return call(sn_root_api_service_deploy, body, NULL);
}

static int deploy_instance(const char *id, int number)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"_id\": \"%s\", \"instance_number\": %d,"
		 " \"cluster_id\": \"c1\"}", id, number);
	return call(sn_root_api_instance_deploy, body, NULL);
}

static int undeploy_instance(const char *id, int number)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", number);
	return call(sn_root_api_instance_delete, NULL, id, n, NULL);
}

static int get_subnet(const char *node)
{
	char query[64];

	snprintf(query, sizeof(query), "node_id=%s", node);
	return call_from(sn_root_api_subnet_get, "10.0.0.1", query, NULL, NULL);
}

START_TEST(first_addresses_are_oakestras)
{
	start(NULL);
	register_cluster();
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_str_eq(str("subnet_addr"), "172.16.0.0");
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::");
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "prefix_len_v6")), 120);
	ck_assert_int_eq(get_subnet("n2"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::100");
	ck_assert_int_eq(get_subnet("n1"), 200);	/* asked again: the same */
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::");

	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::2");
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::1");
	ck_assert_int_eq(deploy_instance("j1", 1), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::2");
	ck_assert_int_eq(deploy_instance("j1", 1), 200);	/* idempotent */
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::2");
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	stop();
}
END_TEST

START_TEST(freed_addresses_are_reused)
{
	start(small);
	register_cluster();
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::1");
	ck_assert_int_eq(deploy_instance("j1", 1), 200);
	ck_assert_int_eq(deploy_instance("j1", 2), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::3");
	ck_assert_int_eq(deploy_instance("j1", 3), 409);	/* the window is full */
	expect_error(409, "IPv6 InstanceIPs exhausted: all 3 addresses of fdff::/126");
	ck_assert_int_eq(undeploy_instance("j1", 1), 200);
	ck_assert_int_eq(deploy_instance("j1", 3), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::2");

	/* RR and Closest: one address left, a second service needs two; it
	 * keeps none, and gets them once the first is removed. */
	ck_assert_int_eq(deploy_service("j2", "two", ""), 409);
	expect_error(409, "IPv6 RR/Closest addresses exhausted: all 3 addresses of fdff:2000::/126");
	ck_assert_int_eq(sn_ipalloc_free_count(&root.pools.rr6), 1);
	ck_assert_int_eq(sn_ipalloc_free_count(&root.pools.addrs),
			 sn_ipalloc_capacity(&root.pools.addrs) - 5);	/* nor a v4 */
	for (int i = 0; i < 4; i++)
		undeploy_instance("j1", i);
	ck_assert_int_eq(call(sn_root_api_service_delete, NULL, "j1", NULL), 200);
	ck_assert_int_eq(sn_ipalloc_free_count(&root.pools.rr6), 3);
	ck_assert_int_eq(sn_ipalloc_free_count(&root.pools.instances6), 3);
	ck_assert_int_eq(deploy_service("j2", "two", ""), 200);
	/* The refused deploy took ::3 for a moment: the rotation went past it. */
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::2");
	stop();
}
END_TEST

START_TEST(subnets_exhaust_and_come_back)
{
	start(small);
	register_cluster();
	for (int i = 0; i < 4; i++) {
		char node[8], want[16];

		snprintf(node, sizeof(node), "n%d", i);
		snprintf(want, sizeof(want), "fc00::%x", i * 0x100);
		ck_assert_int_eq(get_subnet(node), 200);
		ck_assert_str_eq(str("subnet_addr_v6"), i ? want : "fc00::");
	}
	ck_assert_int_eq(get_subnet("n4"), 409);
	expect_error(409, "IPv6 worker subnets exhausted: all 4 /120 subnets of fc00::/118");
	/* No v4 subnet was kept for the refused request. */
	ck_assert_int_eq(sn_ipalloc_capacity(&root.pools.subnets) -
			 sn_ipalloc_free_count(&root.pools.subnets), 4);
	/* Releasing by the v6 address (colons in the path) frees both. */
	ck_assert_int_eq(call(sn_root_api_subnet_delete, NULL, "fc00::200", NULL), 200);
	ck_assert_int_eq(sn_ipalloc_capacity(&root.pools.subnets) -
			 sn_ipalloc_free_count(&root.pools.subnets), 3);
	ck_assert_int_eq(call(sn_root_api_subnet_delete, NULL, "fc00::200", NULL), 404);
	ck_assert_int_eq(call(sn_root_api_subnet_delete, NULL, "fdff::1", NULL), 400);
	ck_assert_int_eq(get_subnet("n4"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::200");
	/* Releasing by the v4 address frees its v6 twin too. */
	ck_assert_int_eq(call(sn_root_api_subnet_delete, NULL, "172_16_0_0", NULL), 200);
	ck_assert_int_eq(sn_ipalloc_free_count(&root.pools.subnets6), 1);
	stop();
}
END_TEST

START_TEST(allocations_survive_a_restart)
{
	start(NULL);
	register_cluster();
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_int_eq(deploy_service("j1", "svc", ",\"RR_ip_v6\": \"fdff:2000::7\""), 200);
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::1");
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_int_eq(deploy_instance("j1", 1), 200);
	ck_assert_int_eq(undeploy_instance("j1", 0), 200);	/* fdff::1 free again */
	stop();

	start(NULL);	/* the same database: nothing handed out twice */
	ck_assert(sn_ipalloc_is_used6(&root.pools.subnets6,
				      &(struct in6_addr){ .s6_addr = { 0xfc } }));
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::");
	ck_assert_int_eq(get_subnet("n2"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::100");
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::7");
	ck_assert_int_eq(deploy_service("j2", "two", ""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::2");	/* after the cursor */
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::3");
	ck_assert_int_eq(deploy_service("j3", "three", ",\"RR_ip_v6\": \"fdff:2000::7\""), 400);
	expect_error(400, "RR_ip_v6 fdff:2000::7 is already in use by service app.ns.svc.ns");
	/* The rotation goes on after the last InstanceIP handed out. */
	ck_assert_int_eq(deploy_instance("j1", 2), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::3");
	stop();
}
END_TEST

START_TEST(requested_rr_ip_v6)
{
	start(NULL);
	register_cluster();
	/* Honoured, in canonical text, whatever the spelling. */
	ck_assert_int_eq(deploy_service("j1", "one", ",\"RR_ip_v6\": \"FDFF:2000:0:0::99\""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::99");
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::1");
	/* Another spelling of a taken address is the same address (Oakestra
	 * compares text and hands it out twice). */
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fdff:2000:0::99\""), 400);
	expect_error(400, "RR_ip_v6 fdff:2000::99 is already in use");
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fdff:2000::1\""), 400);
	expect_error(400, "already in use");
	/* The window's first address is never handed out. */
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fdff:2000::\""), 400);
	expect_error(400, "not a usable address");
	/* Outside the v6 service range. */
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fd00::1\""), 400);
	expect_error(400, "RR_ip_v6 fd00::1 is outside the IPv6 service range fdff::/16");
	/* Malformed, or IPv4. */
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fdff::zz\""), 400);
	expect_error(400, "RR_ip_v6 'fdff::zz' is not an IPv6 address");
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"10.30.0.1\""), 400);
	expect_error(400, "is not an IPv6 address");
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": 5"), 400);
	ck_assert_int_eq(deploy_service("j2", "two", ",\"closest_ip_v6\": \"fdff:2000::/24\""),
			 400);
	/* Inside the range but outside both windows: the store keeps it unique. */
	ck_assert_int_eq(deploy_service("j2", "two", ",\"RR_ip_v6\": \"fdff:1234::5\""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:1234::5");
	ck_assert_int_eq(deploy_service("j3", "three", ",\"closest_ip_v6\": \"fdff:1234::5\""),
			 400);
	expect_error(400, "already in use by service app.ns.two.ns");
	ck_assert_int_eq(deploy_service("j3", "three", ",\"RR_ip_v6\": \"fdff:1234::6\","
					" \"closest_ip_v6\": \"fdff:1234:0::6\""), 400);
	expect_error(400, "RR_ip_v6 and closest_ip_v6 must differ");
	/* An InstanceIP cannot be taken as an RR either. */
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::1");
	ck_assert_int_eq(deploy_service("j3", "three", ",\"RR_ip_v6\": \"fdff::1\""), 400);
	/* null, "" and "<nil>" are no request. */
	ck_assert_int_eq(deploy_service("j3", "three",
					",\"RR_ip_v6\": null, \"closest_ip_v6\": \"\""), 200);
	/* After j2's Closest (::2) and the ::3 a refused deploy held a moment. */
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::4");
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::5");
	/* Re-deploying with another RR_ip_v6 is a conflict, with the same one not. */
	ck_assert_int_eq(deploy_service("j1", "one", ",\"RR_ip_v6\": \"fdff:2000::98\""), 409);
	ck_assert_int_eq(deploy_service("j1", "one", ",\"RR_ip_v6\": \"fdff:2000::0099\""), 200);
	/* Nothing of the refused requests was kept. */
	ck_assert_int_eq(sn_ipalloc_capacity(&root.pools.rr6) -
			 sn_ipalloc_free_count(&root.pools.rr6), 5);
	stop();
}
END_TEST

static json_t *instance_entry(int number)
{
	json_t *list = json_object_get(reply, "instance_list"), *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (json_integer_value(json_object_get(e, "instance_number")) == number)
			return e;
	return NULL;
}

static const char *entry_str(json_t *e, const char *key)
{
	json_t *v = json_object_get(e, key);

	ck_assert_msg(json_is_string(v), "no string '%s' in %s", key, json_dumps(e, JSON_COMPACT));
	return json_string_value(v);
}

START_TEST(deploy_status_and_table_in_oakestras_shape)
{
	json_t *e, *ips;

	start(NULL);
	register_cluster();
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_int_eq(deploy_instance("j1", 1), 200);
	ck_assert_int_eq(deploy_instance("j1", 2), 200);
	/* A container (canonicalised), a unikernel ("<nil>"), a node without v6 (""). */
	ck_assert_int_eq(call(sn_root_api_deploy_status,
			      "{\"job_id\": \"j1\", \"instances\": ["
			      "{\"instance_number\": 0, \"namespace_ip\": \"172.16.0.2\","
			      " \"namespace_ip_v6\": \"FC00:0::2\", \"host_ip\": \"10.0.0.5\","
			      " \"host_port\": 50103},"
			      "{\"instance_number\": 1, \"namespace_ip\": \"172.16.0.3\","
			      " \"namespace_ip_v6\": \"<nil>\", \"host_ip\": \"10.0.0.5\","
			      " \"host_port\": 50103},"
			      "{\"instance_number\": 2, \"namespace_ip\": \"172.16.0.4\","
			      " \"namespace_ip_v6\": \"\", \"host_ip\": \"10.0.0.5\","
			      " \"host_port\": 50103}]}", NULL), 200);
	/* Malformed or misplaced namespace_ip_v6: 400, nothing recorded. */
	ck_assert_int_eq(call(sn_root_api_deploy_status,
			      "{\"job_id\": \"j1\", \"instances\": [{\"instance_number\": 0,"
			      " \"namespace_ip\": \"172.16.0.2\", \"namespace_ip_v6\": \"fc00::zz\","
			      " \"host_ip\": \"10.0.0.5\", \"host_port\": 50103}]}", NULL), 400);
	ck_assert_int_eq(call(sn_root_api_deploy_status,
			      "{\"job_id\": \"j1\", \"instances\": [{\"instance_number\": 0,"
			      " \"namespace_ip\": \"172.16.0.2\", \"namespace_ip_v6\": \"fdff::5\","
			      " \"host_ip\": \"10.0.0.5\", \"host_port\": 50103}]}", NULL), 400);
	expect_error(400, "namespace_ip_v6 fdff::5 is not in a worker subnet");

	/* By the v6 RR, colons in the path, any spelling (from an unknown
	 * peer: answered, no interest registered). */
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL,
				   "fdff:2000:0::1", NULL), 200);
	ck_assert_str_eq(str("_id"), "j1");
	ck_assert_str_eq(str("job_name"), "app.ns.svc.ns");
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	ips = json_object_get(reply, "service_ip_list");
	ck_assert(json_is_array(ips) && json_array_size(ips) >= 1);
	ck_assert_str_eq(entry_str(json_array_get(ips, 0), "IpType"), "RR");
	ck_assert_str_eq(entry_str(json_array_get(ips, 0), "Address_v6"), "fdff:2000::1");
	e = instance_entry(0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(entry_str(e, "instance_ip_v6"), "fdff::1");
	ck_assert_str_eq(entry_str(e, "namespace_ip_v6"), "fc00::2");
	ck_assert_str_eq(entry_str(e, "cluster_id"), "c1");
	e = instance_entry(1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(entry_str(e, "instance_ip_v6"), "fdff::2");	/* always there */
	ck_assert(!json_is_string(json_object_get(e, "namespace_ip_v6")) ||
		  !*json_string_value(json_object_get(e, "namespace_ip_v6")));

	/* By a v6 InstanceIP; by an unknown one; outside the range. */
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "fdff::3",
				   NULL), 200);
	ck_assert_str_eq(str("_id"), "j1");
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "fdff::99",
				   NULL), 404);
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "fc00::1",
				   NULL), 400);
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "fdff::g",
				   NULL), 400);
	/* And by the v4 RR, the same document. */
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "172_30_0_1",
				   NULL), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	stop();
}
END_TEST

START_TEST(status_reports_v6_pools)
{
	start(small);
	register_cluster();
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_int_eq(call(sn_root_api_status, NULL, NULL), 200);
	ck_assert_str_eq(str("worker_window6"), "fc00::/118");
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "subnets6_total")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "subnets6_free")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "subnets_free")), 15359);
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "instance_ips6_total")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "rr_ips6_free")), 3);
	stop();
}
END_TEST

/* A database of semnet-root before IPv6 (schema 1): at startup its
 * service and instance get v6 addresses; its node's subnet gets a v6 twin
 * when the node asks again. */
START_TEST(rows_from_before_ipv6_get_v6)
{
	sqlite3 *conn;
	json_t *e;

	ck_assert_int_eq(sqlite3_open(db_arg, &conn), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(conn,
		"CREATE TABLE clusters (id TEXT PRIMARY KEY, address TEXT NOT NULL,"
		"  port INTEGER NOT NULL, registered_at INTEGER NOT NULL);"
		"CREATE INDEX clusters_by_address ON clusters(address);"
		"CREATE TABLE subnets (addr INTEGER PRIMARY KEY,"
		"  cluster_id TEXT NOT NULL REFERENCES clusters(id), node_id TEXT);"
		"CREATE UNIQUE INDEX subnets_by_node ON subnets(cluster_id, node_id)"
		"  WHERE node_id IS NOT NULL;"
		"CREATE TABLE services (job_id TEXT PRIMARY KEY, job_name TEXT NOT NULL UNIQUE,"
		"  rr_ip INTEGER NOT NULL, closest_ip INTEGER NOT NULL, descriptor TEXT);"
		"CREATE TABLE service_addrs (addr INTEGER PRIMARY KEY,"
		"  job_id TEXT NOT NULL REFERENCES services(job_id), kind TEXT NOT NULL);"
		"CREATE INDEX service_addrs_by_job ON service_addrs(job_id);"
		"CREATE TABLE instances (job_id TEXT NOT NULL REFERENCES services(job_id),"
		"  number INTEGER NOT NULL, cluster_id TEXT NOT NULL, instance_ip INTEGER NOT NULL"
		"  UNIQUE, ns_ip TEXT, ns_ip_v6 TEXT, host_ip TEXT, host_port INTEGER, tunnel TEXT,"
		"  PRIMARY KEY (job_id, number));"
		"CREATE TABLE interests (cluster_id TEXT NOT NULL, job_name TEXT NOT NULL,"
		"  PRIMARY KEY (cluster_id, job_name));"
		"CREATE INDEX interests_by_job ON interests(job_name);"
		"CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, cluster_id TEXT NOT NULL,"
		"  body TEXT NOT NULL);"
		"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
		"INSERT INTO clusters VALUES ('c1', '10.0.0.1', 10110, 0);"
		"INSERT INTO subnets VALUES (2886729728, 'c1', 'n1');"	/* 172.16.0.0 */
		"INSERT INTO services VALUES ('j1', 'app.ns.svc.ns', 2887647233, 2887647234, '{}');"
		"INSERT INTO service_addrs VALUES (2887647233, 'j1', 'RR');"
		"INSERT INTO service_addrs VALUES (2887647234, 'j1', 'Closest');"
		"INSERT INTO instances VALUES ('j1', 0, 'c1', 2887647235, '172.16.0.2', '',"
		"  '10.0.0.5', 50103, 'ipudp');"
		"INSERT INTO service_addrs VALUES (2887647235, 'j1', 'instance_ip');"
		"PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(conn);

	start(NULL);
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);	/* idempotent: as stored */
	ck_assert_str_eq(str("RR_ip"), "172.30.0.1");
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	ck_assert_str_eq(str("closest_ip_v6"), "fdff:2000::2");
	ck_assert_int_eq(deploy_instance("j1", 0), 200);
	ck_assert_str_eq(str("instance_ip"), "172.30.0.3");
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::1");
	ck_assert_int_eq(call_from(sn_root_api_query_ip, "10.9.9.9", NULL, NULL, "fdff::1", NULL),
			 200);
	e = instance_entry(0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(entry_str(e, "instance_ip_v6"), "fdff::1");
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_str_eq(str("subnet_addr"), "172.16.0.0");
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::");
	stop();

	start(NULL);	/* once given, kept */
	ck_assert_int_eq(get_subnet("n1"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::");
	ck_assert_int_eq(get_subnet("n2"), 200);
	ck_assert_str_eq(str("subnet_addr_v6"), "fc00::100");
	ck_assert_int_eq(deploy_instance("j1", 1), 200);
	ck_assert_str_eq(str("instance_ip_v6"), "fdff::2");
	ck_assert_int_eq(deploy_service("j1", "svc", ""), 200);
	ck_assert_str_eq(str("RR_ip_v6"), "fdff:2000::1");
	stop();
}
END_TEST

/* The plan's settings and what they refuse. */
START_TEST(v6_settings)
{
	struct sn_root_config cfg;
	char text[SN_CIDR6_STRLEN];

#define ROOT(...) sn_root_config_load(&cfg, \
	(int)(sizeof((char *[]){ "semnet-root", __VA_ARGS__ }) / sizeof(char *)), \
	(char *[]){ "semnet-root", __VA_ARGS__, NULL })
	ck_assert_int_eq(ROOT("--profile", "oakestra"), 0);
	sn_prefix6_format(&cfg.platform6, text);
	ck_assert_str_eq(text, "fc00::/7");
	sn_prefix6_format(&cfg.service_range6, text);
	ck_assert_str_eq(text, "fdff::/16");
	sn_prefix6_format(&cfg.worker_window6, text);
	ck_assert_str_eq(text, "fc00::/96");
	ck_assert_uint_eq(cfg.subnet_len6, 120);
	sn_prefix6_format(&cfg.instance_window6, text);
	ck_assert_str_eq(text, "fdff::/104");
	sn_prefix6_format(&cfg.rr_window6, text);
	ck_assert_str_eq(text, "fdff:2000::/104");
	ck_assert_int_eq(ROOT("--profile", "seed"), 0);	/* the same in every profile */
	sn_prefix6_format(&cfg.rr_window6, text);
	ck_assert_str_eq(text, "fdff:2000::/104");
	ck_assert_int_eq(ROOT("--rr-window6", "fdff:2000::/96"), -1);	/* 2^32 addresses */
	ck_assert_int_eq(ROOT("--rr-window6", "fdff::/104"), -1);	/* = the InstanceIPs' */
	ck_assert_int_eq(ROOT("--rr-window6", "fd00::/104"), -1);	/* outside the services */
	ck_assert_int_eq(ROOT("--worker-window6", "fdff:4000::/96"), -1);	/* services' */
	ck_assert_int_eq(ROOT("--worker-window6", "fc00::/64"), -1);	/* 2^56 subnets */
	ck_assert_int_eq(ROOT("--service-range6", "fe80::/16"), -1);	/* outside platform6 */
	ck_assert_int_eq(ROOT("--subnet-len6", "127"), -1);
	ck_assert_int_eq(ROOT("--platform6", "fc00::1/7"), -1);
	ck_assert_int_eq(ROOT("--platform6", "10.0.0.0/8"), -1);
	ck_assert_int_eq(ROOT("--worker-window6", "fc00:1::/96", "--subnet-len6", "112"), 0);
#undef ROOT
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("root_v6", setup, teardown, 60, first_addresses_are_oakestras,
			  freed_addresses_are_reused, subnets_exhaust_and_come_back,
			  allocations_survive_a_restart, requested_rr_ip_v6,
			  deploy_status_and_table_in_oakestras_shape, status_reports_v6_pools,
			  rows_from_before_ipv6_get_v6, v6_settings);
}
