/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validating readers for JSON request bodies (jansson). Each reader returns
 * 0, or -1 with a message for the client in @err ("field 'x': ...").
 */
#ifndef SN_JSON_H
#define SN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct sn_err {
	char msg[256];
};

void sn_err_set(struct sn_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses @len bytes as one JSON object. NULL with @err on malformed JSON or
 * any other type. */
json_t *sn_json_parse_object(const char *buf, size_t len, struct sn_err *err);

/* A string member of 1..max_len bytes. Absent or null: -1 when @required,
 * else 0 with *out = NULL (an optional "" counts as absent). */
int sn_json_str(json_t *obj, const char *key, bool required, size_t max_len, const char **out,
		struct sn_err *err);
/* An integer member within [min, max]; @allow_string also accepts its
 * decimal text ("4754"), as Oakestra sends host_port both ways. Absent or
 * null: -1 when @required, else 0 with *out unchanged. */
int sn_json_int(json_t *obj, const char *key, bool required, bool allow_string, long long min,
		long long max, long long *out, struct sn_err *err);
/* An IPv4 address member (dotted quad). Absent, null or "": -1 when
 * @required, else 0 with *present = false. */
int sn_json_ipv4(json_t *obj, const char *key, bool required, uint32_t *out, bool *present,
		 struct sn_err *err);

/* {"error": message} */
json_t *sn_json_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* json_string of a dotted quad. */
json_t *sn_json_ipv4_string(uint32_t addr);

#endif
