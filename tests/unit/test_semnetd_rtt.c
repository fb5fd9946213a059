// SPDX-License-Identifier: GPL-2.0
/* The RTT state of a peer node: smoothing, loss and down/up, what the
 * kernel is told and when, the probe schedule's jitter. */
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "../../daemon/node/rtt.h"

static const struct semnetd_rtt_params params = { .timeout_us = 1000000, .down_after = 3 };

/* The peer of each case, fresh (semnetd_rtt_init) before it. */
static struct semnetd_rtt r;

/* What the kernel is to be told about r, when due() says it is. */
static uint32_t cost;
static bool down;

static void setup(void)
{
	semnetd_rtt_init(&r);
	cost = 0;
	down = false;
}

static bool due(void)
{
	return semnetd_rtt_push_due(&r, &cost, &down);
}

/* A push is due, and done. */
static void pushed(void)
{
	ck_assert(due());
	semnetd_rtt_pushed(&r, cost, down);
}

/* A probe @seq sent at @sent_us and answered @rtt_us later. */
static void answered(struct semnetd_rtt *peer, uint16_t seq, uint64_t sent_us, uint32_t rtt_us)
{
	semnetd_rtt_sent(peer, seq, sent_us, &params);
	ck_assert(semnetd_rtt_reply(peer, seq, sent_us + rtt_us));
}

START_TEST(ewma_a_quarter_of_the_way)
{
	ck_assert(!r.measured);
	ck_assert_uint_eq(semnetd_rtt_cost(&r), SEMNET_PEER_COST_UNKNOWN);
	semnetd_rtt_sample(&r, 1000);
	ck_assert_uint_eq(r.srtt_us, 1000);	/* the first sample as it is */
	semnetd_rtt_sample(&r, 2000);
	ck_assert_uint_eq(r.srtt_us, 1250);
	semnetd_rtt_sample(&r, 2000);
	ck_assert_uint_eq(r.srtt_us, 1437);
	semnetd_rtt_sample(&r, 0);		/* downwards too, no wrap-around */
	ck_assert_uint_eq(r.srtt_us, 1078);
	ck_assert_uint_eq(r.last_us, 0);
	ck_assert_uint_eq(semnetd_rtt_cost(&r), 1078);
}
END_TEST

START_TEST(replies_match_their_probe)
{
	semnetd_rtt_sent(&r, 7, 1000, &params);
	semnetd_rtt_sent(&r, 8, 1500, &params);
	ck_assert(semnetd_rtt_reply(&r, 8, 2500));
	ck_assert_uint_eq(r.srtt_us, 1000);
	ck_assert(!semnetd_rtt_reply(&r, 8, 2600));	/* a duplicate */
	ck_assert(!semnetd_rtt_reply(&r, 99, 2600));	/* never sent */
	ck_assert(semnetd_rtt_reply(&r, 7, 4000));
	ck_assert_uint_eq(r.last_us, 3000);
	ck_assert_uint_eq(r.sent, 2);
	ck_assert_uint_eq(r.replies, 2);
	ck_assert_uint_eq(r.late, 2);
	ck_assert_uint_eq(r.lost, 0);
}
END_TEST

START_TEST(down_after_n_losses_in_a_row)
{
	answered(&r, 1, 0, 5000);
	semnetd_rtt_sent(&r, 2, 100000, &params);
	semnetd_rtt_sent(&r, 3, 600000, &params);
	semnetd_rtt_sent(&r, 4, 1100000, &params);
	semnetd_rtt_expire(&r, 1099999, &params);	/* not yet a second */
	ck_assert_uint_eq(r.lost, 0);
	semnetd_rtt_expire(&r, 1100000, &params);
	ck_assert_uint_eq(r.lost, 1);
	semnetd_rtt_expire(&r, 1600000, &params);
	ck_assert_uint_eq(r.lost_in_row, 2);
	ck_assert(!r.down);
	semnetd_rtt_expire(&r, 2100000, &params);
	ck_assert_uint_eq(r.lost, 3);
	ck_assert(r.down);
	ck_assert(!semnetd_rtt_reply(&r, 4, 2100001));	/* too late to count */
	ck_assert(r.down);
	ck_assert_uint_eq(semnetd_rtt_cost(&r), 5000);	/* the last known */
}
END_TEST

START_TEST(a_reply_breaks_the_row)
{
	semnetd_rtt_lost(&r, &params);
	semnetd_rtt_lost(&r, &params);
	answered(&r, 1, 0, 700);
	semnetd_rtt_lost(&r, &params);
	semnetd_rtt_lost(&r, &params);
	ck_assert(!r.down);
	ck_assert_uint_eq(r.lost, 4);
}
END_TEST

START_TEST(back_up_starts_afresh)
{
	answered(&r, 1, 0, 40000);
	for (int i = 0; i < 3; i++)
		semnetd_rtt_lost(&r, &params);
	ck_assert(r.down);
	answered(&r, 2, 5000000, 5000);
	ck_assert(!r.down);
	ck_assert_uint_eq(r.lost_in_row, 0);
	ck_assert_uint_eq(r.srtt_us, 5000);	/* not 40000 smoothed towards 5000 */
}
END_TEST

START_TEST(full_window_loses_the_oldest)
{
	for (uint16_t seq = 0; seq < SEMNETD_RTT_PENDING; seq++)
		semnetd_rtt_sent(&r, seq, 1000 + seq, &params);
	ck_assert_uint_eq(r.lost, 0);
	semnetd_rtt_sent(&r, 100, 2000, &params);
	ck_assert_uint_eq(r.lost, 1);
	ck_assert(!semnetd_rtt_reply(&r, 0, 2001));	/* its slot went to 100 */
	ck_assert(semnetd_rtt_reply(&r, 1, 2001));
	ck_assert(semnetd_rtt_reply(&r, 100, 2500));
}
END_TEST

START_TEST(push_first_measurement_then_only_real_changes)
{
	ck_assert(!due());	/* nothing known */
	semnetd_rtt_sample(&r, 20000);
	ck_assert(due());
	ck_assert_uint_eq(cost, 20000);
	ck_assert(!down);
	semnetd_rtt_pushed(&r, cost, down);
	ck_assert(!due());
	/* Within 10 %: srtt 20000 -> 21000 -> 21750; no message. */
	semnetd_rtt_sample(&r, 24000);
	ck_assert_uint_eq(r.srtt_us, 21000);
	ck_assert(!due());
	semnetd_rtt_sample(&r, 24000);
	ck_assert_uint_eq(r.srtt_us, 21750);
	ck_assert(!due());
	/* 22125 is more than 2000 above 20000: pushed. */
	semnetd_rtt_sample(&r, 23250);
	ck_assert_uint_eq(r.srtt_us, 22125);
	ck_assert(due());
	ck_assert_uint_eq(cost, 22125);
	semnetd_rtt_pushed(&r, cost, down);
	ck_assert_uint_eq(r.pushes, 2);
}
END_TEST

START_TEST(push_band_has_a_floor)
{
	/* 10 % of 300 us would be 30 us: the floor is 100 us. */
	semnetd_rtt_sample(&r, 300);
	pushed();
	r.srtt_us = 400;
	ck_assert(!due());
	r.srtt_us = 401;
	ck_assert(due());
	r.srtt_us = 200;
	ck_assert(!due());
	r.srtt_us = 199;
	ck_assert(due());
}
END_TEST

START_TEST(push_every_down_and_up)
{
	answered(&r, 1, 0, 5000);
	pushed();
	semnetd_rtt_lost(&r, &params);
	semnetd_rtt_lost(&r, &params);
	ck_assert(!due());	/* not down yet */
	semnetd_rtt_lost(&r, &params);
	ck_assert(due());
	ck_assert(down);
	ck_assert_uint_eq(cost, 5000);
	semnetd_rtt_pushed(&r, cost, down);
	semnetd_rtt_lost(&r, &params);
	ck_assert(!due());	/* still down: nothing new */
	answered(&r, 2, 9000000, 5040);	/* back, at a cost within the band */
	ck_assert(due());
	ck_assert(!down);
	ck_assert_uint_eq(cost, 5040);
}
END_TEST

START_TEST(push_down_before_any_reply)
{
	for (uint16_t seq = 0; seq < 3; seq++)
		semnetd_rtt_sent(&r, seq, seq * 500000ULL, &params);
	semnetd_rtt_expire(&r, 2000000, &params);
	ck_assert(r.down);
	ck_assert(due());
	ck_assert(down);
	ck_assert_uint_eq(cost, SEMNET_PEER_COST_UNKNOWN);
}
END_TEST

START_TEST(repush_after_the_kernel_forgot)
{
	semnetd_rtt_sample(&r, 8000);
	pushed();
	semnetd_rtt_repush(&r);
	ck_assert(due());
	ck_assert_uint_eq(cost, 8000);
}
END_TEST

/* The scenario's swap: B at 5 ms and C at 40 ms trade places; the costs
 * cross on the third probe after the swap (about 1.5 s at 500 ms). */
START_TEST(swapped_delays_cross_on_the_third_probe)
{
	struct semnetd_rtt b, c;
	int probes = 0;

	semnetd_rtt_init(&b);
	semnetd_rtt_init(&c);
	semnetd_rtt_sample(&b, 5000);
	semnetd_rtt_sample(&c, 40000);
	while (semnetd_rtt_cost(&b) < semnetd_rtt_cost(&c)) {
		semnetd_rtt_sample(&b, 40000);
		semnetd_rtt_sample(&c, 5000);
		probes++;
	}
	ck_assert_int_eq(probes, 3);
}
END_TEST

START_TEST(jitter_stays_within_20_percent)
{
	ck_assert_uint_eq(semnetd_rtt_next_ms(500, 0), 400);
	ck_assert_uint_eq(semnetd_rtt_next_ms(500, 1U << 31), 500);
	ck_assert_uint_eq(semnetd_rtt_next_ms(500, UINT32_MAX), 599);
	ck_assert_uint_eq(semnetd_rtt_next_ms(100, UINT32_MAX), 119);
	for (uint32_t x = 1; x; x = x * 2654435761U + 1) {	/* a spread of values */
		uint64_t ms = semnetd_rtt_next_ms(1000, x);

		ck_assert(ms >= 800 && ms < 1200);
		if (x < 1000)
			break;
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("semnetd_rtt");
	TCase *tm = tcase_create("measure"), *tp = tcase_create("push");

	tcase_add_checked_fixture(tm, setup, NULL);
	tcase_add_checked_fixture(tp, setup, NULL);
	UNIT_ADD_TESTS(tm, ewma_a_quarter_of_the_way, replies_match_their_probe,
		       down_after_n_losses_in_a_row, a_reply_breaks_the_row,
		       back_up_starts_afresh, full_window_loses_the_oldest,
		       swapped_delays_cross_on_the_third_probe,
		       jitter_stays_within_20_percent);
	UNIT_ADD_TESTS(tp, push_first_measurement_then_only_real_changes,
		       push_band_has_a_floor, push_every_down_and_up,
		       push_down_before_any_reply,
		       repush_after_the_kernel_forgot);
	suite_add_tcase(s, tm);
	suite_add_tcase(s, tp);
	return s;
}
