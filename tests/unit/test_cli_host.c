// SPDX-License-Identifier: GPL-2.0
/*
 * The semnet CLI with the real generic-netlink client (no fake kernel): on
 * a host without semnet.ko, every kernel command must exit 1 with the clear
 * "not loaded" message, and usage errors must still exit 2. Where the
 * module is loaded (the test VM), only the read-only `version` runs.
 */
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "unit.h"
#include "../../daemon/cli/cli.h"

static struct unit_output run;

/* Runs `semnet ARGS...`, its output and exit status captured in run. */
#define SEMNET(...) unit_run_tool(&run, sn_main, "semnet", __VA_ARGS__, (const char *)NULL)

/* Is the semnet family registered (module loaded) in this namespace? */
static int module_loaded(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int family = -1;

	ck_assert_ptr_nonnull(sk);
	if (genl_connect(sk) == 0)
		family = genl_ctrl_resolve(sk, SEMNET_GENL_NAME);
	nl_socket_free(sk);
	return family >= 0;
}

START_TEST(kernel_commands)
{
	static const char *const cases[][12] = {
		{ "show" }, { "-j", "show" }, { "node", "show" }, { "node", "del" },
		{ "node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		  "subnet", "172.16.0.0/26", "gateway", "172.16.0.1", "bridge", "lo" },
		{ "service", "add", "172.30.0.10", "name", "web" },
		{ "service", "show" }, { "service", "flush" },
		{ "instance", "add", "172.30.1.1", "service", "web", "nsip", "172.16.0.2" },
		{ "instance", "show", "service", "web" }, { "instance", "flush" },
		{ "flow", "show" }, { "flow", "flush" }, { "stats" }, { "-s", "stats" },
	};
	size_t i;

	if (module_loaded()) {
		/* Only what changes nothing. */
		ck_assert_int_eq(SEMNET("version"), 0);
		ck_assert_ptr_nonnull(strstr(run.out, "semnet module "));
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i];

		SEMNET(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
		ck_assert_msg(run.status == 1, "%s %s: exit %d", a[0], a[1] ? a[1] : "",
			      run.status);
		ck_assert_str_eq(run.err, "semnet: the semnet kernel module is not loaded "
				 "(try: modprobe semnet)\n");
		ck_assert_str_eq(run.out, "");
	}
	ck_assert_int_eq(SEMNET("version"), 1);
	ck_assert_str_eq(run.out, "semnet tool " SEMNET_TOOL_VERSION "\n");
}
END_TEST

START_TEST(usage_first)
{
	/* Usage errors win over the missing module: nothing was sent. */
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.300", "name", "web"), 2);
	ck_assert_str_eq(run.err, "semnet: service add: invalid address \"172.30.0.300\"\n");
	ck_assert_int_eq(SEMNET("node", "set", "platform", "172.16.0.0/12", "subnet"), 2);
	ck_assert_str_eq(run.err,
			 "semnet: node set: \"subnet\" needs a prefix like 172.16.0.0/26 or fc00::100/120\n");
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.10", "name", "w", "polcy", "rr"), 2);
	ck_assert_str_eq(run.err, "semnet: service add: unknown keyword \"polcy\"\n");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cli_host");
	TCase *tc = tcase_create("host");

	UNIT_ADD_TESTS(tc, kernel_commands, usage_first);
	suite_add_tcase(s, tc);
	return s;
}
