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

/* --- the MQTT client's settings (SN_MQTT_SETTINGS, sn_config_mqtt_check) --- */

struct mqtt_cfg {
	int port;
	struct sn_mqtt_security sec;
};

static int mqtt_check(void *cfg)
{
	return sn_config_mqtt_check("semnetd", &((struct mqtt_cfg *)cfg)->sec);
}

static const struct sn_setting mqtt_table[] = {
	SN_INT("port", struct mqtt_cfg, port, 0, 65535, "1"),
	SN_MQTT_SETTINGS(struct mqtt_cfg, sec),
	{ NULL },
};

static const char *const profile_a[] = { "port", "10", "mqtt-username", "a", NULL };
static const char *const profile_b[] = { "port", "20", NULL };
static const struct sn_config_profile mqtt_profiles[] = {
	{ "a", profile_a }, { "b", profile_b }, { NULL },
};

static const struct sn_config_spec mqtt_spec = {
	.prog = "semnetd", .usage = "usage\n", .size = sizeof(struct mqtt_cfg),
	.settings = mqtt_table, .profiles = mqtt_profiles, .check = mqtt_check,
};

static char tls_dir[PATH_MAX];
static char ca[PATH_MAX + 16], cert[PATH_MAX + 16], key[PATH_MAX + 16], enc_key[PATH_MAX + 16];
static char pass[PATH_MAX + 16], empty[PATH_MAX + 16], json[PATH_MAX + 16];

/* Files that look like PEM of each kind: the check reads labels only. */
static void tls_files_setup(void)
{
	unit_tmpdir(tls_dir, sizeof(tls_dir), "semnet-unit-tls");
	snprintf(ca, sizeof(ca), "%s/ca.crt", tls_dir);
	snprintf(cert, sizeof(cert), "%s/node.crt", tls_dir);
	snprintf(key, sizeof(key), "%s/node.key", tls_dir);
	snprintf(enc_key, sizeof(enc_key), "%s/enc.key", tls_dir);
	snprintf(pass, sizeof(pass), "%s/pass", tls_dir);
	snprintf(empty, sizeof(empty), "%s/empty", tls_dir);
	snprintf(json, sizeof(json), "%s/c.json", tls_dir);
	unit_write_file(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	unit_write_file(cert, "subject=CN = node\n-----BEGIN CERTIFICATE-----\nMIIB\n"
			      "-----END CERTIFICATE-----\n");
	unit_write_file(key, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
	unit_write_file(enc_key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n"
				 "-----END ENCRYPTED PRIVATE KEY-----\n");
	unit_write_file(pass, "s3cret word\nnot this line\n");
	unit_write_file(empty, "\n");
}

static void tls_files_teardown(void)
{
	unit_tmpdir_remove(tls_dir);
}

#define MQTT_LOAD(cfg, ...) sn_config_load(&mqtt_spec, cfg, \
	(int)(sizeof((const char *[]){ "semnetd", __VA_ARGS__ }) / sizeof(char *)), \
	(char *[]){ "semnetd", __VA_ARGS__, NULL })

/* Every key, as flags and in a file; what the check completes. */
START_TEST(mqtt_accepted)
{
	static struct mqtt_cfg c;
	char text[4 * PATH_MAX];

	/* Nothing set: no TLS, no login (the profile's username aside). */
	ck_assert_int_eq(MQTT_LOAD(&c, "--port", "5"), 0);
	ck_assert(!c.sec.tls);
	ck_assert_str_eq(c.sec.capath, "");
	ck_assert_str_eq(c.sec.password, "");

	/* TLS alone verifies the broker with the system's CAs. */
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-tls", "on"), 0);
	ck_assert(c.sec.tls);
	ck_assert_str_eq(c.sec.capath, "/etc/ssl/certs");
	ck_assert_str_eq(c.sec.cafile, "");

	/* A CA file turns TLS on and replaces the system's CAs. */
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-cafile", ca, "--mqtt-certfile", cert,
				   "--mqtt-keyfile", enc_key, "--mqtt-keyfile-password-file", pass,
				   "--mqtt-tls-version", "tlsv1.3", "--mqtt-username", "node1",
				   "--mqtt-password-file", pass), 0);
	ck_assert(c.sec.tls);
	ck_assert_str_eq(c.sec.cafile, ca);
	ck_assert_str_eq(c.sec.capath, "");
	ck_assert_str_eq(c.sec.certfile, cert);
	ck_assert_str_eq(c.sec.keyfile, enc_key);
	ck_assert_str_eq(c.sec.keyfile_password, "s3cret word");	/* the first line */
	ck_assert_str_eq(c.sec.tls_version, "tlsv1.3");
	ck_assert_str_eq(c.sec.username, "node1");
	ck_assert_str_eq(c.sec.password, "s3cret word");

	/* The same keys in a file ('_' for '-'), true for on. */
	snprintf(text, sizeof(text), "{\"mqtt_tls\": true, \"mqtt_capath\": \"%s\","
		 " \"mqtt_certfile\": \"%s\", \"mqtt_keyfile\": \"%s\","
		 " \"mqtt_tls_version\": \"tlsv1.2\", \"mqtt_username\": \"u\"}",
		 tls_dir, cert, key);
	unit_write_file(json, text);
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json), 0);
	ck_assert(c.sec.tls);
	ck_assert_str_eq(c.sec.capath, tls_dir);
	ck_assert_str_eq(c.sec.keyfile, key);
	ck_assert_str_eq(c.sec.tls_version, "tlsv1.2");
	ck_assert_str_eq(c.sec.username, "u");
	ck_assert_str_eq(c.sec.password, "");	/* a username alone is a login too */
}
END_TEST

/* Each bad combination or file: refused at load, in these words. */
START_TEST(mqtt_refused)
{
	static struct mqtt_cfg c;
	char want[3 * PATH_MAX];

	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-keyfile", key), -1);
	ck_assert_str_eq(capture_end(), "semnetd: mqtt-keyfile without mqtt-certfile: a client "
					"certificate needs both\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-certfile", cert), -1);
	ck_assert_str_eq(capture_end(), "semnetd: mqtt-certfile without mqtt-keyfile: a client "
					"certificate needs both\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-cafile", "/nonexistent/ca.crt"), -1);
	ck_assert_str_eq(capture_end(),
			 "semnetd: mqtt-cafile /nonexistent/ca.crt: No such file or directory\n");
	/* Unreadable: a directory where a file belongs. */
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-cafile", tls_dir), -1);
	snprintf(want, sizeof(want), "semnetd: mqtt-cafile %s: Is a directory\n", tls_dir);
	ck_assert_str_eq(capture_end(), want);
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-cafile", pass), -1);
	snprintf(want, sizeof(want), "semnetd: mqtt-cafile %s holds no PEM CERTIFICATE\n", pass);
	ck_assert_str_eq(capture_end(), want);
	/* A key where the certificate belongs, and the other way round. */
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-certfile", key, "--mqtt-keyfile", key), -1);
	snprintf(want, sizeof(want), "semnetd: mqtt-certfile %s holds no PEM CERTIFICATE\n", key);
	ck_assert_str_eq(capture_end(), want);
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-certfile", cert, "--mqtt-keyfile", cert), -1);
	snprintf(want, sizeof(want), "semnetd: mqtt-keyfile %s holds no PEM PRIVATE KEY\n", cert);
	ck_assert_str_eq(capture_end(), want);
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-capath", "/nonexistent"), -1);
	ck_assert_str_eq(capture_end(),
			 "semnetd: mqtt-capath /nonexistent: No such file or directory\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--profile", "b", "--mqtt-password-file", pass), -1);
	ck_assert_str_eq(capture_end(), "semnetd: mqtt-password-file without mqtt-username\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-password-file", empty), -1);
	snprintf(want, sizeof(want), "semnetd: mqtt-password-file %s: the first line must hold 1 "
		 "to 255 bytes\n", empty);
	ck_assert_str_eq(capture_end(), want);
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-keyfile-password-file", pass), -1);
	ck_assert_str_eq(capture_end(), "semnetd: mqtt-keyfile-password-file without "
					"mqtt-keyfile\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-tls", "on", "--mqtt-tls-version", "tlsv1"), -1);
	ck_assert_str_eq(capture_end(),
			 "semnetd: mqtt-tls-version must be tlsv1.2 or tlsv1.3, not 'tlsv1'\n");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-tls-version", "tlsv1.2"), -1);
	ck_assert_str_eq(capture_end(),
			 "semnetd: mqtt-tls-version without TLS (mqtt-tls on)\n");
}
END_TEST

/* A profile lies under every explicit setting, wherever either is given. */
START_TEST(profiles)
{
	static struct mqtt_cfg c;

	ck_assert_int_eq(MQTT_LOAD(&c, "--mqtt-tls", "off"), 0);
	ck_assert_int_eq(c.port, 10);			/* the first profile is the default */
	ck_assert_str_eq(c.sec.username, "a");
	ck_assert_int_eq(MQTT_LOAD(&c, "--port", "7", "--profile", "b"), 0);
	ck_assert_int_eq(c.port, 7);			/* the flag, though before it */
	ck_assert_int_eq(MQTT_LOAD(&c, "--profile", "b"), 0);
	ck_assert_int_eq(c.port, 20);
	ck_assert_str_eq(c.sec.username, "");		/* b leaves it at its default */

	/* In a file: the profile first, the file's keys over it, flags last. */
	unit_write_file(json, "{\"port\": 30, \"profile\": \"b\"}");
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json), 0);
	ck_assert_int_eq(c.port, 30);
	unit_write_file(json, "{\"profile\": \"b\"}");
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json), 0);
	ck_assert_int_eq(c.port, 20);
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json, "--port", "40"), 0);
	ck_assert_int_eq(c.port, 40);
	/* A --profile flag replaces the file's profile, not the file's keys. */
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json, "--profile", "a"), 0);
	ck_assert_int_eq(c.port, 10);
	ck_assert_str_eq(c.sec.username, "a");
	unit_write_file(json, "{\"port\": 30}");
	ck_assert_int_eq(MQTT_LOAD(&c, "--profile", "b", "--config", json), 0);
	ck_assert_int_eq(c.port, 30);

	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--profile", "c"), -1);
	ck_assert_str_eq(capture_end(), "semnetd: unknown profile 'c' (a, b)\n");
	unit_write_file(json, "{\"profile\": 1}");
	capture_start();
	ck_assert_int_eq(MQTT_LOAD(&c, "--config", json), -1);
	ck_assert(strstr(capture_end(), ": 'profile' must be a string\n"));
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("config", tls_files_setup, tls_files_teardown, 0, integers,
			  integers_refused, strings, sync_modes, log_levels, on_off,
			  common_settings, mqtt_accepted, mqtt_refused, profiles);
}
