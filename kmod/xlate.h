/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_XLATE_H
#define _SEMNET_XLATE_H

struct net;

/* Turns the datapath of @net on (hooks + defrag) or off. */
int semnet_xlate_register(struct net *net);
void semnet_xlate_unregister(struct net *net);

#endif /* _SEMNET_XLATE_H */
