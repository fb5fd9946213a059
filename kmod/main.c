// SPDX-License-Identifier: GPL-2.0
/*
 * semnet: semantic-address overlay networking for edge orchestration.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <net/genetlink.h>
#include <uapi/linux/semnet.h>

#include "device.h"
#include "flow.h"
#include "miss.h"
#include "netlink.h"
#include "netns.h"
#include "version.h"

static int __init semnet_init(void)
{
	int ret;

	ret = semnet_flow_cache_init();
	if (ret)
		return ret;
	ret = semnet_netns_init();
	if (ret)
		goto err_cache;
	ret = semnet_miss_notifier_init();
	if (ret)
		goto err_netns;
	ret = semnet_device_init();
	if (ret)
		goto err_notifier;
	ret = semnet_genl_init();
	if (ret)
		goto err_device;

	pr_info("semnet " SEMNET_VERSION " loaded\n");
	return 0;

err_device:
	semnet_device_exit();
err_notifier:
	semnet_miss_notifier_exit();
err_netns:
	semnet_netns_exit();
err_cache:
	semnet_flow_cache_exit();
	return ret;
}

static void __exit semnet_exit(void)
{
	/*
	 * Requests first: once the family is gone (it waits for those in
	 * progress), none can reach a namespace's state as it is freed.
	 * Miss events from packets still in flight are not sent from then on.
	 */
	semnet_genl_exit();
	semnet_device_exit();
	semnet_miss_notifier_exit();
	semnet_netns_exit();
	semnet_flow_cache_exit();
}

module_init(semnet_init);
module_exit(semnet_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("semnet: semantic-address overlay networking");
MODULE_VERSION(SEMNET_VERSION);
MODULE_ALIAS_GENL_FAMILY(SEMNET_GENL_NAME);
