// SPDX-License-Identifier: GPL-2.0
#include "sn_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_ipv4.h"

void sn_err_set(struct sn_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

json_t *sn_json_parse_object(const char *buf, size_t len, struct sn_err *err)
{
	json_error_t jerr;
	json_t *root;

	if (!buf || len == 0) {
		sn_err_set(err, "empty body: a JSON object is required");
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		sn_err_set(err, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
			   jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		sn_err_set(err, "the body must be a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int sn_json_str(json_t *obj, const char *key, bool required, size_t max_len, const char **out,
		struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	/* Oakestra sends "" for absent optional fields (nsipv6, sip). */
	if (!v || json_is_null(v) || (!required && json_is_string(v) && json_string_length(v) == 0)) {
		if (required) {
			sn_err_set(err, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v)) {
		sn_err_set(err, "field '%s' must be a string", key);
		return -1;
	}
	size_t len = json_string_length(v);

	if (len == 0 || len > max_len) {
		sn_err_set(err, "field '%s' must be 1 to %zu bytes long", key, max_len);
		return -1;
	}
	if (strlen(json_string_value(v)) != len) {
		sn_err_set(err, "field '%s' contains a NUL byte", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int sn_json_int(json_t *obj, const char *key, bool required, bool allow_string, long long min,
		long long max, long long *out, struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);
	long long n;

	if (!v || json_is_null(v)) {
		if (required) {
			sn_err_set(err, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (allow_string && json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno) {
			sn_err_set(err, "field '%s' must be an integer", key);
			return -1;
		}
	} else {
		sn_err_set(err, "field '%s' must be an integer", key);
		return -1;
	}
	if (n < min || n > max) {
		sn_err_set(err, "field '%s' must be between %lld and %lld", key, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int sn_json_ipv4(json_t *obj, const char *key, bool required, uint32_t *out, bool *present,
		 struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);

	*present = false;
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		if (required) {
			sn_err_set(err, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v) || !sn_ipv4_parse(json_string_value(v), out)) {
		sn_err_set(err, "field '%s' must be an IPv4 address", key);
		return -1;
	}
	*present = true;
	return 0;
}

int sn_json_ipaddr(json_t *obj, const char *key, bool required, struct sn_ipaddr *out,
		   bool *present, struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);

	*present = false;
	memset(out, 0, sizeof(*out));
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		if (required) {
			sn_err_set(err, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	/* A NUL inside the string would hide trailing text from inet_pton. */
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    !sn_ipaddr_parse(json_string_value(v), out)) {
		memset(out, 0, sizeof(*out));
		sn_err_set(err, "field '%s' must be an IPv4 or IPv6 address", key);
		return -1;
	}
	*present = true;
	return 0;
}

int sn_json_ipv6_text(const char *text, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!text || !*text || strcmp(text, "<nil>") == 0)
		return 0;
	/* inet_pton takes no scope id, prefix or trailing text. */
	if (inet_pton(AF_INET6, text, out) != 1 || IN6_IS_ADDR_UNSPECIFIED(out) ||
	    IN6_IS_ADDR_V4MAPPED(out)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 1;
}

int sn_json_ipv6(json_t *obj, const char *key, bool required, struct in6_addr *out, bool *present,
		 struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	*present = false;
	memset(out, 0, sizeof(*out));
	if (v && !json_is_null(v)) {
		/* A NUL inside the string would hide trailing text from inet_pton. */
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
		    (rc = sn_json_ipv6_text(json_string_value(v), out)) < 0) {
			sn_err_set(err, "field '%s' must be an IPv6 address", key);
			return -1;
		}
	}
	if (rc == 0) {
		if (required) {
			sn_err_set(err, "field '%s' is required", key);
			return -1;
		}
		return 0;
	}
	*present = true;
	return 0;
}

const char *sn_json_ipv6_format(const struct in6_addr *addr, char out[SN_JSON_IPV6_STRLEN])
{
	if (!inet_ntop(AF_INET6, addr, out, SN_JSON_IPV6_STRLEN))
		out[0] = '\0';	/* cannot happen: the buffer fits every address */
	return out;
}

json_t *sn_json_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{ss}", "error", msg);
}

json_t *sn_json_ipv4_string(uint32_t addr)
{
	char text[SN_IPV4_STRLEN];

	sn_ipv4_format(addr, text);
	return json_string(text);
}

json_t *sn_json_ipv6_string(const struct in6_addr *addr)
{
	char text[SN_JSON_IPV6_STRLEN];

	if (!sn_json_ipv6_set(addr))
		return json_null();
	return json_string(sn_json_ipv6_format(addr, text));
}
