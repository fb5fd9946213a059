/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * semnet: semantic-address overlay networking.
 *
 * The generic-netlink contract between semnet.ko and userspace. This header
 * is the only definition of it; the kernel module, the `semnet` CLI and the
 * daemons all include it.
 *
 * Family SEMNET_GENL_NAME, version SEMNET_GENL_VERSION. Every command is
 * per network namespace: it acts on the namespace of the requesting socket.
 * Numbers are ABI: new commands and attributes are only ever appended.
 */
#ifndef _UAPI_LINUX_SEMNET_H
#define _UAPI_LINUX_SEMNET_H

#define SEMNET_GENL_NAME	"semnet"
#define SEMNET_GENL_VERSION	1

enum semnet_cmd {
	SEMNET_CMD_UNSPEC,
	/* Module and namespace identity. Reply: SEMNET_A_INFO. */
	SEMNET_CMD_GET_INFO,

	__SEMNET_CMD_MAX
};
#define SEMNET_CMD_MAX (__SEMNET_CMD_MAX - 1)

/* Top-level attributes: one nest per object kind. */
enum semnet_attr {
	SEMNET_A_UNSPEC,
	SEMNET_A_INFO,		/* nest: enum semnet_info_attr */

	__SEMNET_A_MAX
};
#define SEMNET_A_MAX (__SEMNET_A_MAX - 1)

enum semnet_info_attr {
	SEMNET_A_INFO_UNSPEC,
	SEMNET_A_INFO_VERSION,		/* string: module version */
	SEMNET_A_INFO_GENL_VERSION,	/* u32: SEMNET_GENL_VERSION */
	SEMNET_A_INFO_NETNS_INUM,	/* u32: inode of /proc/self/ns/net */
	SEMNET_A_INFO_NETNS_COOKIE,	/* u64: the namespace's boot-unique cookie */
	SEMNET_A_INFO_PAD,

	__SEMNET_A_INFO_MAX
};
#define SEMNET_A_INFO_MAX (__SEMNET_A_INFO_MAX - 1)

#endif /* _UAPI_LINUX_SEMNET_H */
