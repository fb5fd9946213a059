// SPDX-License-Identifier: GPL-2.0
/*
 * sn_modcheck_explain(): what `semnet` says when the genl family is
 * missing. The probe itself (sysfs, securityfs, libkmod) is exercised for
 * real in the VM: tests/e2e/dkms.sh raises lockdown and sig_enforce.
 */
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

START_TEST(installed_but_not_loading)
{
	struct sn_modstate st = installed();

	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "the semnet kernel module is not loaded: " MOD " is installed but "
		   "did not load on demand (modprobe semnet says why)");
}
END_TEST

START_TEST(lockdown_unsigned)
{
	struct sn_modstate st = installed();

	strcpy(st.lockdown, "integrity");
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "not loaded");
	assert_has(buf, "only loads signed modules (lockdown=integrity, as under Secure Boot)");
	assert_has(buf, MOD " is not signed");
	assert_has(buf, "make dkms-install");
	assert_has(buf, "mokutil --import /var/lib/dkms/mok.pub");
}
END_TEST

START_TEST(lockdown_untrusted_key)
{
	struct sn_modstate st = installed();

	strcpy(st.lockdown, "confidentiality");
	st.is_signed = true;
	strcpy(st.signer, "DKMS module signing key");
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "signed by a key it trusts (lockdown=confidentiality, as under Secure Boot)");
	assert_has(buf, MOD ", signed by \"DKMS module signing key\", did not load");
	assert_has(buf, "Key was rejected by service");
	assert_has(buf, "mokutil --import /var/lib/dkms/mok.pub");
	/* Signed but the signer unknown (a libkmod without OpenSSL). */
	st.signer[0] = '\0';
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "signed by \"an unknown key\"");
}
END_TEST

START_TEST(sig_enforce_named)
{
	struct sn_modstate st = installed();

	st.sig_enforce = true;
	st.is_signed = true;
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "(module.sig_enforce=1)");
	strcpy(st.lockdown, "integrity");
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "(module.sig_enforce=1, lockdown=integrity)");
}
END_TEST

START_TEST(modules_disabled_wins)
{
	struct sn_modstate st = installed();

	st.modules_disabled = true;
	strcpy(st.lockdown, "integrity");
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "kernel.modules_disabled=1");
}
END_TEST

START_TEST(loaded_without_family)
{
	struct sn_modstate st = installed();

	st.loaded = true;
	sn_modcheck_explain(&st, buf, sizeof(buf));
	assert_has(buf, "loaded but its netlink family is missing");
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

	UNIT_ADD_TESTS(tc, nothing_installed_keeps_the_old_words,
		       installed_but_not_loading, lockdown_unsigned,
		       lockdown_untrusted_key, sig_enforce_named,
		       modules_disabled_wins, loaded_without_family,
		       truncates_safely, probe_on_this_host);
	suite_add_tcase(s, tc);
	return s;
}
