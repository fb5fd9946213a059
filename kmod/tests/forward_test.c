// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: which hooks semnet's own forwarding may pass over (forward.c):
 * conntrack's, the NAT core's and AppArmor's POST_ROUTING hook by their
 * places, never an nftables chain at the same place, nothing else; and a
 * hook list is clear only when every hook from the given one on is inert
 * or semnet's own.
 */
#include <kunit/test.h>

static unsigned int fw_hook_a(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	return NF_ACCEPT;
}

static unsigned int fw_hook_own(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	return NF_ACCEPT;
}

static struct nf_hook_ops fw_ops(unsigned int hooknum, int priority,
				 enum nf_hook_ops_type type)
{
	struct nf_hook_ops ops = {
		.hook = fw_hook_a,
		.pf = NFPROTO_IPV4,
		.hooknum = hooknum,
		.priority = priority,
		.hook_ops_type = type,
	};

	return ops;
}

static void semnet_forward_inert_places(struct kunit *test)
{
	static const int inert[] = {
		NF_IP_PRI_CONNTRACK, NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC,
		NF_IP_PRI_CONNTRACK_HELPER, NF_IP_PRI_CONNTRACK_CONFIRM,
	};
	static const int others[] = {
		NF_IP_PRI_FIRST, NF_IP_PRI_RAW, NF_IP_PRI_MANGLE,
		NF_IP_PRI_FILTER, NF_IP_PRI_SECURITY, NF_IP_PRI_SELINUX_LAST,
		NF_IP_PRI_CONNTRACK + 1, NF_IP_PRI_NAT_SRC - 2,
		NF_IP_PRI_LAST - 1,
	};
	struct nf_hook_ops ops;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(inert); i++) {
		ops = fw_ops(NF_INET_POST_ROUTING, inert[i], NF_HOOK_OP_UNDEFINED);
		KUNIT_EXPECT_TRUE(test, semnet_hook_inert(&ops));
		/* An nftables chain there is someone's rule set. */
		ops.hook_ops_type = NF_HOOK_OP_NF_TABLES;
		KUNIT_EXPECT_FALSE(test, semnet_hook_inert(&ops));
	}
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		ops = fw_ops(NF_INET_POST_ROUTING, others[i], NF_HOOK_OP_UNDEFINED);
		KUNIT_EXPECT_FALSE(test, semnet_hook_inert(&ops));
	}
	/* AppArmor's place, only in POST_ROUTING (SELinux hooks FORWARD). */
	ops = fw_ops(NF_INET_POST_ROUTING, NF_IP_PRI_SELINUX_FIRST,
		     NF_HOOK_OP_UNDEFINED);
	KUNIT_EXPECT_TRUE(test, semnet_hook_inert(&ops));
	ops.hooknum = NF_INET_FORWARD;
	KUNIT_EXPECT_FALSE(test, semnet_hook_inert(&ops));
	ops.hooknum = NF_INET_PRE_ROUTING;
	KUNIT_EXPECT_FALSE(test, semnet_hook_inert(&ops));
	ops.hooknum = NF_INET_POST_ROUTING;
	ops.hook_ops_type = NF_HOOK_OP_NF_TABLES;
	KUNIT_EXPECT_FALSE(test, semnet_hook_inert(&ops));
}

/* A hook list as nf_hook_entries_grow() lays it out: hooks, then ops. */
static struct nf_hook_entries *fw_entries(struct kunit *test,
					  struct nf_hook_ops *ops,
					  unsigned int n)
{
	struct nf_hook_entries *e;
	struct nf_hook_ops **orig;
	unsigned int i;

	e = kunit_kzalloc(test, sizeof(*e) + n * sizeof(e->hooks[0]) +
			  n * sizeof(*orig), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->num_hook_entries = n;
	orig = nf_hook_entries_get_hook_ops(e);
	for (i = 0; i < n; i++) {
		e->hooks[i].hook = ops[i].hook;
		orig[i] = &ops[i];
	}
	return e;
}

static void semnet_forward_hook_lists(struct kunit *test)
{
	struct nf_hook_ops post[] = {
		fw_ops(NF_INET_POST_ROUTING, NF_IP_PRI_SELINUX_FIRST, 0),
		fw_ops(NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, 0),
		fw_ops(NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, 0),
		fw_ops(NF_INET_POST_ROUTING, NF_IP_PRI_CONNTRACK_CONFIRM, 0),
	};
	struct nf_hook_ops pre[] = {
		fw_ops(NF_INET_PRE_ROUTING, NF_IP_PRI_FILTER, 0),
		fw_ops(NF_INET_PRE_ROUTING, SEMNET_PRI_DST, 0),
		fw_ops(NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK, 0),
		fw_ops(NF_INET_PRE_ROUTING, NF_IP_PRI_FILTER,
		       NF_HOOK_OP_NF_TABLES),
	};
	struct nf_hook_entries *e;

	/* semnet's own hook (its place taken by a NAT hook's) is skipped. */
	post[2].hook = fw_hook_own;
	e = fw_entries(test, post, ARRAY_SIZE(post));
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(e, 0, fw_hook_own));
	/* Not semnet's: the same hook at 100 is a NAT hook, still inert. */
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(e, 0, fw_hook_a));
	post[0].priority = NF_IP_PRI_FILTER;
	KUNIT_EXPECT_FALSE(test, semnet_hooks_inert(e, 0, fw_hook_own));
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(e, 1, fw_hook_own));
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(NULL, 0, fw_hook_own));

	/* Only the hooks after semnet's count: a chain before it ran already. */
	pre[1].hook = fw_hook_own;
	e = fw_entries(test, pre, ARRAY_SIZE(pre));
	KUNIT_EXPECT_FALSE(test, semnet_hooks_inert(e, 2, fw_hook_own));
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(e, 4, fw_hook_own));
	/* The nftables chain gone: conntrack's hook alone follows. */
	e = fw_entries(test, pre, 3);
	KUNIT_EXPECT_TRUE(test, semnet_hooks_inert(e, 2, fw_hook_own));
	KUNIT_EXPECT_FALSE(test, semnet_hooks_inert(e, 0, fw_hook_own));
}

static struct kunit_case semnet_forward_cases[] = {
	KUNIT_CASE(semnet_forward_inert_places),
	KUNIT_CASE(semnet_forward_hook_lists),
	{}
};

static struct kunit_suite semnet_forward_suite = {
	.name = "semnet_forward",
	.test_cases = semnet_forward_cases,
};
