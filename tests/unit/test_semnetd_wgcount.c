// SPDX-License-Identifier: GPL-2.0
/* Refused WireGuard datagrams: the nft counter of datagrams reaching the
 * devices' ports less their rx_packets, across device churn, counter
 * resets and reads that race traffic (daemon/node/wgcount.h). */
#include <stdint.h>

#include "unit.h"
#include "../../daemon/node/wgcount.h"

static struct semnetd_wgcount c;
static struct semnetd_wgcount_dev a, b;

static void setup(void)
{
	c = (struct semnetd_wgcount){ 0 };
	a = b = (struct semnetd_wgcount_dev){ 0 };
	semnetd_wgcount_start(&c, 0);
}

/* A read: the counter at @counter, device a at @ra, b (when @with_b) at
 * @rb. */
static void read2(uint64_t counter, uint64_t ra, bool with_b, uint64_t rb)
{
	uint64_t sum;

	semnetd_wgcount_dev_seen(&c, &a, ra);
	sum = semnetd_wgcount_dev_accepted(&a);
	if (with_b) {
		semnetd_wgcount_dev_seen(&c, &b, rb);
		sum += semnetd_wgcount_dev_accepted(&b);
	}
	ck_assert(semnetd_wgcount_update(&c, counter, sum));
}

static void totals(uint64_t datagrams, uint64_t accepted, uint64_t refused)
{
	ck_assert_uint_eq(c.datagrams, datagrams);
	ck_assert_uint_eq(c.accepted, accepted);
	ck_assert_uint_eq(c.refused, refused);
}

START_TEST(at_rest_exact_after_two_reads)
{
	/* a took over from an earlier run: 500 before it was counted. */
	semnetd_wgcount_dev_join(&a, 500);
	read2(10, 510, false, 0);
	totals(10, 10, 0);
	/* 2 refused (a replay, a tamper) among 7. */
	read2(17, 515, false, 0);
	totals(17, 15, 0);	/* one read could hold an undecided datagram */
	read2(17, 515, false, 0);
	totals(17, 15, 2);	/* the second says it is settled */
	read2(17, 515, false, 0);
	totals(17, 15, 2);
}
END_TEST

START_TEST(undecided_datagram_never_counted)
{
	semnetd_wgcount_dev_join(&a, 0);
	/* 3 counted, 1 of them still in WireGuard's queue at the read. */
	read2(3, 2, false, 0);
	totals(3, 2, 0);
	read2(3, 3, false, 0);	/* taken */
	totals(3, 3, 0);
	read2(3, 3, false, 0);
	totals(3, 3, 0);
}
END_TEST

START_TEST(taken_between_the_reads_clamps_to_zero)
{
	semnetd_wgcount_dev_join(&a, 0);
	/* The counter read at 5; 3 more arrived and were taken before a
	 * was read: 8 taken, 5 counted. No wrap, no negative. */
	read2(5, 8, false, 0);
	totals(5, 8, 0);
	/* Twice in a row (traffic on): still 0. */
	read2(6, 10, false, 0);
	totals(6, 10, 0);
	read2(10, 10, false, 0);
	totals(10, 10, 0);
	/* One refused after that: counted from the next two reads. */
	read2(11, 10, false, 0);
	read2(11, 10, false, 0);
	totals(11, 10, 1);
}
END_TEST

START_TEST(device_churn_keeps_every_total)
{
	semnetd_wgcount_dev_join(&a, 0);
	semnetd_wgcount_dev_join(&b, 0);
	read2(30, 10, true, 18);	/* 2 refused */
	read2(30, 10, true, 18);
	totals(30, 28, 2);
	/* b goes: its port out of the set, a last read, then deleted. */
	semnetd_wgcount_dev_seen(&c, &b, 19);
	semnetd_wgcount_dev_gone(&c, &b);
	read2(31, 10, false, 0);
	read2(31, 10, false, 0);
	totals(31, 29, 2);
	/* A new b joins (made now: rx 0); one refused on it. */
	semnetd_wgcount_dev_join(&b, 0);
	read2(36, 12, true, 2);
	read2(36, 12, true, 2);
	totals(36, 33, 3);
}
END_TEST

START_TEST(device_made_again_behind_our_back)
{
	semnetd_wgcount_dev_join(&a, 0);
	read2(100, 100, false, 0);
	/* a deleted and made again by someone: its rx_packets from 0. */
	read2(104, 3, false, 0);	/* 1 of 4 refused */
	read2(104, 3, false, 0);
	totals(104, 103, 1);
}
END_TEST

START_TEST(counter_reset_starts_an_epoch)
{
	semnetd_wgcount_dev_join(&a, 0);
	read2(50, 48, false, 0);
	read2(50, 48, false, 0);
	totals(50, 48, 2);
	/* The table was made again: the counter went back. Nothing moves. */
	semnetd_wgcount_dev_seen(&c, &a, 60);
	ck_assert(!semnetd_wgcount_update(&c, 4, semnetd_wgcount_dev_accepted(&a)));
	totals(50, 48, 2);
	/* A new epoch at 0, a afresh at 60: the totals go on from there. */
	semnetd_wgcount_dev_join(&a, 60);
	semnetd_wgcount_start(&c, 0);
	ck_assert_uint_eq(c.epochs, 2);
	read2(5, 64, false, 0);
	read2(5, 64, false, 0);
	totals(55, 52, 3);
}
END_TEST

START_TEST(stopped_totals_stay)
{
	semnetd_wgcount_dev_join(&a, 0);
	read2(9, 8, false, 0);
	read2(9, 8, false, 0);
	semnetd_wgcount_stop(&c);
	ck_assert(!c.on);
	ck_assert(!semnetd_wgcount_update(&c, 20, 8));
	totals(9, 8, 1);
	semnetd_wgcount_dev_join(&a, 8);
	semnetd_wgcount_start(&c, 0);
	read2(0, 8, false, 0);
	totals(9, 8, 1);
}
END_TEST

START_TEST(refused_never_goes_down)
{
	semnetd_wgcount_dev_join(&a, 0);
	read2(10, 6, false, 0);
	read2(10, 6, false, 0);
	totals(10, 6, 4);
	/* Reads racing traffic make smaller differences: held at 4. */
	read2(12, 12, false, 0);
	totals(12, 12, 4);
	read2(20, 19, false, 0);
	totals(20, 19, 4);
	/* Settled: 1 of the 20 refused by the count, 4 reported. */
	read2(20, 19, false, 0);
	totals(20, 19, 4);
	/* 4 more refused: only what goes beyond the 4 reported shows. */
	read2(24, 19, false, 0);
	read2(24, 19, false, 0);
	totals(24, 19, 5);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_wgcount", setup, NULL, 0, at_rest_exact_after_two_reads,
			  undecided_datagram_never_counted, taken_between_the_reads_clamps_to_zero,
			  device_churn_keeps_every_total, device_made_again_behind_our_back,
			  counter_reset_starts_an_epoch, stopped_totals_stay,
			  refused_never_goes_down);
}
