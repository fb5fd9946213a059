// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the semnet CLI's output helpers (daemon/cli/output.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/cli/output.h"

static uint32_t A(const char *s)
{
	struct in_addr in;

	ck_assert_int_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

/* Compact JSON text of v, which is released. The caller frees the result. */
static char *dump(json_t *v)
{
	char *s;

	ck_assert_ptr_nonnull(v);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	ck_assert_ptr_nonnull(s);
	return s;
}

#define ck_json_eq(v, want) do { \
	char *got_ = dump(v); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

START_TEST(fmt_values)
{
	char a[SN_ADDR_STRLEN], p[SN_PREFIX_STRLEN], ms[32], pr[8];
	struct sn_prefix pfx = { .addr = A("172.16.0.0"), .len = 12 };
	struct sn_prefix all = { .addr = A("255.255.255.255"), .len = 32 };

	ck_assert_str_eq(sn_fmt_addr(A("172.30.0.10"), a), "172.30.0.10");
	ck_assert_str_eq(sn_fmt_addr(0, a), "0.0.0.0");
	ck_assert_str_eq(sn_fmt_addr(A("255.255.255.255"), a), "255.255.255.255");
	ck_assert_str_eq(sn_fmt_prefix(&pfx, p), "172.16.0.0/12");
	ck_assert_str_eq(sn_fmt_prefix(&all, p), "255.255.255.255/32");

	ck_assert_str_eq(sn_fmt_ms(12345, ms, sizeof(ms)), "12.3s");
	ck_assert_str_eq(sn_fmt_ms(12399, ms, sizeof(ms)), "12.3s");	/* truncated */
	ck_assert_str_eq(sn_fmt_ms(0, ms, sizeof(ms)), "0.0s");
	ck_assert_str_eq(sn_fmt_ms(99, ms, sizeof(ms)), "0.0s");
	ck_assert_str_eq(sn_fmt_ms(100, ms, sizeof(ms)), "0.1s");
	ck_assert_str_eq(sn_fmt_ms(7440000, ms, sizeof(ms)), "7440.0s");
	ck_assert_str_eq(sn_fmt_ms(UINT32_MAX, ms, sizeof(ms)), "4294967.2s");

	ck_assert_str_eq(sn_fmt_proto(IPPROTO_TCP, pr, sizeof(pr)), "tcp");
	ck_assert_str_eq(sn_fmt_proto(IPPROTO_UDP, pr, sizeof(pr)), "udp");
	ck_assert_str_eq(sn_fmt_proto(IPPROTO_ICMP, pr, sizeof(pr)), "icmp");
	ck_assert_str_eq(sn_fmt_proto(132, pr, sizeof(pr)), "132");

	ck_assert_str_eq(sn_flow_state_name(SEMNET_FLOW_ACTIVE), "active");
	ck_assert_str_eq(sn_flow_state_name(SEMNET_FLOW_CLOSING), "closing");
	ck_assert_ptr_null(sn_flow_state_name(7));
}
END_TEST

START_TEST(drop_reasons)
{
	char key[32];
	unsigned int r;

	/* Every reason of the UAPI has a distinct name; none past the end. */
	for (r = 0; r <= SEMNET_DROP_MAX; r++) {
		unsigned int q;

		ck_assert_ptr_nonnull(sn_drop_reason_name(r));
		for (q = 0; q < r; q++)
			ck_assert_str_ne(sn_drop_reason_name(q), sn_drop_reason_name(r));
	}
	ck_assert_ptr_null(sn_drop_reason_name(SEMNET_DROP_MAX + 1));
	ck_assert_ptr_null(sn_drop_reason_name(1000));
	ck_assert_str_eq(sn_drop_reason_name(SEMNET_DROP_NO_INSTANCE), "no-instance");
	ck_assert_str_eq(sn_drop_reason_name(SEMNET_DROP_FLOW_TABLE_FULL), "flow-table-full");
	ck_assert_str_eq(sn_drop_reason_name(SEMNET_DROP_UNKNOWN_ADDRESS), "unknown-address");
	ck_assert_str_eq(sn_drop_reason_name(SEMNET_DROP_NO_PEER), "no-peer");

	ck_assert_str_eq(sn_snake("flow-table-full", key, sizeof(key)), "flow_table_full");
	ck_assert_str_eq(sn_snake("timeout-tcp-close", key, sizeof(key)), "timeout_tcp_close");
	ck_assert_str_eq(sn_snake("plain", key, sizeof(key)), "plain");
	ck_assert_str_eq(sn_snake("a-b-c-d", key, 4), "a_b");	/* truncated, terminated */
}
END_TEST

START_TEST(json_values)
{
	struct sn_prefix pfx = { .addr = A("172.30.0.0"), .len = 16 };

	ck_json_eq(sn_json_addr(A("172.30.0.10")), "\"172.30.0.10\"");
	ck_json_eq(sn_json_prefix(&pfx), "\"172.30.0.0/16\"");
	ck_json_eq(sn_json_u64(0), "0");
	ck_json_eq(sn_json_u64(4294967296ull), "4294967296");
	ck_json_eq(sn_json_u64(INT64_MAX), "9223372036854775807");
	/* Beyond json_int_t: saturates rather than going negative. */
	ck_json_eq(sn_json_u64(UINT64_MAX), "9223372036854775807");
}
END_TEST

/* Prints t into a string. The caller frees it. */
static char *table_text(const struct sn_table *t, const char *indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	sn_table_print(t, f, indent);
	fclose(f);
	return buf;
}

START_TEST(table_alignment)
{
	struct sn_table *t = sn_table_new();
	char *s;

	sn_table_row(t);
	sn_table_cell(t, "172.30.0.10");
	sn_table_cell(t, "name %s", "web");
	sn_table_cell(t, "policy rr");
	sn_table_cell(t, "instances 3");
	sn_table_line(t, "    packets 1  bytes 2  flows 3");
	sn_table_row(t);
	sn_table_cell(t, "172.30.0.200");
	sn_table_cell(t, "name %s", "database");
	sn_table_cell(t, "policy random");
	sn_table_cell(t, "instances 12");
	ck_assert_uint_eq(sn_table_rows(t), 3);
	s = table_text(t, "");
	ck_assert_str_eq(s,
		"172.30.0.10   name web       policy rr      instances 3\n"
		"    packets 1  bytes 2  flows 3\n"
		"172.30.0.200  name database  policy random  instances 12\n");
	free(s);
	s = table_text(t, "  ");
	ck_assert_str_eq(s,
		"  172.30.0.10   name web       policy rr      instances 3\n"
		"      packets 1  bytes 2  flows 3\n"
		"  172.30.0.200  name database  policy random  instances 12\n");
	free(s);
	sn_table_free(t);
}
END_TEST

START_TEST(table_ragged)
{
	struct sn_table *t = sn_table_new();
	char *s;

	/* A cell without sn_table_row() starts a row; a short row's last cell
	 * neither pads nor widens its column. */
	sn_table_cell(t, "platform");
	sn_table_cell(t, "172.16.0.0/12");
	sn_table_row(t);
	sn_table_cell(t, "timeout-tcp-close-and-more");
	sn_table_row(t);
	sn_table_cell(t, "gateway");
	sn_table_cell(t, "172.16.0.1");
	sn_table_cell(t, "x");
	s = table_text(t, NULL);
	ck_assert_str_eq(s,
		"platform  172.16.0.0/12\n"
		"timeout-tcp-close-and-more\n"
		"gateway   172.16.0.1  x\n");
	free(s);
	sn_table_free(t);

	/* Empty table: nothing at all. */
	t = sn_table_new();
	s = table_text(t, "    ");
	ck_assert_str_eq(s, "");
	free(s);
	sn_table_free(t);
	sn_table_free(NULL);
}
END_TEST

START_TEST(json_print)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *o = json_pack("{s:s, s:i}", "address", "172.30.0.10", "instances", 3);

	ck_assert_int_eq(sn_json_print(o, f), 0);
	fclose(f);
	ck_assert_str_eq(buf, "{\n  \"address\": \"172.30.0.10\",\n  \"instances\": 3\n}\n");
	free(buf);
	ck_assert_int_ne(sn_json_print(NULL, stdout), 0);
}
END_TEST

/* An element for the stream test: nested, like a flow or a service. */
static json_t *element(int i)
{
	return json_pack("{s:s, s:i, s:{s:I, s:[i, i]}, s:n}", "address", "172.30.0.10",
			 "index", i, "counters", "packets", (json_int_t)i * 1000,
			 "list", i, i + 1, "node");
}

START_TEST(json_stream)
{
	int count;

	/* The streamed array reads exactly as the whole array printed at once. */
	for (count = 0; count <= 3; count++) {
		char *a = NULL, *b = NULL;
		size_t alen = 0, blen = 0;
		FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
		struct sn_json_stream js;
		json_t *whole = json_array();
		int i;

		sn_json_stream_begin(&js, fa);
		for (i = 0; i < count; i++) {
			sn_json_stream_add(&js, element(i));
			json_array_append_new(whole, element(i));
		}
		ck_assert_int_eq(sn_json_stream_end(&js), 0);
		ck_assert_int_eq(sn_json_print(whole, fb), 0);
		fclose(fa);
		fclose(fb);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}
}
END_TEST

START_TEST(grow)
{
	uint32_t *v = NULL;
	size_t n, i;

	/* Appends of any count stay in bounds (ASan watches), also after a reset. */
	for (n = 0; n < 100000; n++) {
		v = sn_grow(v, n, sizeof(*v));
		v[n] = (uint32_t)n * 7;
	}
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(v[i], (uint32_t)i * 7);
	for (n = 0; n < 40; n++) {
		v = sn_grow(v, n, sizeof(*v));
		v[n] = (uint32_t)n;
	}
	ck_assert_uint_eq(v[39], 39);
	free(v);
}
END_TEST

/* IPv6 in canonical form (RFC 5952), whatever was parsed. */
START_TEST(fmt_v6)
{
	char a[SN_INADDR_STRLEN], p[SN_PREFIX_STRLEN], pr[8];
	struct sn_prefix pfx = { .family = AF_INET6, .len = 120 };
	struct sn_prefix longest = { .family = AF_INET6, .len = 128 };
	struct in6_addr x;

	ck_assert_int_eq(inet_pton(AF_INET6, "FDFF:2000:0:0:0:0:0:1", &x), 1);
	ck_assert_str_eq(sn_fmt_addr6(&x, a), "fdff:2000::1");
	ck_assert_str_eq(sn_fmt_inaddr(AF_INET6, 0, &x, a), "fdff:2000::1");
	ck_assert_str_eq(sn_fmt_inaddr(AF_INET, A("172.30.0.10"), &x, a), "172.30.0.10");
	ck_json_eq(sn_json_addr6(&x), "\"fdff:2000::1\"");
	ck_assert_int_eq(inet_pton(AF_INET6, "fc00:0:0:0:0:0:0:100", &pfx.addr6), 1);
	ck_assert_str_eq(sn_fmt_prefix(&pfx, p), "fc00::100/120");
	ck_json_eq(sn_json_prefix(&pfx), "\"fc00::100/120\"");
	/* The longest text fits. */
	memset(&longest.addr6, 0xff, sizeof(longest.addr6));
	ck_assert_str_eq(sn_fmt_prefix(&longest, p),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	ck_assert_str_eq(sn_fmt_proto(IPPROTO_ICMPV6, pr, sizeof(pr)), "icmpv6");
	ck_assert_str_eq(sn_family_name(AF_INET6), "inet6");
	ck_assert_str_eq(sn_family_name(AF_INET), "inet");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cli_output");
	TCase *tc = tcase_create("output");

	UNIT_ADD_TESTS(tc, fmt_values, drop_reasons, json_values,
		       table_alignment, table_ragged, json_print, grow,
		       json_stream, fmt_v6);
	suite_add_tcase(s, tc);
	return s;
}
