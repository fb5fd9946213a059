// SPDX-License-Identifier: GPL-2.0
/*
 * semnet_kunit.ko: semnet's KUnit suites as one loadable module, built only
 * against the debug kernel tree (SEMNET_KUNIT=1). It compiles the sources
 * it tests into itself, so nothing here depends on a loaded semnet.ko.
 */
#include <kunit/test.h>
#include <linux/module.h>

/* The code under test: everything but the module entry and netlink. */
#include "../netns.c"
#include "../node.c"
#include "../service.c"
#include "../instance.c"
#include "../policy.c"
#include "../policy_mh.c"
#include "../flow.c"
#include "../rewrite.c"
#include "../rewrite6.c"
#include "../xlate.c"
#include "../xlate6.c"
#include "../bridge.c"
#include "../peer.c"
#include "../learn.c"
#include "../miss.c"
#include "../offload.c"
#include "../link.c"
#include "../forward.c"

#include "fixture.c"
#include "addr_test.c"
#include "rewrite_test.c"
#include "rewrite6_test.c"
#include "policy_test.c"
#include "tables_test.c"
#include "miss_test.c"
#include "peer_test.c"
#include "closest_test.c"
#include "lifetime_test.c"
#include "config_test.c"
#include "port_test.c"
#include "batch_test.c"
#include "dualstack_test.c"
#include "flow6_test.c"
#include "miss6_test.c"
#include "fastpath_test.c"
#include "link_test.c"
#include "forward_test.c"

kunit_test_suites(&semnet_addr_suite, &semnet_rewrite_suite,
		  &semnet_rewrite6_suite,
		  &semnet_policy_suite, &semnet_tables_suite,
		  &semnet_miss_suite, &semnet_peer_suite,
		  &semnet_closest_suite, &semnet_lifetime_suite,
		  &semnet_config_suite, &semnet_port_suite,
		  &semnet_batch_suite, &semnet_dualstack_suite,
		  &semnet_flow6_suite, &semnet_miss6_suite,
		  &semnet_fastpath_suite, &semnet_link_suite,
		  &semnet_forward_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("semnet KUnit suites");
