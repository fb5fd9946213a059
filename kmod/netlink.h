/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_NETLINK_H
#define _SEMNET_NETLINK_H

int semnet_genl_init(void);
void semnet_genl_exit(void);

#endif /* _SEMNET_NETLINK_H */
