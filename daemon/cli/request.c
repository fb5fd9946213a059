// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink requests of the semnet CLI on top of lib/genl.c and
 * lib/sn_kernel.c: opening the family, a batch's socket, reporting failures
 * the same way for every command, retrying interrupted dumps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The socket of a batch, opened at its first request. */
static struct {
	bool active;
	bool open;
	struct sn_genl g;
} batch;

/*
 * In a batch, consecutive adds (or changes) of services or of instances
 * go many to a request (lib/sn_kernel.h's batches, up to 64 KiB each),
 * not one request and ack per line: each is encoded as its line is read
 * and sent when the request is full, or before anything else happens
 * (another kind of request, a message on stderr, a line of another
 * command, the end of the batch). Only a batch file's are: see
 * sn_batch_group(). The kernel
 * applies a request's entries in order and stops at the first it
 * refuses, whose line is reported as if it had been sent alone; the lines
 * after it are sent again with -force and dropped without.
 */
static struct {
	bool on;			/* b is set up */
	bool force;
	bool flushing;
	unsigned long failures;		/* reported, for sn_batch() to count */
	char what[32];			/* "service add", for the messages */
	struct sn_kernel_batch b;
} bulk;

static void bulk_fail(void *arg, unsigned long line, int err)
{
	unsigned long saved = sn_batch_line;

	(void)arg;
	sn_batch_line = line;
	sn_report(bulk.b.g, bulk.what, err);
	sn_batch_line = saved;
	bulk.failures++;
}

/* Sends the pending adds: how many failed (each reported). */
static unsigned long bulk_flush(void)
{
	unsigned long before = bulk.failures;
	int err;

	if (!bulk.on || bulk.flushing || !sn_kernel_batch_pending(&bulk.b))
		return 0;
	bulk.flushing = true;
	err = sn_kernel_batch_flush(&bulk.b);
	bulk.flushing = false;
	if (err)
		sn_release(bulk.b.g, err);
	return bulk.failures - before;
}

void sn_bulk_flush(void)
{
	bulk_flush();
}

unsigned long sn_bulk_failures(void)
{
	unsigned long n = bulk.failures;

	bulk.failures = 0;
	return n;
}

bool sn_bulk_pending(void)
{
	return bulk.on && sn_kernel_batch_pending(&bulk.b);
}

static void bulk_end(void)
{
	if (bulk.on)
		sn_kernel_batch_free(&bulk.b);
	bulk.on = false;
}

int sn_open(struct sn_genl *g)
{
	int ret = sn_genl_open(g);

	if (ret < 0) {
		sn_err_begin();
		fprintf(stderr, "%s\n", sn_genl_open_strerror(ret));
		return SN_EXIT_FAIL;
	}
	return 0;
}

static void batch_close(void)
{
	if (batch.open)
		sn_genl_close(&batch.g);
	batch.open = false;
}

/* Whether a batch's adds go many to a request (see bulk above). */
static bool bulk_grouping;

void sn_batch_group(bool on)
{
	bulk_grouping = on;
}

void sn_batch_socket(bool on, bool force)
{
	if (!on) {
		bulk_flush();
		bulk_end();
		batch_close();
	}
	batch.active = on;
	bulk.force = force;
	bulk.failures = 0;
}

static struct sn_genl *acquire(struct sn_genl *own)
{
	if (!batch.active)
		return sn_open(own) ? NULL : own;
	if (!batch.open && sn_open(&batch.g))
		return NULL;
	batch.open = true;
	return &batch.g;
}

struct sn_genl *sn_acquire(struct sn_genl *own)
{
	/*
	 * Pending adds go first; when one failed and the batch stops there,
	 * this request is not made (NULL: the failure is reported).
	 */
	if (bulk_flush() && !bulk.force)
		return NULL;
	return acquire(own);
}

/* A batch's add of a service or an instance: see bulk above. */
static int bulk_add(const char *what, uint8_t cmd, int flags, const void *obj)
{
	struct sn_genl *g;
	int err;

	if (bulk.on && (bulk.b.cmd != cmd || bulk.b.flags != flags || strcmp(bulk.what, what))) {
		err = bulk_flush() && !bulk.force;
		bulk_end();
		if (err)
			return SN_EXIT_FAIL;
	}
	g = acquire(NULL);
	if (!g)
		return SN_EXIT_FAIL;
	if (!bulk.on) {
		err = sn_kernel_batch_init(&bulk.b, g, cmd, flags, bulk_fail, NULL, bulk.force);
		if (err) {
			sn_kernel_batch_free(&bulk.b);
			sn_build_failed(err);
		}
		snprintf(bulk.what, sizeof(bulk.what), "%s", what);
		bulk.on = true;
	}
	err = sn_kernel_batch_add(&bulk.b, obj, sn_batch_line);
	if (err == -ECANCELED)
		return SN_EXIT_FAIL;	/* an earlier line failed: reported */
	if (err)
		sn_build_failed(err);
	return 0;
}

void sn_release(struct sn_genl *g, int err)
{
	if (g != &batch.g) {
		sn_genl_close(g);
		return;
	}
	/*
	 * A kernel rejection ends with its ack, leaving nothing behind; but a
	 * dump cut short (interrupted by a change, a reply this tool refused,
	 * a failed receive) leaves the rest of its messages queued, and the
	 * next request would read them as its own. Start over on a new socket.
	 */
	if (err == -EIO || err == -EBADMSG || err == -ENOMEM)
		batch_close();
}

void sn_build_failed(int err)
{
	sn_err_begin();
	fputs(err == -ENOMEM ? "out of memory\n" : "request too large\n", stderr);
	exit(SN_EXIT_FAIL);
}

struct nl_msg *sn_msg(struct sn_genl *g, uint8_t cmd, int flags)
{
	int err;
	struct nl_msg *msg = sn_kernel_msg(g, cmd, flags, NULL, NULL, &err);

	if (!msg)
		sn_build_failed(err);
	return msg;
}

/* What a failed request says, by errno, when the kernel gave no words. */
static const struct {
	int err;
	const char *msg;
} reasons[] = {
	{ ENODATA, "this namespace has no node configuration (see: semnet node set)" },
	{ ENOENT, "no such object" },
	{ EEXIST, "already exists (use: change)" },
	{ EOPNOTSUPP, "not supported by the loaded semnet module (older than this tool?)" },
	{ EBADMSG, "malformed reply from the kernel" },
	{ EIO, "netlink receive failed (or the dump kept being interrupted by changes)" },
};

int sn_report(struct sn_genl *g, const char *what, int err)
{
	const char *msg = strerror(-err);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		if (-err == reasons[i].err)
			msg = reasons[i].msg;
	if (g->error[0])
		msg = g->error;		/* the kernel's own words */
	if (err == -EPERM || err == -EACCES)
		msg = "permission denied (needs CAP_NET_ADMIN in this network namespace)";
	sn_err_begin();
	fprintf(stderr, "%s: %s\n", what, msg);
	return SN_EXIT_FAIL;
}

/*
 * One request on a fresh socket (in a batch: the batch's): 0, SN_EXIT_FAIL
 * (reported) or -EIO (not).
 */
static int request_once(const char *what, uint8_t cmd, int flags, sn_fill_fn fill,
			const void *farg, sn_genl_reply_fn fn, void *arg, bool eio_quiet)
{
	struct sn_genl own, *g;
	struct nl_msg *msg;
	int err, ret;

	g = sn_acquire(&own);
	if (!g)
		return SN_EXIT_FAIL;
	msg = sn_kernel_msg(g, cmd, flags, fill, farg, &err);
	if (!msg)
		sn_build_failed(err);
	ret = err = sn_kernel_transact(g, msg, fn, arg);
	if (ret < 0 && !(ret == -EIO && eio_quiet))
		ret = sn_report(g, what, ret);
	sn_release(g, err);
	return ret;
}

int sn_request(const char *what, uint8_t cmd, int flags, sn_fill_fn fill,
	       const void *farg, sn_genl_reply_fn fn, void *arg)
{
	if (batch.active && bulk_grouping && !fn && fill &&
	    (cmd == SEMNET_CMD_NEW_SERVICE || cmd == SEMNET_CMD_NEW_INSTANCE))
		return bulk_add(what, cmd, flags, farg);
	return request_once(what, cmd, flags, fill, farg, fn, arg, false);
}

int sn_dump(const char *what, uint8_t cmd, sn_fill_fn fill, const void *farg,
	    sn_genl_reply_fn fn, void *arg, void (*reset)(void *arg))
{
	int tries, ret = 0;

	/* A retry gets a new socket: sn_release() closed the batch's too. */
	for (tries = 1; tries <= SN_DUMP_TRIES; tries++) {
		ret = request_once(what, cmd, NLM_F_DUMP, fill, farg, fn, arg,
				   tries < SN_DUMP_TRIES);
		if (ret != -EIO)
			break;
		reset(arg);
	}
	return ret;
}

const struct sn_jfield sn_counters_fields[] = {
	{ SN_JF("packets", SN_J_U64, struct sn_counters, packets) },
	{ SN_JF("bytes", SN_J_U64, struct sn_counters, bytes) },
	{ SN_JF("flows", SN_J_U64, struct sn_counters, flows) },
};
const size_t sn_counters_nfields = ARRAY_SIZE(sn_counters_fields);

void sn_counters_line(struct sn_table *t, const char *indent, const struct sn_counters *c)
{
	sn_table_line(t, "%spackets %" PRIu64 "  bytes %" PRIu64 "  flows %" PRIu64,
		      indent, c->packets, c->bytes, c->flows);
}
