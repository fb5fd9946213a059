// SPDX-License-Identifier: GPL-2.0
#include "sn_outbox.h"

#include <stdlib.h>

#include "sn_log.h"

enum sn_outbox_result sn_outbox_classify(int status)
{
	if (status >= 200 && status < 300)
		return SN_OUTBOX_DELIVERED;
	/* 408 and 429 say "not now", not "never". */
	if (status >= 400 && status < 500 && status != 408 && status != 429)
		return SN_OUTBOX_REFUSED;
	return SN_OUTBOX_RETRY;
}

struct call {
	struct sn_outbox_call pub;
	struct call *next, *prev;
	struct sn_outbox *ob;
	struct sn_backoff backoff;
	uv_timer_t *timer;
	bool busy;		/* an attempt is scheduled or in flight */
};

struct sn_outbox {
	uv_loop_t *loop;
	struct sn_outbox_config cfg;
	struct sn_outbox_ops ops;
	void *owner;
	struct call list;	/* head; in id order */
	unsigned int pending;
	int64_t last_loaded;	/* rows up to this id are in the list (or gone) */
	bool paused;
};

static void free_handle(uv_handle_t *handle)
{
	free(handle);
}

static void call_free(struct call *c)
{
	struct sn_outbox *ob = c->ob;

	c->prev->next = c->next;
	c->next->prev = c->prev;
	ob->pending--;
	if (ob->ops.free_row)
		ob->ops.free_row(c->pub.row);
	uv_close((uv_handle_t *)c->timer, free_handle);
	free(c);
}

static void on_timer(uv_timer_t *timer);

static void schedule(struct call *c, int delay_ms)
{
	c->busy = true;
	uv_timer_start(c->timer, on_timer, (uint64_t)delay_ms, 0);
}

/* Starts what may go now: the head (ordered) or every idle call. */
static void kick(struct sn_outbox *ob)
{
	if (ob->paused)
		return;
	for (struct call *c = ob->list.next; c != &ob->list; c = c->next) {
		if (!c->busy)
			schedule(c, 0);
		if (ob->cfg.ordered)
			break;
	}
}

static void on_done(void *arg, int status, json_t *reply, const char *error)
{
	struct call *c = arg;
	struct sn_outbox *ob = c->ob;
	enum sn_outbox_result result = sn_outbox_classify(status);

	c->pub.attempts++;
	if (result == SN_OUTBOX_RETRY && ob->cfg.max_attempts &&
	    c->pub.attempts >= ob->cfg.max_attempts)
		result = SN_OUTBOX_GIVEN_UP;
	if (result == SN_OUTBOX_RETRY)
		c->pub.retry_ms = sn_backoff_next(&c->backoff);
	if (ob->ops.report)
		ob->ops.report(ob->owner, &c->pub, result, status, reply, error);
	if (result == SN_OUTBOX_RETRY) {
		schedule(c, c->pub.retry_ms);
		return;
	}
	if (sn_db_run(ob->cfg.db, sn_db_bind(ob->cfg.db, "DELETE FROM outbox WHERE id = ?",
					     "l", c->pub.id)) < 0)
		sn_error("cannot remove %s %lld from the outbox", ob->cfg.what,
			 (long long)c->pub.id);
	call_free(c);
	kick(ob);
}

static void on_timer(uv_timer_t *timer)
{
	struct call *c = timer->data;

	if (c->ob->paused) {
		c->busy = false;	/* resumed later by sn_outbox_resume */
		return;
	}
	/* on_done may run (and free c) before send returns. */
	c->ob->ops.send(c->ob->owner, &c->pub, on_done, c);
}

/* One stored call into memory; false when out of memory (logged: the row
 * stays in the table for a later flush or start). */
static bool add(struct sn_outbox *ob, sqlite3_stmt *stmt)
{
	int64_t id = sqlite3_column_int64(stmt, 0);
	struct call *c = calloc(1, sizeof(*c));
	void *row = c ? ob->ops.load_row(ob->owner, stmt) : NULL;

	if (!row || !(c->timer = malloc(sizeof(*c->timer)))) {
		sn_error("out of memory loading %s %lld", ob->cfg.what, (long long)id);
		free(c);
		if (row && ob->ops.free_row)
			ob->ops.free_row(row);
		return false;
	}
	c->ob = ob;
	c->pub.id = id;
	c->pub.row = row;
	sn_backoff_init(&c->backoff, ob->cfg.backoff_ms, ob->cfg.backoff_max_ms);
	uv_timer_init(ob->loop, c->timer);
	c->timer->data = c;
	c->next = &ob->list;
	c->prev = ob->list.prev;
	ob->list.prev->next = c;
	ob->list.prev = c;
	ob->pending++;
	ob->last_loaded = id;
	return true;
}

void sn_outbox_flush(struct sn_outbox *ob)
{
	/* Ids only grow (AUTOINCREMENT): rows held or removed are not read again. */
	sqlite3_stmt *stmt = sn_db_bind(ob->cfg.db, "SELECT * FROM outbox WHERE id > ? ORDER BY id",
					"l", ob->last_loaded);
	int rc;

	while (sn_db_next(stmt, &rc))
		if (!add(ob, stmt)) {
			sqlite3_reset(stmt);	/* a later row must not overtake it */
			break;
		}
	if (rc < 0)
		sn_error("cannot read the %s outbox", ob->cfg.what);
	kick(ob);
}

void sn_outbox_pause(struct sn_outbox *ob)
{
	ob->paused = true;
}

void sn_outbox_resume(struct sn_outbox *ob)
{
	ob->paused = false;
	kick(ob);
}

unsigned int sn_outbox_pending(const struct sn_outbox *ob)
{
	return ob->pending;
}

struct sn_outbox *sn_outbox_new(uv_loop_t *loop, const struct sn_outbox_config *cfg,
				const struct sn_outbox_ops *ops, void *owner)
{
	struct sn_outbox *ob = calloc(1, sizeof(*ob));

	if (!ob)
		return NULL;
	ob->loop = loop;
	ob->cfg = *cfg;
	ob->ops = *ops;
	ob->owner = owner;
	ob->list.next = ob->list.prev = &ob->list;
	return ob;
}

void sn_outbox_free(struct sn_outbox *ob)
{
	if (!ob)
		return;
	while (ob->list.next != &ob->list)
		call_free(ob->list.next);
	free(ob);
}
