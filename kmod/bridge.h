/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_BRIDGE_H
#define _SEMNET_BRIDGE_H

struct nf_hook_state;
struct sk_buff;

/* NF_BR_PRE_ROUTING: drops what a container port sends as someone else. */
unsigned int semnet_bridge_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);
/* NF_INET_PRE_ROUTING: the same, for IPv4 that bypassed the bridge. */
unsigned int semnet_bridge_port_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);

#endif /* _SEMNET_BRIDGE_H */
