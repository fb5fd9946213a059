// SPDX-License-Identifier: GPL-2.0
/*
 * What a hostile or careless peer sends, fed to every parser that reads
 * it, under ASan/UBSan/LSan (make check builds the units that way):
 *
 *   container runtime --API body--------> semnetd (api_parse.c)
 *   semnet-cluster ----registry entry---> semnetd (peer_parse.c, `link`)
 *   cluster or root ---table answer-----> semnetd, semnet-cluster (sn_oak.c)
 *   clusters, system manager --REST-----> semnet-root (its handlers, in
 *                                         process, on a real store)
 *
 * Each target takes seeds shaped like the real messages (daemon/OAKESTRA.md)
 * and fuzz.c's mutations of them: type confusion, edge numbers, malformed
 * addresses, NULs, long strings, deep nesting, broken JSON. Beyond "no
 * crash, no leak" every case checks what a caller relies on: a refusal
 * says why, an acceptance is valid, what is accepted round-trips, and
 * semnet-root answers 2xx or 4xx (never 5xx) and loses nothing it held.
 * A failure prints its seed and iteration; FUZZ_ITERATIONS=N runs longer.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fuzz.h"
#include "sn_oak.h"
#include "sn_links.h"
#include "../../daemon/node/api_parse.h"
#include "../../daemon/node/peer_parse.h"
#include "root_fixture.h"

#define SEED 0x5e3a7e7ULL

/* How deep the mutations got: a target that refuses everything tests
 * only its first check. A TAP comment. */
static void report(const char *target, unsigned int accepted, unsigned int iterations)
{
	printf("# %s: %u of %u mutated inputs accepted\n", target, accepted, iterations);
	fflush(stdout);
}

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	ck_assert_msg(j, "seed does not parse: %s: %s", text, jerr.text);
	return j;
}

/* The seeds of one target, parsed; fuzz_harvest()ed into @f. */
static json_t *seeds_of(struct fuzz *f, const char *const *texts)
{
	json_t *all = json_array();

	for (; *texts; texts++) {
		json_t *j = load(*texts);

		fuzz_harvest(f, j);
		json_array_append_new(all, j);
	}
	return all;
}

static json_t *pick(struct fuzz *f, json_t *seeds)
{
	return json_array_get(seeds, fuzz_below(f, json_array_size(seeds)));
}

/* --- semnetd's API bodies ----------------------------------------------- */

static const char *const api_seeds[] = {
	"{\"client_id\":\"worker-1\",\"cluster_address\":\"10.0.0.5\"}",
	"{\"client_id\":\"w\",\"cluster_address\":\"c.example\",\"cluster_port\":10100}",
	"{\"pid\":4242,\"serviceName\":\"app.ns.web.prod\",\"instanceNumber\":3,"
	"\"portMappings\":\"8080:80;5353:53/udp;9000:9000/tcp\"}",
	"{\"pid\":0,\"serviceName\":\"app.ns.uk.prod\",\"instanceNumber\":1,\"portMappings\":\"9080\"}",
	"{\"pid\":-1,\"serviceName\":\"app.ns.web.prod\",\"instanceNumber\":0,\"portMappings\":\"\"}",
	NULL,
};

static void check_ports(const struct semnetd_port_map *maps, size_t n, const char *input)
{
	ck_assert_msg(n <= SEMNETD_PORTS_MAX, "%zu mappings from %s", n, input);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(maps[i].host_port && maps[i].container_port,
			      "a port 0 accepted from %s", input);
		ck_assert_msg(maps[i].proto == IPPROTO_TCP || maps[i].proto == IPPROTO_UDP,
			      "protocol %u from %s", maps[i].proto, input);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(maps[i].host_port != maps[j].host_port ||
				      maps[i].proto != maps[j].proto,
				      "host port %u twice from %s", maps[i].host_port, input);
	}
}

START_TEST(api_bodies)
{
	unsigned int iterations = fuzz_iterations(4000);
	struct fuzz f;
	json_t *seeds;

	unsigned int accepted = 0;

	fuzz_init(&f, SEED);
	seeds = seeds_of(&f, api_seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		struct semnetd_register_req reg;
		struct semnetd_deploy_req dep;
		struct semnetd_undeploy_req und;
		struct sn_err err = { { 0 } };
		size_t len;
		char *body = fuzz_mutate_text(&f, pick(&f, seeds), &len);
		int rc;

		ck_assert(body);
		switch (it % 4) {
		case 0:
			rc = semnetd_parse_register(body, len, &reg, &err);
			if (!rc) {
				ck_assert_msg(semnetd_node_id_valid(reg.client_id),
					      "client_id '%s' accepted (iteration %u: %s)",
					      reg.client_id, it, body);
				ck_assert(reg.cluster_address[0]);
			}
			break;
		case 1:
		case 2:
			rc = (it % 4 == 1 ? semnetd_parse_deploy :
			      semnetd_parse_unikernel_deploy)(body, len, &dep, &err);
			if (!rc) {
				ck_assert_msg(sn_oak_job_name_valid(dep.job_name),
					      "serviceName '%s' accepted (iteration %u)", dep.job_name,
					      it);
				ck_assert_int_ge(dep.instance_number, 0);
				ck_assert_int_ge(dep.pid, 0);
				check_ports(dep.ports, dep.nports, body);
			}
			break;
		default:
			rc = semnetd_parse_undeploy(body, len, &und, &err);
			if (!rc)
				ck_assert(sn_oak_job_name_valid(und.job_name));
		}
		ck_assert_msg(rc == 0 || rc == -1, "rc %d (iteration %u)", rc, it);
		accepted += !rc;
		ck_assert_msg(rc == 0 || err.msg[0], "refused without a reason (iteration %u: %s)",
			      it, body);
		free(body);
	}
	report("api_bodies", accepted, iterations);
	json_decref(seeds);
	fuzz_done(&f);
}
END_TEST

/* portMappings alone: whatever is accepted prints and reads back the same. */
START_TEST(port_mappings)
{
	static const char *const seeds[] = {
		"\"8080:80;5353:53/udp;9000:9000/tcp\"", "\"9080\"", "\"1:65535/udp;65535\"", NULL,
	};
	unsigned int iterations = fuzz_iterations(4000);
	struct fuzz f;
	json_t *all;

	unsigned int accepted = 0;

	fuzz_init(&f, SEED + 1);
	all = seeds_of(&f, seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		struct semnetd_port_map maps[SEMNETD_PORTS_MAX], again[SEMNETD_PORTS_MAX];
		struct sn_err err = { { 0 } };
		size_t n = 0, n2 = 0, len;
		char printed[SEMNETD_PORTS_TEXT_MAX * 2];
		char *text = fuzz_mutate_text(&f, pick(&f, all), &len);
		/* The parser takes a C string: what a JSON string gives it. */
		const char *p = text[0] == '"' ? text + 1 : text;

		ck_assert(text);
		if (semnetd_parse_ports(p, maps, &n, &err) < 0) {
			ck_assert_msg(err.msg[0], "refused without a reason: '%s'", p);
			free(text);
			continue;
		}
		check_ports(maps, n, p);
		accepted++;
		semnetd_format_ports(maps, n, printed, sizeof(printed));
		ck_assert_msg(semnetd_parse_ports(printed, again, &n2, &err) == 0,
			      "'%s' (from '%s') does not read back: %s", printed, p, err.msg);
		ck_assert_uint_eq(n2, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(maps[i].host_port == again[i].host_port &&
				      maps[i].container_port == again[i].container_port &&
				      maps[i].proto == again[i].proto,
				      "'%s' (from '%s') reads back otherwise: mapping %zu %u:%u/%u, "
				      "then %u:%u/%u", printed, p, i, maps[i].host_port,
				      maps[i].container_port, maps[i].proto, again[i].host_port,
				      again[i].container_port, again[i].proto);
		free(text);
	}
	report("port_mappings", accepted, iterations);
	json_decref(all);
	fuzz_done(&f);
}
END_TEST

/* --- the cluster's node registry, as semnetd reads it ------------------- */

#define WG_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static const char *const entry_seeds[] = {
	"{\"node_id\":\"n9\",\"subnet\":\"172.16.0.128/26\",\"host_ip\":\"10.99.0.9\","
	"\"host_port\":4754,\"tunnel\":\"gre-udp\",\"subnet_v6\":\"fc00::100/120\"}",
	"{\"node_id\":\"oak\",\"subnet\":\"172.16.1.0/26\",\"host_ip\":\"10.99.0.8\","
	"\"host_port\":\"50103\"}",
	"{\"node_id\":\"n7\",\"subnet\":\"172.16.0.64/26\",\"host_ip\":\"2001:db8::7\","
	"\"host_port\":4754,\"tunnel\":\"gre-udp\",\"link\":{\"wg_key\":\"" WG_KEY "\","
	"\"wg_port\":51820,\"underlay_prefix\":\"10.99.0.0/24\",\"kind_override\":\"encrypted\","
	"\"relay\":true,\"nat\":\"eim\",\"public_addr\":\"198.51.100.7\","
	"\"port_preserved\":true}}",
	NULL,
};

START_TEST(registry_entries)
{
	unsigned int iterations = fuzz_iterations(6000);
	struct fuzz f;
	json_t *seeds;

	unsigned int accepted = 0;

	fuzz_init(&f, SEED + 2);
	seeds = seeds_of(&f, entry_seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		json_t *entry = fuzz_mutate_json(&f, pick(&f, seeds));
		struct semnetd_node_entry e;
		struct sn_err err = { { 0 } };
		enum semnetd_node_read r = semnetd_node_entry_read(entry, &e, &err);

		switch (r) {
		case SEMNETD_NODE_PEER:
			accepted++;
			ck_assert_msg(e.port >= 1 && e.port <= 65535, "port %d", e.port);
			ck_assert_msg(strcmp(semnetd_encap_name(e.encap), "unknown"),
				      "encap %d (iteration %u)", e.encap, it);
			ck_assert_uint_le(e.subnet.len, 32);
			ck_assert(!e.has6 || e.subnet6.len <= 128);
			ck_assert(!(e.has_link && e.link_unreadable));
			ck_assert_msg(!e.link_unreadable || err.msg[0],
				      "an unreadable link without a reason (iteration %u)", it);
			break;
		case SEMNETD_NODE_PENDING:
			break;
		case SEMNETD_NODE_BAD:
			ck_assert_msg(err.msg[0], "BAD without a reason (iteration %u)", it);
			break;
		default:
			ck_abort_msg("result %d (iteration %u)", r, it);
		}
		json_decref(entry);
	}
	report("registry_entries (peers)", accepted, iterations);
	json_decref(seeds);
	fuzz_done(&f);
}
END_TEST

/* A node's `link`: what is read prints and reads back equal. */
START_TEST(link_objects)
{
	static const char *const seeds[] = {
		"{\"wg_key\":\"" WG_KEY "\",\"wg_port\":51820,\"underlay_prefix\":\"10.99.0.0/24\","
		"\"kind_override\":\"direct\",\"relay\":false,\"nat\":\"symmetric\","
		"\"public_addr\":\"198.51.100.7\",\"port_preserved\":false}",
		"{\"underlay_prefix\":\"2001:db8::/64\"}",
		"{\"wg_key\":\"" WG_KEY "\",\"wg_port\":1}",
		NULL,
	};
	unsigned int iterations = fuzz_iterations(6000);
	struct fuzz f;
	json_t *all;

	unsigned int accepted = 0;

	fuzz_init(&f, SEED + 3);
	all = seeds_of(&f, seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		json_t *obj = fuzz_mutate_json(&f, pick(&f, all)), *printed;
		struct sn_link_info info, again;
		struct sn_err err = { { 0 } };

		if (sn_link_info_read(obj, &info, &err) < 0) {
			ck_assert_msg(err.msg[0], "refused without a reason (iteration %u)", it);
			json_decref(obj);
			continue;
		}
		accepted++;
		printed = sn_link_info_json(&info);
		ck_assert(printed);
		ck_assert_msg(sn_link_info_read(printed, &again, &err) == 0,
			      "does not read back (iteration %u): %s", it, err.msg);
		ck_assert_msg(sn_link_info_equal(&info, &again), "reads back otherwise (iteration %u)",
			      it);
		json_decref(printed);
		json_decref(obj);
	}
	report("link_objects", accepted, iterations);
	json_decref(all);
	fuzz_done(&f);
}
END_TEST

/* --- table-query answers: semnet's, an Oakestra cluster's and root's ----- */

static const char *const table_seeds[] = {
	"{\"app_name\":\"a.b.c.d\",\"instance_list\":[{\"instance_number\":2,"
	"\"instance_ip\":\"10.30.0.9\",\"instance_ip_v6\":\"fdff::9\","
	"\"namespace_ip\":\"10.18.0.2\",\"namespace_ip_v6\":\"\","
	"\"host_ip\":\"192.0.2.1\",\"host_port\":\"50103\",\"service_ip\":["
	"{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff::1\"},"
	"{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.9\"}]}]}",
	"{\"_id\":\"66a0c1f2e4b0a1b2c3d4e5f7\",\"job_name\":\"app.ns.web.prod\",\"app_name\":\"app\","
	"\"service_ip_list\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\","
	"\"Address_v6\":\"fdff:2000::\"},{\"IpType\":\"Closest\",\"Address\":\"10.30.0.4\"}],"
	"\"instance_list\":[{\"instance_number\":0,\"instance_ip\":\"10.30.0.2\","
	"\"instance_ip_v6\":\"fdff::\",\"cluster_id\":\"c1\",\"namespace_ip\":\"10.18.0.2\","
	"\"namespace_ip_v6\":\"fc00::2\",\"host_ip\":\"192.0.2.1\",\"host_port\":4754,"
	"\"tunnel\":\"gre-udp\"},{\"instance_number\":1,\"instance_ip\":\"10.30.0.3\"}]}",
	NULL,
};

START_TEST(table_answers)
{
	unsigned int iterations = fuzz_iterations(4000);
	struct fuzz f;
	json_t *seeds;

	unsigned int accepted = 0;

	fuzz_init(&f, SEED + 4);
	seeds = seeds_of(&f, table_seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		json_t *answer = fuzz_mutate_json(&f, pick(&f, seeds)), *printed;
		struct sn_oak_table t = { 0 }, again = { 0 };
		struct sn_err err = { { 0 } };

		if (sn_oak_table_parse(answer, &t, &err) < 0) {
			ck_assert_msg(err.msg[0], "refused without a reason (iteration %u)", it);
			sn_oak_table_free(&t);
			json_decref(answer);
			continue;
		}
		ck_assert_msg(sn_oak_job_name_valid(t.app_name), "app_name '%s' (iteration %u)",
			      t.app_name, it);
		ck_assert(t.rr_ip);
		accepted++;
		for (size_t i = 0; i < t.ninstances; i++) {
			ck_assert(t.instances[i].host_port >= 1 && t.instances[i].host_port <= 65535);
			ck_assert(!strcmp(t.instances[i].tunnel, "gre-udp") ||
				  !strcmp(t.instances[i].tunnel, "ipudp"));
		}
		/* What semnet-cluster then answers its own nodes reads back. */
		printed = sn_oak_table_json(&t, NULL);
		ck_assert(printed);
		ck_assert_msg(sn_oak_table_parse(printed, &again, &err) == 0,
			      "the answer made of it does not read back (iteration %u): %s", it,
			      err.msg);
		ck_assert_uint_eq(again.ninstances, t.ninstances);
		ck_assert_uint_eq(again.rr_ip, t.rr_ip);
		ck_assert(!memcmp(&again.rr_ip6, &t.rr_ip6, sizeof(t.rr_ip6)));
		sn_oak_table_free(&again);
		sn_oak_table_free(&t);
		json_decref(printed);
		json_decref(answer);
	}
	report("table_answers", accepted, iterations);
	json_decref(seeds);
	fuzz_done(&f);
}
END_TEST

/* --- semnet-root's REST handlers, in process ---------------------------- */

static char dir[64];
static char db_arg[128];
static struct sn_root root;
static uv_loop_t loop;
static json_t *reply;

static void root_start(void)
{
	char *argv[] = { "semnet-root", "--db", db_arg, "--sync", "normal", "--log-level", "error",
			 NULL };

	unit_tmpdir(dir, sizeof(dir), "semnet-fuzz-root");
	snprintf(db_arg, sizeof(db_arg), "%s/root.db", dir);
	unit_root_start(&root, &loop, 7, argv);
}

static void root_stop(void)
{
	json_decref(reply);
	reply = NULL;
	unit_root_stop(&root, &loop);
	unit_tmpdir_remove(dir);
}

/* @handler with @body (may be NULL, @len bytes) from cluster c1's address,
 * path parameters following (NULL-terminated); the HTTP status. */
static int call(sn_http_handler_fn handler, const char *query, const char *body, size_t len,
		...)
{
	va_list ap;
	int st;

	va_start(ap, len);
	st = unit_root_vcall(&root, &reply, handler, "10.0.0.1", query, body, len, ap);
	va_end(ap);
	return st;
}

#define CALL_TEXT(handler, text, ...) call((handler), NULL, (text), strlen(text), __VA_ARGS__)

static const char *const root_seeds[] = {
	"{\"cluster_id\":\"c1\",\"cluster_address\":\"10.0.0.1\",\"cluster_port\":10110}",
	"{\"_id\":\"j1\",\"deployment_descriptor\":{\"app_name\":\"app\",\"app_ns\":\"ns\","
	"\"service_name\":\"web\",\"service_ns\":\"prod\",\"RR_ip\":\"10.30.0.9\","
	"\"RR_ip_v6\":\"fdff:2000::9\"}}",
	"{\"_id\":\"j1\",\"instance_number\":1,\"cluster_id\":\"c1\"}",
	"{\"job_id\":\"j1\",\"instances\":[{\"instance_number\":0,\"namespace_ip\":\"172.16.0.2\","
	"\"namespace_ip_v6\":\"fc00::2\",\"host_ip\":\"10.0.0.5\",\"host_port\":50103},"
	"{\"instance_number\":1,\"namespace_ip\":\"172.16.0.3\",\"namespace_ip_v6\":\"<nil>\","
	"\"host_ip\":\"10.0.0.5\",\"host_port\":\"4754\"}]}",
	NULL,
};

/* What the root answers about service keep, as text, for "lost nothing". */
static char *table_of_keep(void)
{
	ck_assert_int_eq(call(sn_root_api_query_name, NULL, NULL, 0, "app.ns.keep.prod", NULL),
			 200);
	return json_dumps(reply, JSON_COMPACT | JSON_SORT_KEYS);
}

START_TEST(root_requests)
{
	static const sn_http_handler_fn handlers[] = {
		sn_root_api_register_cluster, sn_root_api_service_deploy,
		sn_root_api_instance_deploy, sn_root_api_deploy_status,
	};
	unsigned int iterations = fuzz_iterations(2000);
	unsigned int accepted = 0;
	char *before, *after;
	struct fuzz f;
	json_t *seeds;

	root_start();
	/* What must survive: a cluster, a service "keep" with two instances. */
	ck_assert_int_eq(CALL_TEXT(sn_root_api_register_cluster, root_seeds[0], NULL), 200);
	ck_assert_int_eq(CALL_TEXT(sn_root_api_service_deploy,
				   "{\"_id\":\"keep\",\"deployment_descriptor\":{\"app_name\":\"app\","
				   "\"app_ns\":\"ns\",\"service_name\":\"keep\",\"service_ns\":\"prod\"}}",
				   NULL), 200);
	for (int i = 0; i < 2; i++) {
		char body[96];

		snprintf(body, sizeof(body), "{\"_id\":\"keep\",\"instance_number\":%d,"
			 "\"cluster_id\":\"c1\"}", i);
		ck_assert_int_eq(CALL_TEXT(sn_root_api_instance_deploy, body, NULL), 200);
	}
	before = table_of_keep();

	fuzz_init(&f, SEED + 5);
	seeds = seeds_of(&f, root_seeds);
	for (unsigned int it = 0; it < iterations; it++) {
		size_t which = fuzz_below(&f, 4), len;
		char *body = fuzz_mutate_text(&f, json_array_get(seeds, which), &len);
		int st;

		ck_assert(body);
		st = call(handlers[which], NULL, body, len, NULL);
		ck_assert_msg((st >= 200 && st < 300) || (st >= 400 && st < 500),
			      "status %d for handler %zu (iteration %u): %.300s", st, which, it, body);
		ck_assert_msg(st < 400 || json_is_string(json_object_get(reply, "error")),
			      "status %d without an error text (iteration %u)", st, it);
		accepted += st < 300;
		free(body);
		/* Path parameters and queries: the same values, elsewhere. */
		if (it % 8 == 0) {
			json_t *v = fuzz_value(&f, 0);
			const char *s = json_is_string(v) ? json_string_value(v) : "x";

			st = call(sn_root_api_query_ip, NULL, NULL, 0, s, NULL);
			ck_assert_msg(st == 200 || (st >= 400 && st < 500), "query_ip '%s': %d", s, st);
			st = call(sn_root_api_query_name, NULL, NULL, 0, s, NULL);
			ck_assert_msg(st == 200 || (st >= 400 && st < 500), "query_name '%s': %d", s,
				      st);
			st = call(sn_root_api_subnet_delete, NULL, NULL, 0, s, NULL);
			ck_assert_msg(st == 200 || (st >= 400 && st < 500), "subnet_delete '%s': %d",
				      s, st);
			json_decref(v);
		}
	}
	report("root_requests", accepted, iterations);
	after = table_of_keep();
	ck_assert_msg(!strcmp(before, after), "service keep changed:\n%s\n%s", before, after);
	/* And the root still works: a new service gets its addresses. */
	ck_assert_int_eq(CALL_TEXT(sn_root_api_service_deploy,
				   "{\"_id\":\"late\",\"deployment_descriptor\":{\"app_name\":\"app\","
				   "\"app_ns\":\"ns\",\"service_name\":\"late\",\"service_ns\":\"prod\"}}",
				   NULL), 200);
	free(before);
	free(after);
	json_decref(seeds);
	fuzz_done(&f);
	root_stop();
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("fuzz_input", NULL, NULL, 120, api_bodies, port_mappings,
			  registry_entries, link_objects, table_answers, root_requests);
}
