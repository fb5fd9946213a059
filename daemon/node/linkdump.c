// SPDX-License-Identifier: GPL-2.0
/* The host's devices from one rtnetlink dump (linkdump.h). */
#include "linkdump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>

/* A dump a change interrupted (NLM_F_DUMP_INTR) is taken again this often. */
#define DUMP_TRIES 4

struct take {
	struct semnetd_linkdump *out;
	int rc;			/* -ENOMEM once out of memory */
};

static int on_link(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct take *t = arg;
	struct semnetd_linkdump *ld = t->out;
	struct semnetd_linkdump_entry *e;
	struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK || t->rc < 0 ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return NL_OK;
	ifi = nlmsg_data(h);
	if (ld->n == ld->cap) {
		size_t cap = ld->cap ? ld->cap * 2 : 64;
		void *grown = realloc(ld->e, cap * sizeof(*ld->e));

		if (!grown) {
			t->rc = -ENOMEM;
			return NL_OK;
		}
		ld->e = grown;
		ld->cap = cap;
	}
	e = &ld->e[ld->n++];
	memset(e, 0, sizeof(*e));
	nla_strlcpy(e->name, tb[IFLA_IFNAME], sizeof(e->name));
	e->ifindex = ifi->ifi_index;
	e->mtu = tb[IFLA_MTU] ? (int)nla_get_u32(tb[IFLA_MTU]) : 0;
	return NL_OK;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct semnetd_linkdump_entry *)a)->name,
		      ((const struct semnetd_linkdump_entry *)b)->name);
}

/* One dump into @ld (emptied first): 0, or a libnl error (negative). */
static int dump_once(struct nl_sock *sk, struct semnetd_linkdump *ld, int *nomem)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct take t = { .out = ld };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int rc;

	ld->n = 0;
	if (!(msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP)))
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
#ifdef RTEXT_FILTER_SKIP_STATS
	    /* Names, indexes and MTUs: no statistics (a third of a device's
	     * message; older kernels ignore the bit and send them). */
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0 ||
#endif
	    !(cb = nl_cb_alloc(NL_CB_DEFAULT))) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc >= 0) {
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link, &t);
		rc = nl_recvmsgs(sk, cb);
	}
	nl_cb_put(cb);
	*nomem = t.rc < 0;
	return rc < 0 ? rc : 0;
}

int semnetd_linkdump_take(struct nl_sock *sk, struct semnetd_linkdump *out, struct sn_err *err)
{
	int rc = 0, nomem = 0;

	for (int i = 0; i < DUMP_TRIES; i++)
		if ((rc = dump_once(sk, out, &nomem)) != -NLE_DUMP_INTR)
			break;
	if (rc < 0 || nomem) {
		out->n = 0;
		sn_err_set(err, "cannot list the devices: %s",
			   nomem ? "out of memory" : nl_geterror(rc));
		return nomem || rc == -NLE_NOMEM ? -ENOMEM : -EIO;
	}
	qsort(out->e, out->n, sizeof(*out->e), name_cmp);
	return 0;
}

const struct semnetd_linkdump_entry *semnetd_linkdump_find(const struct semnetd_linkdump *ld,
							   const char *name)
{
	struct semnetd_linkdump_entry key;

	if (!ld->n || strlen(name) >= sizeof(key.name))
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, ld->e, ld->n, sizeof(*ld->e), name_cmp);
}

const struct semnetd_linkdump_entry *semnetd_linkdump_index(const struct semnetd_linkdump *ld,
							    int ifindex)
{
	for (size_t i = 0; i < ld->n; i++)
		if (ld->e[i].ifindex == ifindex)
			return &ld->e[i];
	return NULL;
}

void semnetd_linkdump_free(struct semnetd_linkdump *ld)
{
	free(ld->e);
	memset(ld, 0, sizeof(*ld));
}
