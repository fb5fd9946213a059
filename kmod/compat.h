/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small shims over kernel API differences between the versions semnet
 * builds against (6.1 is the oldest).
 */
#ifndef _SEMNET_COMPAT_H
#define _SEMNET_COMPAT_H

#include <linux/netlink.h>

/* 6.2 added formatted extack messages; before, the fixed text must do. */
#ifndef NL_SET_ERR_MSG_FMT
#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) NL_SET_ERR_MSG(extack, fmt)
#endif

#endif /* _SEMNET_COMPAT_H */
