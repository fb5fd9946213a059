// SPDX-License-Identifier: GPL-2.0
#include "sn_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *sn_log_component = "semnet";
static enum sn_log_level sn_log_min = SN_LOG_INFO;
static const char *const sn_log_names[] = { "debug", "info", "warn", "error" };

void sn_log_init(const char *component, enum sn_log_level min_level)
{
	sn_log_component = component;
	sn_log_min = min_level;
}

int sn_log_parse_level(const char *name)
{
	for (int i = 0; i < (int)(sizeof(sn_log_names) / sizeof(sn_log_names[0])); i++)
		if (strcmp(name, sn_log_names[i]) == 0)
			return i;
	return -1;
}

void sn_log(enum sn_log_level level, const char *fmt, ...)
{
	if (level < sn_log_min)
		return;
	struct timespec now;
	struct tm tm;
	char stamp[32], text[1536], quoted[2 * sizeof(text) + 1], *q = quoted;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* logfmt: the message is one quoted value, whatever it contains. */
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			*q++ = '\\';
		if (*p == '\n') {
			*q++ = '\\';
			*q++ = 'n';
			continue;
		}
		*q++ = *p;
	}
	*q = '\0';
	/* One fprintf per line, so lines from concurrent writers do not interleave. */
	fprintf(stderr, "time=%s.%03ldZ level=%s component=%s msg=\"%s\"\n", stamp,
		now.tv_nsec / 1000000, sn_log_names[level], sn_log_component, quoted);
}
