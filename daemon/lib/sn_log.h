/* SPDX-License-Identifier: GPL-2.0 */
/* Structured logging on stderr, one logfmt line per event:
 *   time=2026-01-01T00:00:00.000Z level=info component=semnet-root msg="..." */
#ifndef SN_LOG_H
#define SN_LOG_H

enum sn_log_level { SN_LOG_DEBUG, SN_LOG_INFO, SN_LOG_WARN, SN_LOG_ERROR };

void sn_log_init(const char *component, enum sn_log_level min_level);
/* Parses "debug", "info", "warn" or "error"; returns -1 on anything else. */
int sn_log_parse_level(const char *name);
void sn_log(enum sn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sn_debug(...) sn_log(SN_LOG_DEBUG, __VA_ARGS__)
#define sn_info(...) sn_log(SN_LOG_INFO, __VA_ARGS__)
#define sn_warn(...) sn_log(SN_LOG_WARN, __VA_ARGS__)
#define sn_error(...) sn_log(SN_LOG_ERROR, __VA_ARGS__)

#endif
