// SPDX-License-Identifier: GPL-2.0
/*
 * sn_outbox (daemon/lib): calls delivered from a durable outbox, with
 * retries and backoff, ordered or in parallel.
 *
 *   test --INSERT--> SQLite "outbox" --SELECT--> sn_outbox --send--> fake peer
 *                        ^                         |   ^                |
 *                        +-------- DELETE ---------+   +-- status ------+
 *                                                      (script, after a
 *                                                       0 ms timer)
 *
 * The fake peer answers each attempt from a script (a status per row and
 * attempt; 200 past its end) on the next loop turn, as an HTTP reply would
 * come, and notes when each attempt came (uv_now), so the delays between
 * retries can be measured. A "restart" frees the outbox (dropping answers
 * in flight, as freeing the HTTP client does) and closes the database, then
 * opens both again.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_db.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "sn_outbox.h"

#define NO_ANSWER (-1)		/* in a script: the request fails (status 0) */
#define MAX_LOG 64

struct answer {
	uv_timer_t timer;
	sn_http_done_fn done;
	void *arg;
	int status;
	struct answer *next;
};

static struct peer {
	uv_loop_t loop;
	struct sn_db db;
	struct sn_outbox *outbox;
	int script[8][8];		/* [row id][attempt]: 0 = 200 */
	bool answer_now;		/* call done from within send */
	struct answer *answers;		/* in flight */
	/* What happened, in order. */
	int64_t sent_id[MAX_LOG];
	uint64_t sent_at[MAX_LOG];
	int nsent;
	enum sn_outbox_result result[MAX_LOG];
	int result_attempts[MAX_LOG], result_retry_ms[MAX_LOG];
	int nresults;
} p;

static char dir[64];
static char path[128];

static const char *const migrations[] = {
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, dest TEXT NOT NULL);",
};

/* --- the owner's side: store and fake peer -------------------------------- */

/* A row of outbox (id, dest): its dest. */
static void *load_row(void *owner, sqlite3_stmt *stmt)
{
	(void)owner;
	return strdup(sn_db_text(stmt, 1));
}

static void answer_now(uv_timer_t *timer)
{
	struct answer *a = timer->data, **pp;

	for (pp = &p.answers; *pp != a; pp = &(*pp)->next)
		;
	*pp = a->next;
	a->done(a->arg, a->status, NULL, a->status ? NULL : "connection refused");
	uv_close((uv_handle_t *)&a->timer, (uv_close_cb)free);
}

static void send_call(void *owner, struct sn_outbox_call *call, sn_http_done_fn done, void *arg)
{
	int attempt = call->attempts, status;
	struct answer *a;

	(void)owner;
	ck_assert_int_lt(p.nsent, MAX_LOG);
	ck_assert_str_eq(call->row, "peer");
	p.sent_id[p.nsent] = call->id;
	p.sent_at[p.nsent++] = uv_now(&p.loop);
	status = call->id < 8 && attempt < 8 ? p.script[call->id][attempt] : 0;
	status = status == NO_ANSWER ? 0 : status ? status : 200;
	if (p.answer_now) {
		done(arg, status, NULL, status ? NULL : "cannot start");
		return;
	}
	a = calloc(1, sizeof(*a));
	ck_assert_ptr_nonnull(a);
	a->done = done;
	a->arg = arg;
	a->status = status;
	a->next = p.answers;
	p.answers = a;
	uv_timer_init(&p.loop, &a->timer);
	a->timer.data = a;
	uv_timer_start(&a->timer, answer_now, 0, 0);
}

static void report(void *owner, const struct sn_outbox_call *call, enum sn_outbox_result result,
		   int status, json_t *reply, const char *error)
{
	(void)owner, (void)status, (void)reply, (void)error;
	ck_assert_int_lt(p.nresults, MAX_LOG);
	p.result[p.nresults] = result;
	p.result_attempts[p.nresults] = call->attempts;
	p.result_retry_ms[p.nresults++] = call->retry_ms;
}

static const struct sn_outbox_ops ops = {
	.load_row = load_row,
	.send = send_call,
	.report = report,
	.free_row = free,
};

static void queue(int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(sn_db_exec(&p.db, "INSERT INTO outbox (dest) VALUES ('peer')"), 0);
}

static int rows(void)
{
	return (int)sn_db_value(sn_db_stmt(&p.db, "SELECT count(*) FROM outbox"), -1);
}

/* The daemon starts: an outbox on the stored rows, flushed. */
static void start(bool ordered, int backoff_ms, int backoff_max_ms, int max_attempts)
{
	const struct sn_outbox_config cfg = {
		.what = "call",
		.db = &p.db,
		.ordered = ordered,
		.backoff_ms = backoff_ms,
		.backoff_max_ms = backoff_max_ms,
		.max_attempts = max_attempts,
	};

	p.outbox = sn_outbox_new(&p.loop, &cfg, &ops, NULL);
	ck_assert_ptr_nonnull(p.outbox);
	sn_outbox_flush(p.outbox);
}

/* The daemon stops: answers in flight are dropped (the HTTP client is freed
 * first), then the outbox and the database. */
static void stop(void)
{
	while (p.answers) {
		struct answer *a = p.answers;

		p.answers = a->next;
		uv_close((uv_handle_t *)&a->timer, (uv_close_cb)free);
	}
	sn_outbox_free(p.outbox);
	p.outbox = NULL;
	uv_run(&p.loop, UV_RUN_NOWAIT);	/* close callbacks */
	sn_db_close(&p.db);
}

static void open_db(void)
{
	ck_assert_int_eq(sn_db_open(&p.db, path, migrations, 1, true), 0);
}

static void tick(uv_timer_t *timer)
{
	(void)timer;
}

/* Runs the loop until @cond holds or @timeout_ms pass; whether it held. */
static bool run_until(bool (*cond)(int), int arg, int timeout_ms)
{
	uv_timer_t clock;
	uint64_t end;
	bool ok;

	uv_update_time(&p.loop);
	end = uv_now(&p.loop) + (uint64_t)timeout_ms;
	uv_timer_init(&p.loop, &clock);
	uv_timer_start(&clock, tick, 5, 5);	/* keeps the loop turning */
	while (!(ok = cond(arg)) && uv_now(&p.loop) < end)
		uv_run(&p.loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&clock, NULL);
	uv_run(&p.loop, UV_RUN_NOWAIT);
	return ok;
}

static bool drained(int unused)
{
	(void)unused;
	return sn_outbox_pending(p.outbox) == 0 && !p.answers;
}

/* The loop runs until no call is left: @nsent attempts in all, no row. */
static void assert_all_delivered(int nsent)
{
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, nsent);
	ck_assert_int_eq(rows(), 0);
}

static bool sent_at_least(int n)
{
	return p.nsent >= n;
}

static void setup(void)
{
	memset(&p, 0, sizeof(p));
	unit_tmpdir(dir, sizeof(dir), "semnet-outbox");
	snprintf(path, sizeof(path), "%s/o.db", dir);
	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(&p.loop), 0);
	open_db();
}

static void teardown(void)
{
	if (p.outbox)
		stop();
	sn_db_close(&p.db);
	sn_loop_close_all(&p.loop);
	unit_tmpdir_remove(dir);
}

/* --- cases ------------------------------------------------------------ */

START_TEST(backoff_doubles_to_ceiling)
{
	struct sn_backoff b;
	const int want[] = { 200, 400, 800, 1000, 1000 };

	sn_backoff_init(&b, 200, 1000);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_int_eq(sn_backoff_next(&b), want[i]);
	sn_backoff_reset(&b);
	ck_assert_int_eq(sn_backoff_next(&b), 200);
	/* An odd ceiling, and one near INT_MAX: no overflow. */
	sn_backoff_init(&b, 100, 201);
	ck_assert_int_eq(sn_backoff_next(&b), 100);
	ck_assert_int_eq(sn_backoff_next(&b), 200);
	ck_assert_int_eq(sn_backoff_next(&b), 201);
	sn_backoff_init(&b, INT_MAX / 2 + 1, INT_MAX);
	ck_assert_int_eq(sn_backoff_next(&b), INT_MAX / 2 + 1);
	ck_assert_int_eq(sn_backoff_next(&b), INT_MAX);
	ck_assert_int_eq(sn_backoff_next(&b), INT_MAX);
}
END_TEST

START_TEST(classify)
{
	ck_assert_int_eq(sn_outbox_classify(200), SN_OUTBOX_DELIVERED);
	ck_assert_int_eq(sn_outbox_classify(204), SN_OUTBOX_DELIVERED);
	ck_assert_int_eq(sn_outbox_classify(400), SN_OUTBOX_REFUSED);
	ck_assert_int_eq(sn_outbox_classify(404), SN_OUTBOX_REFUSED);
	ck_assert_int_eq(sn_outbox_classify(410), SN_OUTBOX_REFUSED);
	/* "Not now" is not "never". */
	ck_assert_int_eq(sn_outbox_classify(408), SN_OUTBOX_RETRY);
	ck_assert_int_eq(sn_outbox_classify(429), SN_OUTBOX_RETRY);
	ck_assert_int_eq(sn_outbox_classify(0), SN_OUTBOX_RETRY);
	ck_assert_int_eq(sn_outbox_classify(500), SN_OUTBOX_RETRY);
	ck_assert_int_eq(sn_outbox_classify(503), SN_OUTBOX_RETRY);
	ck_assert_int_eq(sn_outbox_classify(302), SN_OUTBOX_RETRY);
}
END_TEST

/* Three failures, then 200: attempts 20, 40 and 50 ms apart (doubling,
 * capped), then the row is gone. */
START_TEST(retry_delays)
{
	const int gap[] = { 20, 40, 50 };

	p.script[1][0] = p.script[1][1] = NO_ANSWER;
	p.script[1][2] = 503;
	queue(1);
	start(false, 20, 50, 0);
	ck_assert_uint_eq(sn_outbox_pending(p.outbox), 1);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 4);
	for (int i = 0; i < 3; i++) {
		uint64_t waited = p.sent_at[i + 1] - p.sent_at[i];

		ck_assert_uint_ge(waited, (uint64_t)gap[i]);
		ck_assert_uint_lt(waited, (uint64_t)gap[i] + 1000);	/* a loaded machine */
		ck_assert_int_eq(p.result[i], SN_OUTBOX_RETRY);
		ck_assert_int_eq(p.result_attempts[i], i + 1);
		ck_assert_int_eq(p.result_retry_ms[i], gap[i]);
	}
	ck_assert_int_eq(p.nresults, 4);
	ck_assert_int_eq(p.result[3], SN_OUTBOX_DELIVERED);
	ck_assert_int_eq(rows(), 0);
}
END_TEST

START_TEST(given_up)
{
	for (int i = 0; i < 8; i++)
		p.script[1][i] = 500;
	queue(1);
	start(false, 1, 2, 3);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 3);
	ck_assert_int_eq(p.nresults, 3);
	ck_assert_int_eq(p.result[2], SN_OUTBOX_GIVEN_UP);
	ck_assert_int_eq(p.result_attempts[2], 3);
	ck_assert_int_eq(rows(), 0);
}
END_TEST

/* A refusal ends the call at once; 429 ("too many") is tried again. */
START_TEST(refused)
{
	p.script[1][0] = 404;
	p.script[2][0] = 429;
	queue(2);
	start(false, 1, 1, 0);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 3);
	ck_assert_int_eq(rows(), 0);
	for (int i = 0; i < p.nresults; i++)
		if (p.result[i] == SN_OUTBOX_REFUSED)
			ck_assert_int_eq(p.result_attempts[i], 1);
	ck_assert_int_eq(p.result[p.nresults - 1], SN_OUTBOX_DELIVERED);
}
END_TEST

/* Ordered: row 1 fails twice, and rows 2 and 3 wait for it. */
START_TEST(ordered_waits_for_head)
{
	const int64_t want[] = { 1, 1, 1, 2, 3 };

	p.script[1][0] = p.script[1][1] = NO_ANSWER;
	queue(3);
	start(true, 5, 5, 0);
	ck_assert_uint_eq(sn_outbox_pending(p.outbox), 3);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(p.sent_id[i], want[i]);
	ck_assert_int_eq(rows(), 0);
}
END_TEST

/* Parallel: row 1 failing holds back neither 2 nor 3. */
START_TEST(parallel_does_not_wait)
{
	p.script[1][0] = p.script[1][1] = NO_ANSWER;
	queue(3);
	start(false, 50, 50, 0);
	ck_assert(run_until(sent_at_least, 3, 3000));
	ck_assert_int_eq(p.sent_id[0], 1);
	ck_assert_int_eq(p.sent_id[1], 2);
	ck_assert_int_eq(p.sent_id[2], 3);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 5);
	ck_assert_int_eq(p.sent_id[3], 1);
	ck_assert_int_eq(p.sent_id[4], 1);
	ck_assert_int_eq(rows(), 0);
}
END_TEST

/* A flush loads only rows it does not hold yet; a rolled-back row never. */
START_TEST(flush_loads_new_rows_once)
{
	queue(2);
	start(true, 10, 10, 0);
	sn_outbox_pause(p.outbox);	/* before the loop runs: nothing went yet */
	sn_outbox_flush(p.outbox);
	ck_assert_uint_eq(sn_outbox_pending(p.outbox), 2);
	ck_assert_int_eq(sn_db_begin(&p.db), 0);
	queue(1);
	sn_db_rollback(&p.db);
	queue(1);
	sn_outbox_flush(p.outbox);
	ck_assert_uint_eq(sn_outbox_pending(p.outbox), 3);
	/* Paused: loaded and counted, nothing sent. */
	ck_assert(!run_until(sent_at_least, 1, 100));
	sn_outbox_resume(p.outbox);
	assert_all_delivered(3);
}
END_TEST

/* Rows survive a restart, in both disciplines: what was not delivered
 * before the stop is delivered, in order, after it. */
START_TEST(survives_restart)
{
	for (int ordered = 0; ordered <= 1; ordered++) {
		memset(p.script, 0, sizeof(p.script));
		p.nsent = p.nresults = 0;
		for (int i = 0; i < 8; i++)
			p.script[1 + 2 * ordered][i] = p.script[2 + 2 * ordered][i] = 503;
		queue(2);
		start(ordered, 5, 5, 0);
		ck_assert(run_until(sent_at_least, 4, 3000));
		stop();
		ck_assert_int_eq(p.sent_id[0], 1 + 2 * ordered);	/* ordered: 3 every time */
		if (ordered)
			ck_assert_int_eq(p.sent_id[3], 3);

		open_db();
		ck_assert_int_eq(rows(), 2);
		memset(p.script, 0, sizeof(p.script));
		p.nsent = 0;
		start(ordered, 5, 5, 0);
		ck_assert_uint_eq(sn_outbox_pending(p.outbox), 2);
		ck_assert(run_until(drained, 0, 3000));
		ck_assert_int_eq(p.nsent, 2);
		ck_assert_int_eq(p.sent_id[0], 1 + 2 * ordered);
		ck_assert_int_eq(p.sent_id[1], 2 + 2 * ordered);
		stop();
		open_db();
		ck_assert_int_eq(rows(), 0);
	}
}
END_TEST

/* A row that cannot be deleted leaves memory, stays in the store and is
 * delivered again after a restart (at least once). */
START_TEST(remove_failure)
{
	queue(1);
	/* Refused until the connection closes (a TEMP trigger dies with it). */
	ck_assert_int_eq(sn_db_exec(&p.db, "CREATE TEMP TRIGGER refuse BEFORE DELETE ON outbox"
				    " BEGIN SELECT RAISE(ABORT, 'refused'); END"), 0);
	start(true, 5, 5, 0);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 1);
	ck_assert_int_eq(rows(), 1);
	sn_outbox_flush(p.outbox);	/* not loaded again while running */
	ck_assert_uint_eq(sn_outbox_pending(p.outbox), 0);
	stop();
	open_db();
	start(true, 5, 5, 0);
	assert_all_delivered(2);
}
END_TEST

/* An owner may answer from within send (semnet-root: "cluster gone"). */
START_TEST(answer_within_send)
{
	p.script[1][0] = NO_ANSWER;
	p.script[2][0] = 410;
	queue(3);
	p.answer_now = true;
	start(true, 1, 1, 0);
	ck_assert(run_until(drained, 0, 3000));
	ck_assert_int_eq(p.nsent, 4);
	ck_assert_int_eq(p.result[0], SN_OUTBOX_RETRY);
	ck_assert_int_eq(p.result[1], SN_OUTBOX_DELIVERED);
	ck_assert_int_eq(p.result[2], SN_OUTBOX_REFUSED);
	ck_assert_int_eq(p.result[3], SN_OUTBOX_DELIVERED);
	ck_assert_int_eq(rows(), 0);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("outbox", setup, teardown, 30, backoff_doubles_to_ceiling, classify,
			  retry_delays, given_up, refused, ordered_waits_for_head,
			  parallel_does_not_wait, flush_loads_new_rows_once, survives_restart,
			  remove_failure, answer_within_send);
}
