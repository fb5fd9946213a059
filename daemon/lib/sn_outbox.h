/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls another daemon must eventually get, delivered from a durable
 * outbox. The owner's SQLite store keeps one row per call in its table
 * "outbox" (id INTEGER PRIMARY KEY AUTOINCREMENT, then the owner's
 * columns), written in the transaction that made the change, so a crash
 * loses neither the change nor the call. The outbox loads the committed
 * rows (reading and deleting them itself) and delivers them from
 * the loop, never blocking it: a call that fails is tried again after a
 * delay that doubles from backoff_ms up to backoff_max_ms. A row is removed
 * once the call is delivered (2xx), refused (another 4xx than 408 and 429:
 * trying again would not change the peer's mind) or given up (max_attempts
 * failures).
 *
 * Two disciplines:
 *   ordered   one call at a time, in id order: a later call never overtakes
 *             an earlier one, and a failing call holds back the rest
 *             (semnet-cluster's reports to the root);
 *   parallel  every call on its own: a peer that is down holds back no
 *             other (semnet-root's job updates to clusters).
 *
 * The owner says how to read its columns, how to make one call and what
 * to log; the outbox owns the timers, the retry policy, the rows in memory
 * and their removal from the table. Free the HTTP client before the
 * outbox: its callbacks point here.
 */
#ifndef SN_OUTBOX_H
#define SN_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <uv.h>

#include "sn_backoff.h"
#include "sn_db.h"
#include "sn_http_client.h"

enum sn_outbox_result {
	SN_OUTBOX_DELIVERED,	/* 2xx: the row is removed */
	SN_OUTBOX_REFUSED,	/* 4xx but 408 and 429: the row is removed */
	SN_OUTBOX_RETRY,	/* failed: tried again after call->retry_ms */
	SN_OUTBOX_GIVEN_UP,	/* failed max_attempts times: the row is removed */
};

/* What becomes of a call that ended with HTTP @status (0: no answer). */
enum sn_outbox_result sn_outbox_classify(int status);

/* One call in memory, as the owner's callbacks see it. */
struct sn_outbox_call {
	int64_t id;		/* the row's id: calls go in id order */
	void *row;		/* the owner's copy of the row (ops->load_row) */
	int attempts;		/* attempts ended so far */
	int retry_ms;		/* with SN_OUTBOX_RETRY: the wait before the next */
};

struct sn_outbox;

struct sn_outbox_ops {
	/*
	 * The owner's copy of a stored call: @stmt stands at a row of
	 * "SELECT * FROM outbox" (column 0 the id, then the owner's columns).
	 * NULL when it cannot be made (out of memory): the row stays in the
	 * table, for the next flush or start.
	 */
	void *(*load_row)(void *owner, sqlite3_stmt *stmt);
	/*
	 * Starts one attempt of @call: calls @done(@arg, ...) exactly once,
	 * later from the loop or right away (e.g. with status 0 and the
	 * reason when the request cannot start).
	 */
	void (*send)(void *owner, struct sn_outbox_call *call, sn_http_done_fn done, void *arg);
	/* What became of an attempt, for the owner's log; may be NULL. */
	void (*report)(void *owner, const struct sn_outbox_call *call,
		       enum sn_outbox_result result, int status, json_t *reply,
		       const char *error);
	/* Frees a row load_row made (NULL: nothing to free). */
	void (*free_row)(void *row);
};

struct sn_outbox_config {
	const char *what;	/* a call, in log lines: "job update" */
	/*
	 * The store with the table "outbox". A delivered call's row is
	 * deleted; one that could not be deleted leaves memory anyway and is
	 * delivered again after a restart, which a receiver of these calls
	 * must take anyway.
	 */
	struct sn_db *db;
	bool ordered;
	int backoff_ms;		/* the first retry delay, doubling ... */
	int backoff_max_ms;	/* ... up to this */
	int max_attempts;	/* 0: retry for ever */
};

/* NULL when out of memory. @cfg and @ops are copied / kept. */
struct sn_outbox *sn_outbox_new(uv_loop_t *loop, const struct sn_outbox_config *cfg,
				const struct sn_outbox_ops *ops, void *owner);
void sn_outbox_free(struct sn_outbox *ob);

/*
 * After each commit that queued calls, and at startup: loads the rows not
 * in memory yet (those with a higher id than any loaded: ids only grow)
 * and starts delivering them (unless paused).
 */
void sn_outbox_flush(struct sn_outbox *ob);

/* While paused calls are loaded (and counted) but not sent: the peer is
 * not ready (semnet-cluster before the root takes its registration). A
 * new outbox is not paused. */
void sn_outbox_pause(struct sn_outbox *ob);
void sn_outbox_resume(struct sn_outbox *ob);

/* Calls loaded and not yet removed. */
unsigned int sn_outbox_pending(const struct sn_outbox *ob);

#endif /* SN_OUTBOX_H */
