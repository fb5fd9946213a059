// SPDX-License-Identifier: GPL-2.0
/*
 * sn_modcheck_explain(): what `semnet` says when the genl family is
 * missing. The probe itself (sysfs, securityfs, libkmod) is exercised for
 * real in the VM: tests/e2e/dkms.sh raises lockdown and sig_enforce.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sn_modcheck.h"

#define MOD "/lib/modules/6.1.0-56-amd64/updates/dkms/semnet.ko"

static char buf[4096];

static struct sn_modstate installed(void)
{
	struct sn_modstate st;

	memset(&st, 0, sizeof(st));
	strcpy(st.path, MOD);
	return st;
}

static void assert_has(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part), "\"%s\" lacks \"%s\"", text, part);
}

START_TEST(nothing_installed_keeps_the_old_words)
{
	struct sn_modstate st;

	/* Also what a lockdown host says when no module is installed. */
	memset(&st, 0, sizeof(st));
	ck_assert_str_eq(sn_modcheck_explain(&st, buf, sizeof(buf)),
			 "the semnet kernel module is not loaded (try: modprobe semnet)");
	strcpy(st.lockdown, "integrity");
	ck_assert_str_eq(sn_modcheck_explain(&st, buf, sizeof(buf)),
			 "the semnet kernel module is not loaded (try: modprobe semnet)");
}
END_TEST

/* A host with the module at MOD installed, and what the explanation says. */
static const struct explain_case {
	const char *name;
	const char *lockdown, *signer;
	bool is_signed, sig_enforce, modules_disabled, loaded;
	const char *says[6];
} explain_cases[] = {
	{ "installed but not loading",
	  .says = { "the semnet kernel module is not loaded: " MOD " is installed but "
		    "did not load on demand (modprobe semnet says why)" } },
	{ "lockdown, unsigned", .lockdown = "integrity",
	  .says = { "not loaded",
		    "only loads signed modules (lockdown=integrity, as under Secure Boot)",
		    MOD " is not signed", "make dkms-install",
		    "mokutil --import /var/lib/dkms/mok.pub" } },
	{ "lockdown, untrusted key", .lockdown = "confidentiality", .is_signed = true,
	  .signer = "DKMS module signing key",
	  .says = { "signed by a key it trusts (lockdown=confidentiality, as under Secure Boot)",
		    MOD ", signed by \"DKMS module signing key\", did not load",
		    "Key was rejected by service", "mokutil --import /var/lib/dkms/mok.pub" } },
	/* Signed but the signer unknown (a libkmod without OpenSSL). */
	{ "lockdown, unknown signer", .lockdown = "confidentiality", .is_signed = true,
	  .says = { "signed by \"an unknown key\"" } },
	{ "sig_enforce named", .sig_enforce = true, .is_signed = true,
	  .says = { "(module.sig_enforce=1)" } },
	{ "sig_enforce and lockdown named", .sig_enforce = true, .is_signed = true,
	  .lockdown = "integrity", .says = { "(module.sig_enforce=1, lockdown=integrity)" } },
	{ "modules_disabled wins", .modules_disabled = true, .lockdown = "integrity",
	  .says = { "kernel.modules_disabled=1" } },
	{ "loaded without its family", .loaded = true,
	  .says = { "loaded but its netlink family is missing" } },
};

START_TEST(explains)
{
	const struct explain_case *c = &explain_cases[_i];
	struct sn_modstate st = installed();

	snprintf(st.lockdown, sizeof(st.lockdown), "%s", c->lockdown ? c->lockdown : "");
	snprintf(st.signer, sizeof(st.signer), "%s", c->signer ? c->signer : "");
	st.is_signed = c->is_signed;
	st.sig_enforce = c->sig_enforce;
	st.modules_disabled = c->modules_disabled;
	st.loaded = c->loaded;
	sn_modcheck_explain(&st, buf, sizeof(buf));
	for (const char *const *part = c->says; *part; part++)
		ck_assert_msg(strstr(buf, *part), "%s: \"%s\" lacks \"%s\"", c->name, buf, *part);
}
END_TEST

START_TEST(truncates_safely)
{
	struct sn_modstate st = installed();
	char small[24];

	strcpy(st.lockdown, "integrity");
	ck_assert_uint_eq(strlen(sn_modcheck_explain(&st, small, sizeof(small))),
			  sizeof(small) - 1);
}
END_TEST

START_TEST(probe_on_this_host)
{
	struct sn_modstate st;

	/* Whatever the host is, the probe yields a sentence saying so. */
	sn_modcheck_probe(&st);
	assert_has(sn_modcheck_reason(), "the semnet kernel module is ");
	if (!st.loaded)
		assert_has(sn_modcheck_reason(), "not loaded");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("modcheck");
	TCase *tc = tcase_create("core");

	UNIT_ADD_TESTS(tc, nothing_installed_keeps_the_old_words);
	/* One test a row of explain_cases. */
	tcase_add_loop_test(tc, explains, 0,
			    (int)(sizeof(explain_cases) / sizeof(explain_cases[0])));
	UNIT_ADD_TESTS(tc, truncates_safely, probe_on_this_host);
	suite_add_tcase(s, tc);
	return s;
}
