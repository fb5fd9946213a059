// SPDX-License-Identifier: GPL-2.0
#include "genl.h"
#include "sn_modcheck.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <uapi/linux/semnet.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int sn_genl_connect(const char *family, struct nl_sock **sk, int *id)
{
	int one = 1;
	int ret = -EPROTONOSUPPORT;

	*sk = nl_socket_alloc();
	if (!*sk)
		return -ENOMEM;
	if (genl_connect(*sk) < 0)
		goto err;
	/* Ask for extended acks: the kernel explains each rejection. */
	setsockopt(nl_socket_get_fd(*sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(*sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (!family || (*id = genl_ctrl_resolve(*sk, family)) >= 0)
		return 0;
	ret = -ENOENT;
err:
	nl_socket_free(*sk);
	*sk = NULL;
	return ret;
}

int sn_genl_open(struct sn_genl *g)
{
	memset(g, 0, sizeof(*g));
	return sn_genl_connect(SEMNET_GENL_NAME, &g->sock, &g->family);
}

void sn_genl_close(struct sn_genl *g)
{
	if (g->sock)
		nl_socket_free(g->sock);
	g->sock = NULL;
}

const char *sn_genl_open_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		/* Why it is missing, e.g. refused under Secure Boot. */
		return sn_modcheck_reason();
	case -ENOMEM:
		return "out of memory";
	case -EPROTONOSUPPORT:
		return "cannot open a generic netlink socket";
	default:
		return strerror(-err);
	}
}

struct nl_msg *sn_genl_request(struct sn_genl *g, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
			 flags | NLM_F_REQUEST, cmd, SEMNET_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct transact {
	struct sn_nl_transact *t;
	int error;
	int done;
	int draining;	/* failed already: reading the rest, to drop it */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transact *x = arg;
	int ret;

	if (x->t->fn && !x->draining) {
		ret = x->t->fn(msg, x->t->arg);
		if (ret < 0) {
			/*
			 * Failed midway: the rest of the dump, or the ACK
			 * after this reply, is still coming (some of it in
			 * this very datagram). Read on to the end and drop
			 * it, or the next request on this socket would take
			 * it for its own answer.
			 */
			x->error = ret;
			x->draining = 1;
		}
	}
	return NL_OK;
}

/* Copies the message and offset of an extended ack into @t. */
static void save_extack(struct sn_nl_transact *t, struct nlmsghdr *nlh,
			struct nlmsgerr *err)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	int offset, len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* With NETLINK_CAP_ACK (or on success) only the header is echoed. */
	offset = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(err->msg);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - offset;
	if (len <= 0)
		return;
	attrs = (struct nlattr *)((char *)err + offset);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(t->extack, sizeof(t->extack), "%s",
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= (int)sizeof(uint32_t))
		t->extack_offset = (long)nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct transact *x = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;

	(void)nla;
	x->done = 1;
	if (x->draining)
		return NL_STOP;	/* the first error stands */
	x->error = err->error;
	save_extack(x->t, nlh, err);
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct transact *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* A dump's NLMSG_DONE carries an error code when it failed midway. */
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		int err = *(int *)nlmsg_data(nlh);

		if (err < 0 && !x->draining)
			x->error = err;
	}
	x->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transact *x = arg;

	(void)msg;
	x->done = 1;
	return NL_STOP;
}

int sn_nl_transact(struct nl_sock *sk, struct nl_msg *msg, struct sn_nl_transact *t)
{
	struct transact x = { .t = t };
	struct nl_cb *cb;
	int ret;

	t->extack[0] = '\0';
	t->extack_offset = -1;
	t->send_error = 0;
	t->dump_interrupted = false;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		t->send_error = -NLE_NOMEM;
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &x);

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send_auto(sk, msg);
	if (ret < 0) {
		nl_cb_put(cb);
		t->send_error = ret;
		return -EIO;
	}
	while (!x.done) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0) {
			t->dump_interrupted = ret == -NLE_DUMP_INTR;
			if (!x.error)
				x.error = ret == -NLE_PERM ? -EPERM : -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return x.error;
}

/* sn_genl_transact()'s replies, parsed into the family's attributes. */
struct replies {
	sn_genl_reply_fn fn;
	void *arg;
	int malformed;
};

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct replies *r = arg;
	struct nlattr *attrs[SEMNET_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, SEMNET_A_MAX, NULL) < 0) {
		r->malformed = 1;
		return -EBADMSG;
	}
	return r->fn ? r->fn(attrs, r->arg) : 0;
}

int sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
		     sn_genl_reply_fn fn, void *arg)
{
	struct replies r = { .fn = fn, .arg = arg };
	struct sn_nl_transact t = { .fn = on_reply, .arg = &r };
	int ret;

	ret = sn_nl_transact(g->sock, msg, &t);
	nlmsg_free(msg);
	snprintf(g->error, sizeof(g->error), "%s",
		 r.malformed ? "malformed reply from the kernel" : t.extack);
	g->error_offset = t.extack_offset;
	return ret;
}

int sn_genl_subscribe(struct sn_genl *g, const char *group)
{
	int id = genl_ctrl_resolve_grp(g->sock, SEMNET_GENL_NAME, group);

	if (id < 0)
		return -ENOENT;
	nl_socket_disable_seq_check(g->sock);
	if (nl_socket_add_membership(g->sock, id) < 0)
		return -EPERM;
	return 0;
}

struct events {
	sn_genl_event_fn fn;
	void *arg;
	int error;
};

/* Events carry sequence number 0: nothing to check them against. */
static int on_event_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct events *e = arg;
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	int ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, SEMNET_A_MAX, NULL) < 0)
		return NL_SKIP;
	ret = e->fn(gh->cmd, attrs, e->arg);
	if (ret < 0) {
		e->error = ret;
		return NL_STOP;
	}
	return NL_OK;
}

int sn_genl_recv_events(struct sn_genl *g, sn_genl_event_fn fn, void *arg)
{
	struct events e = { .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &e);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_event_seq, NULL);
	ret = nl_recvmsgs(g->sock, cb);
	nl_cb_put(cb);
	if (e.error)
		return e.error;
	if (ret >= 0)
		return 0;
	switch (-ret) {
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:	/* libnl's name for ENOBUFS: events were lost */
		return -ENOBUFS;
	default:
		return -EIO;
	}
}
