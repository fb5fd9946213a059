// SPDX-License-Identifier: GPL-2.0
/*
 * The "semnet" generic-netlink family: the one configuration interface.
 * Requests act on the network namespace of the requesting socket.
 */
#include <linux/kernel.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <uapi/linux/semnet.h>

#include "netlink.h"
#include "netns.h"
#include "version.h"

static const struct nla_policy semnet_genl_policy[SEMNET_A_MAX + 1] = {
	[SEMNET_A_INFO] = { .type = NLA_REJECT },
};

static struct genl_family semnet_genl_family;

static int semnet_fill_info(struct sk_buff *skb, struct net *net)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SEMNET_A_INFO);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, SEMNET_A_INFO_VERSION, SEMNET_VERSION) ||
	    nla_put_u32(skb, SEMNET_A_INFO_GENL_VERSION, SEMNET_GENL_VERSION) ||
	    nla_put_u32(skb, SEMNET_A_INFO_NETNS_INUM, net->ns.inum) ||
	    nla_put_u64_64bit(skb, SEMNET_A_INFO_NETNS_COOKIE, net->net_cookie,
			      SEMNET_A_INFO_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_cmd_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &semnet_genl_family, 0,
				SEMNET_CMD_GET_INFO);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	ret = semnet_fill_info(msg, genl_info_net(info));
	if (ret)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

static const struct genl_ops semnet_genl_ops[] = {
	{
		.cmd = SEMNET_CMD_GET_INFO,
		.doit = semnet_cmd_get_info,
		/* Read-only and harmless: any user in the namespace may ask. */
	},
};

static struct genl_family semnet_genl_family __ro_after_init = {
	.name = SEMNET_GENL_NAME,
	.version = SEMNET_GENL_VERSION,
	.maxattr = SEMNET_A_MAX,
	.policy = semnet_genl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = semnet_genl_ops,
	.n_ops = ARRAY_SIZE(semnet_genl_ops),
	.resv_start_op = SEMNET_CMD_MAX + 1,
};

int __init semnet_genl_init(void)
{
	return genl_register_family(&semnet_genl_family);
}

void semnet_genl_exit(void)
{
	genl_unregister_family(&semnet_genl_family);
}
