// SPDX-License-Identifier: GPL-2.0
/* semnetd's cache of known services: the index by name through its growth
 * (10,000 services, as the control-plane bench keeps), removal from the
 * list and the index together, lookups by address; and its pending table
 * queries (queries.c), indexed the same way. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/semnetd.h"

/* services.c subscribes to each service's update topic: counted here. */
static int subscribed, unsubscribed;

void semnetd_upstream_subscribe(struct semnetd *d, const char *topic)
{
	(void)d;
	(void)topic;
	subscribed++;
}

void semnetd_upstream_unsubscribe(struct semnetd *d, const char *topic)
{
	(void)d;
	(void)topic;
	unsubscribed++;
}

/* queries.c publishes each query: counted here. */
static int published;

void semnetd_upstream_publish(struct semnetd *d, const char *suffix, json_t *msg)
{
	(void)d;
	(void)msg;
	ck_assert_str_eq(suffix, "tablequery/request");
	published++;
}

static struct semnetd d;

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	d.loop = uv_default_loop();
	subscribed = unsubscribed = published = 0;
}

static void teardown(void)
{
	semnetd_services_free(&d.services);
	semnetd_queries_free(&d.queries);
}

static void name(int i, char *buf, size_t size)
{
	snprintf(buf, size, "app%d.ns.web.prod", i);
}

START_TEST(test_add_find_many)
{
	char n[64];

	for (int i = 0; i < 10000; i++) {
		struct semnetd_svc *s;

		name(i, n, sizeof(n));
		s = semnetd_services_add(&d, n);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s->name, n);
		s->rr_ip = 0xac1e0000u + (uint32_t)i;
	}
	ck_assert_uint_eq(semnetd_services_count(&d.services), 10000);
	ck_assert_int_eq(subscribed, 10000);
	/* The index holds at most one service per bucket on average. */
	ck_assert_uint_ge(d.services.nbuckets, 10000);
	for (int i = 0; i < 10000; i++) {
		struct semnetd_svc *s;

		name(i, n, sizeof(n));
		s = semnetd_services_find(&d.services, n);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s->name, n);
		ck_assert_uint_eq(s->rr_ip, 0xac1e0000u + (uint32_t)i);
	}
	ck_assert_ptr_null(semnetd_services_find(&d.services, "app10000.ns.web.prod"));
	ck_assert_ptr_null(semnetd_services_find(&d.services, "app1.ns.web.pro"));
}
END_TEST

START_TEST(test_find_empty)
{
	ck_assert_ptr_null(semnetd_services_find(&d.services, "a.b.c.d"));
	ck_assert_uint_eq(semnetd_services_count(&d.services), 0);
}
END_TEST

/* Removing through a link of the list, as the interest timer does: the
 * head, one in the middle, the last; the others stay found. */
START_TEST(test_remove)
{
	char n[64];
	struct semnetd_svc **ps;
	int removed = 0;

	for (int i = 0; i < 300; i++) {
		name(i, n, sizeof(n));
		ck_assert_ptr_nonnull(semnetd_services_add(&d, n));
	}
	/* Every third one, wherever it is in the list. */
	for (ps = &d.services.head; *ps;) {
		int i;

		ck_assert_int_eq(sscanf((*ps)->name, "app%d", &i), 1);
		if (i % 3 == 0) {
			semnetd_svc_free(semnetd_services_remove(&d.services, ps));
			removed++;
			continue;
		}
		ps = &(*ps)->next;
	}
	ck_assert_int_eq(removed, 100);
	ck_assert_uint_eq(semnetd_services_count(&d.services), 200);
	for (int i = 0; i < 300; i++) {
		name(i, n, sizeof(n));
		if (i % 3 == 0)
			ck_assert_ptr_null(semnetd_services_find(&d.services, n));
		else
			ck_assert_ptr_nonnull(semnetd_services_find(&d.services, n));
	}
	/* A name removed can come back. */
	name(3, n, sizeof(n));
	ck_assert_ptr_nonnull(semnetd_services_add(&d, n));
	ck_assert_ptr_nonnull(semnetd_services_find(&d.services, n));
	ck_assert_uint_eq(semnetd_services_count(&d.services), 201);
}
END_TEST

START_TEST(test_long_name)
{
	char n[200];

	/* Adopted from the kernel, a name may be as long as SEMNET_NAME_MAX. */
	memset(n, 'x', 127);
	n[127] = '\0';
	ck_assert_ptr_nonnull(semnetd_services_add(&d, n));
	ck_assert_str_eq(semnetd_services_find(&d.services, n)->name, n);
}
END_TEST

START_TEST(test_by_addr)
{
	struct semnetd_svc *a = semnetd_services_add(&d, "a.ns.web.prod");
	struct semnetd_svc *b = semnetd_services_add(&d, "b.ns.web.prod");
	static struct semnetd_svc_instance inst[2] = { { .instance_ip = 30 }, { .instance_ip = 31 } };

	a->rr_ip = 10;
	a->closest_ip = 11;
	b->rr_ip = 20;
	b->inst = malloc(sizeof(inst));
	ck_assert_ptr_nonnull(b->inst);
	memcpy(b->inst, inst, sizeof(inst));
	b->ninst = 2;
	ck_assert_ptr_eq(semnetd_services_by_addr(&d.services, 10), a);
	ck_assert_ptr_eq(semnetd_services_by_addr(&d.services, 11), a);
	ck_assert_ptr_eq(semnetd_services_by_addr(&d.services, 20), b);
	ck_assert_ptr_eq(semnetd_services_by_addr(&d.services, 31), b);
	ck_assert_ptr_null(semnetd_services_by_addr(&d.services, 12));
}
END_TEST

/* One query in flight per key, through the table's growth; an answer
 * closes it; after a reconnection every known service is asked again. */
START_TEST(test_queries)
{
	char n[64];

	for (int i = 0; i < 10000; i++) {
		name(i, n, sizeof(n));
		semnetd_query_name(&d, n);
		semnetd_query_name(&d, n);	/* in flight: not asked twice */
	}
	semnetd_query_addr(&d, 0xac1e0001u);
	ck_assert_int_eq(published, 10001);
	ck_assert_uint_eq(semnetd_queries_pending(&d.queries), 10001);
	ck_assert_uint_ge(d.queries.nbuckets, 10001);
	for (int i = 0; i < 10000; i += 2) {
		name(i, n, sizeof(n));
		semnetd_queries_done(&d.queries, n);
	}
	ck_assert_uint_eq(semnetd_queries_pending(&d.queries), 5001);
	ck_assert_uint_eq(semnetd_queries_done(&d.queries, "app0.ns.web.prod"), 0);
	semnetd_queries_done(&d.queries, "172.30.0.1");
	ck_assert_uint_eq(semnetd_queries_pending(&d.queries), 5000);
	/* Every known service is asked again, in flight (app1, app3) or
	 * not (app0, app2); other pending keys wait for their next miss. */
	for (int i = 0; i < 4; i++) {
		name(i, n, sizeof(n));
		ck_assert_ptr_nonnull(semnetd_services_add(&d, n));
	}
	published = 0;
	semnetd_queries_requery_all(&d);
	ck_assert_int_eq(published, 4);
	ck_assert_uint_eq(semnetd_queries_pending(&d.queries), 5002);
	/* Those others were reset: the next miss asks at once. */
	name(5, n, sizeof(n));
	semnetd_query_name(&d, n);
	ck_assert_int_eq(published, 5);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("semnetd_services");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_find_many);
	tcase_add_test(tc, test_find_empty);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_by_addr);
	tcase_add_test(tc, test_queries);
	suite_add_tcase(s, tc);
	return s;
}
