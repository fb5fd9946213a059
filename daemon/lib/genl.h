/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small client for the "semnet" generic-netlink family, on libnl-genl-3.
 * Errors come back as a negative errno plus the kernel's extack message,
 * so callers can tell the user exactly what was wrong.
 */
#ifndef SEMNET_GENL_H
#define SEMNET_GENL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct sn_genl {
	struct nl_sock *sock;
	int family;
	/* The kernel's extack message of the last failed request, or "". */
	char error[256];
	/*
	 * Where in that request the kernel found the fault (its extack's
	 * NLMSGERR_ATTR_OFFS: bytes from the start of the request's
	 * nlmsghdr), or -1 when it named no attribute.
	 */
	long error_offset;
};

/*
 * Called for each reply message (one for a plain request, many for a
 * dump). attrs[] is indexed by the top-level SEMNET_A_* attributes.
 * Return 0 to go on, or a negative errno to stop with that error.
 */
typedef int (*sn_genl_reply_fn)(struct nlattr **attrs, void *arg);

/* Opens a socket and resolves the family. -ENOENT: module not loaded. */
int sn_genl_open(struct sn_genl *g);
void sn_genl_close(struct sn_genl *g);

/* A new request for @cmd; NLM_F_DUMP in @flags for dumps. NULL: no memory. */
struct nl_msg *sn_genl_request(struct sn_genl *g, uint8_t cmd, int flags);

/*
 * Sends @msg (and frees it), then reads every reply until the final ACK or
 * NLMSG_DONE. Returns 0 or a negative errno; on failure g->error holds the
 * kernel's extack message when it gave one.
 */
int sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
		     sn_genl_reply_fn fn, void *arg);

/*
 * Events. Use a socket of its own: sn_genl_subscribe() joins the family's
 * multicast group @group (e.g. SEMNET_MCGRP_MISSES; -ENOENT if the module
 * has none such) and turns off sequence checks. sn_genl_recv_events() reads
 * one batch from the socket (blocking unless it was made non-blocking with
 * nl_socket_set_nonblocking()) and calls @fn for each event. Returns 0,
 * -EAGAIN when nothing was queued, -ENOBUFS when the kernel dropped events
 * because the socket was full (the caller should resync), or another
 * negative errno.
 */
typedef int (*sn_genl_event_fn)(uint8_t cmd, struct nlattr **attrs, void *arg);
int sn_genl_subscribe(struct sn_genl *g, const char *group);
int sn_genl_recv_events(struct sn_genl *g, sn_genl_event_fn fn, void *arg);
static inline int sn_genl_fd(const struct sn_genl *g)
{
	return nl_socket_get_fd(g->sock);
}

/*
 * The transport under sn_genl_open() and sn_genl_transact(), for any
 * generic-netlink family (semnetd's WireGuard client uses it too).
 *
 * sn_genl_connect(): a connected socket that asks for extended acks in
 * *@sk, and @family's id in *@id (not looked up when @family is NULL).
 * Returns 0, or -ENOMEM, -EPROTONOSUPPORT (no generic netlink) or -ENOENT
 * (no such family: its module is not loaded), *@sk NULL then.
 */
int sn_genl_connect(const char *family, struct nl_sock **sk, int *id);

/*
 * sn_nl_transact(): sends @msg on @sk with NLM_F_ACK (the caller frees
 * @msg afterwards), then reads every reply up to the ACK or NLMSG_DONE and
 * passes each to t->fn (may be NULL; a negative errno from it stops the
 * transaction with that error; the rest of the replies are read and
 * dropped, so the socket serves the next request). Returns 0 or a negative
 * errno: the kernel's, fn's, -EPERM, or -EIO when libnl failed (then the
 * socket may hold anything: reconnect).
 */
struct sn_nl_transact {
	int (*fn)(struct nl_msg *msg, void *arg);
	void *arg;
	/* Out: the kernel's extack message or "", and where in the request
	 * it found the fault (NLMSGERR_ATTR_OFFS) or -1. */
	char extack[256];
	long extack_offset;
	/* Out: libnl's -NLE_* code when the request was not sent (-EIO
	 * returned; -NLE_NOMEM with -ENOMEM), else 0. */
	int send_error;
	/* Out: -EIO because a change interrupted the dump (NLM_F_DUMP_INTR;
	 * libnl read it to the end): the replies are inconsistent, and the
	 * same request again may well succeed. */
	bool dump_interrupted;
};
int sn_nl_transact(struct nl_sock *sk, struct nl_msg *msg, struct sn_nl_transact *t);

/* A one-line description of a failure from sn_genl_open(). */
const char *sn_genl_open_strerror(int err);

#endif /* SEMNET_GENL_H */
