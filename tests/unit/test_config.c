// SPDX-License-Identifier: GPL-2.0
/*
 * sn_config (daemon/lib): one setting's value as every daemon parses it,
 * and the words it is refused with. Each case calls a parser and checks the
 * value set, the return, and what went to stderr.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_config.h"
#include "sn_log.h"

/* What the call in between wrote to stderr (a failed parser says why). */
static FILE *capture;
static int saved_stderr;
static char said[512];

static void capture_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	ck_assert_ptr_nonnull(capture);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_ge(dup2(fileno(capture), STDERR_FILENO), 0);
}

static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	ck_assert_int_ge(dup2(saved_stderr, STDERR_FILENO), 0);
	close(saved_stderr);
	rewind(capture);
	n = fread(said, 1, sizeof(said) - 1, capture);
	said[n] = '\0';
	fclose(capture);
	return said;
}

START_TEST(integers)
{
	int v = 7;

	capture_start();
	ck_assert_int_eq(sn_config_int("prog", "port", "0", 0, 65535, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(sn_config_int("prog", "port", "65535", 0, 65535, &v), 0);
	ck_assert_int_eq(v, 65535);
	ck_assert_int_eq(sn_config_int("prog", "n", "-5", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_str_eq(capture_end(), "");
}
END_TEST

START_TEST(integers_refused)
{
	/* Each refusal leaves the value as it was and names the setting. */
	static const char *const bad[] = { "65536", "-1", "", "12x", "x", "0x10", "1.5",
					   "99999999999999999999" };
	char want[160];
	int v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		ck_assert_int_eq(sn_config_int("semnet-x", "port", bad[i], 0, 65535, &v), -1);
		snprintf(want, sizeof(want),
			 "semnet-x: port must be an integer in 0..65535, not '%s'\n", bad[i]);
		ck_assert_str_eq(capture_end(), want);
		ck_assert_int_eq(v, 42);
	}
}
END_TEST

START_TEST(strings)
{
	char dst[8] = "old";

	capture_start();
	ck_assert_int_eq(sn_config_string("p", "listen", dst, sizeof(dst), "1234567"), 0);
	ck_assert_str_eq(dst, "1234567");
	ck_assert_str_eq(capture_end(), "");

	/* Too long for the buffer (7 bytes and the NUL), or empty: refused. */
	capture_start();
	ck_assert_int_eq(sn_config_string("p", "listen", dst, sizeof(dst), "12345678"), -1);
	ck_assert_str_eq(capture_end(), "p: listen must be 1 to 7 bytes\n");
	ck_assert_str_eq(dst, "1234567");
	capture_start();
	ck_assert_int_eq(sn_config_string("p", "db", dst, sizeof(dst), ""), -1);
	ck_assert_str_eq(capture_end(), "p: db must be 1 to 7 bytes\n");
	ck_assert_str_eq(dst, "1234567");
}
END_TEST

START_TEST(sync_modes)
{
	bool durable = false;

	ck_assert_int_eq(sn_config_sync("p", "full", &durable), 0);
	ck_assert(durable);
	ck_assert_int_eq(sn_config_sync("p", "normal", &durable), 0);
	ck_assert(!durable);
	capture_start();
	ck_assert_int_eq(sn_config_sync("semnetd", "FULL", &durable), -1);
	ck_assert_str_eq(capture_end(), "semnetd: sync must be full or normal\n");
	ck_assert(!durable);
}
END_TEST

START_TEST(log_levels)
{
	int level = -1;

	ck_assert_int_eq(sn_config_log_level("p", "debug", &level), 0);
	ck_assert_int_eq(level, SN_LOG_DEBUG);
	ck_assert_int_eq(sn_config_log_level("p", "error", &level), 0);
	ck_assert_int_eq(level, SN_LOG_ERROR);
	capture_start();
	ck_assert_int_eq(sn_config_log_level("semnet-root", "loud", &level), -1);
	ck_assert_str_eq(capture_end(), "semnet-root: bad log level 'loud'\n");
	ck_assert_int_eq(level, SN_LOG_ERROR);
}
END_TEST

START_TEST(on_off)
{
	bool on = false;

	ck_assert_int_eq(sn_config_on_off("p", "firewall", "on", &on), 0);
	ck_assert(on);
	ck_assert_int_eq(sn_config_on_off("p", "firewall", "off", &on), 0);
	ck_assert(!on);
	capture_start();
	ck_assert_int_eq(sn_config_on_off("semnetd", "firewall", "yes", &on), -1);
	ck_assert_str_eq(capture_end(), "semnetd: firewall must be on or off\n");
	ck_assert(!on);
}
END_TEST

/* A daemon's settings as SN_COMMON_SETTINGS gives every daemon. */
struct common {
	char db_path[PATH_MAX];
	bool db_durable;
	int log_level;
	char ready_file[PATH_MAX];
};

static const struct sn_setting common_settings_table[] = {
	SN_COMMON_SETTINGS(struct common, "/var/lib/x.db"),
	{ NULL },
};

static int load_common(struct common *c, const char *name, const char *value)
{
	static const struct sn_config_spec spec = {
		.prog = "semnetd", .usage = "usage\n", .size = sizeof(struct common),
		.settings = common_settings_table,
	};
	char flag[32];
	char *argv[] = { "semnetd", flag, (char *)value, NULL };

	snprintf(flag, sizeof(flag), "--%s", name);
	return sn_config_load(&spec, c, 3, argv);
}

/* The flags every daemon shares, through their one table. */
START_TEST(common_settings)
{
	static struct common c;
	char long_path[PATH_MAX + 1], want[80];

	ck_assert_int_eq(load_common(&c, "db", "/tmp/x.db"), 0);
	ck_assert_str_eq(c.db_path, "/tmp/x.db");
	ck_assert(c.db_durable);	/* the defaults */
	ck_assert_int_eq(c.log_level, SN_LOG_INFO);
	ck_assert_int_eq(load_common(&c, "sync", "normal"), 0);
	ck_assert(!c.db_durable);
	ck_assert_int_eq(load_common(&c, "log-level", "warn"), 0);
	ck_assert_int_eq(c.log_level, SN_LOG_WARN);
	ck_assert_int_eq(load_common(&c, "ready-file", "/tmp/ready"), 0);
	ck_assert_str_eq(c.ready_file, "/tmp/ready");
	ck_assert_str_eq(c.db_path, "/var/lib/x.db");

	/* A path of PATH_MAX bytes does not fit with its NUL. */
	memset(long_path, 'a', PATH_MAX);
	long_path[PATH_MAX] = '\0';
	capture_start();
	ck_assert_int_eq(load_common(&c, "db", long_path), -1);
	snprintf(want, sizeof(want), "semnetd: db must be 1 to %d bytes\n", PATH_MAX - 1);
	ck_assert_str_eq(capture_end(), want);
	/* Neither --help nor a daemon's own option is common. */
	capture_start();
	ck_assert_int_eq(load_common(&c, "help", "x"), 1);
	capture_end();
	capture_start();
	ck_assert_int_eq(load_common(&c, "port", "x"), -1);
	ck_assert_str_eq(capture_end(), "semnetd: unrecognized option '--port'\nusage\n");
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("config", NULL, NULL, 0, integers, integers_refused, strings,
			  sync_modes, log_levels, on_off, common_settings);
}
