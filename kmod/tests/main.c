// SPDX-License-Identifier: GPL-2.0
/*
 * semnet_kunit.ko: semnet's KUnit suites as one loadable module, built only
 * against the debug kernel tree (SEMNET_KUNIT=1). Each suite file includes
 * the sources it tests, so nothing here depends on a loaded semnet.ko.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "addr_test.c"

kunit_test_suites(&semnet_addr_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("semnet KUnit suites");
