/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_XLATE_H
#define _SEMNET_XLATE_H

struct nf_hook_state;
struct semnet_net;
struct sk_buff;

/* Turns the datapath of @sn's namespace on (its hooks) or off. */
int semnet_xlate_register(struct semnet_net *sn);
void semnet_xlate_unregister(struct semnet_net *sn);

/*
 * Sends on a packet held at a miss: semnet's hook again (the tables now
 * know its address), then the hooks after it and the stack, as if it had
 * never stopped. Consumes @skb. Process context.
 */
void semnet_xlate_resume(struct sk_buff *skb, struct nf_hook_state *state);

#endif /* _SEMNET_XLATE_H */
