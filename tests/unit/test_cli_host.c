// SPDX-License-Identifier: GPL-2.0
/*
 * The semnet CLI with the real generic-netlink client (no fake kernel): on
 * a host without semnet.ko, every kernel command must exit 1 with the clear
 * "not loaded" message, and usage errors must still exit 2. Where the
 * module is loaded (the test VM), only the read-only `version` runs.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "cli_check.h"
#include "../../daemon/cli/cli.h"

static int status;
static char out[8192], err[8192];

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t used = 0;

	lseek(fd, 0, SEEK_SET);
	while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
}

static int semnet(const char *first, ...)
{
	char *argv[32];
	char t1[] = "/tmp/semnet-host-test-XXXXXX", t2[] = "/tmp/semnet-host-test-XXXXXX";
	int argc = 0, fo, fe, so, se;
	const char *a;
	va_list ap;

	argv[argc++] = "semnet";
	va_start(ap, first);
	for (a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fo = mkstemp(t1);
	fe = mkstemp(t2);
	ck_assert(fo >= 0 && fe >= 0);
	unlink(t1);
	unlink(t2);
	fflush(stdout);
	so = dup(1);
	se = dup(2);
	dup2(fo, 1);
	dup2(fe, 2);
	status = sn_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fo, out, sizeof(out));
	slurp(fe, err, sizeof(err));
	close(fo);
	close(fe);
	return status;
}

#define SEMNET(...) semnet(__VA_ARGS__, (const char *)NULL)

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
		ck_assert_ptr_nonnull(strstr(out, "semnet module "));
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i];

		semnet(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
		       a[11], (const char *)NULL);
		ck_assert_msg(status == 1, "%s %s: exit %d", a[0], a[1] ? a[1] : "", status);
		ck_assert_str_eq(err, "semnet: the semnet kernel module is not loaded "
				 "(try: modprobe semnet)\n");
		ck_assert_str_eq(out, "");
	}
	ck_assert_int_eq(SEMNET("version"), 1);
	ck_assert_str_eq(out, "semnet tool " SEMNET_TOOL_VERSION "\n");
}
END_TEST

START_TEST(usage_first)
{
	/* Usage errors win over the missing module: nothing was sent. */
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.300", "name", "web"), 2);
	ck_assert_str_eq(err, "semnet: service add: invalid address \"172.30.0.300\"\n");
	ck_assert_int_eq(SEMNET("node", "set", "platform", "172.16.0.0/12", "subnet"), 2);
	ck_assert_str_eq(err, "semnet: node set: \"subnet\" needs a prefix like 172.16.0.0/26\n");
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.10", "name", "w", "polcy", "rr"), 2);
	ck_assert_str_eq(err, "semnet: service add: unknown keyword \"polcy\"\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_host");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, kernel_commands);
	tcase_add_test(tc, usage_first);
	suite_add_tcase(s, tc);
	return cli_check_run(s, "cli_host");
}
