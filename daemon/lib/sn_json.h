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
#include <netinet/in.h>
#include "sn_ipaddr.h"

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
/* An address member of either family (sn_ipaddr.h: a dotted quad or IPv6
 * text), as a node's underlay address, host_ip, is. Absent, null or "":
 * -1 when @required, else 0 with *present = false and *out none. */
int sn_json_ipaddr(json_t *obj, const char *key, bool required, struct sn_ipaddr *out,
		   bool *present, struct sn_err *err);

/*
 * IPv6 addresses travel as text. Oakestra writes "no address" three ways:
 * null, "" (an unset Go string) and "<nil>" (Go's text of a nil net.IP, as
 * its NetManager reports a unikernel's nsipv6). In memory "no address" is
 * :: (the unspecified address, never a real one), so a zeroed struct has
 * none.
 */
#define SN_JSON_IPV6_STRLEN INET6_ADDRSTRLEN

static inline bool sn_json_ipv6_set(const struct in6_addr *addr)
{
	return !IN6_IS_ADDR_UNSPECIFIED(addr);
}

/* Reads IPv6 text: 1 with *out, 0 for a "no address" word ("" or "<nil>";
 * NULL too), -1 for anything else that is not a unicast IPv6 address
 * (dotted quads, "::", v4-mapped addresses, scope ids). */
int sn_json_ipv6_text(const char *text, struct in6_addr *out);
/* An IPv6 address member. Absent, null, "" or "<nil>": -1 when @required,
 * else 0 with *present = false and *out = ::. */
int sn_json_ipv6(json_t *obj, const char *key, bool required, struct in6_addr *out, bool *present,
		 struct sn_err *err);
/* The canonical text (inet_ntop: RFC 5952, as Go's net.IP.String() and
 * Python's ipaddress write it, so text comparisons match theirs). */
const char *sn_json_ipv6_format(const struct in6_addr *addr, char out[SN_JSON_IPV6_STRLEN]);

/* {"error": message} */
json_t *sn_json_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* json_string of a dotted quad. */
json_t *sn_json_ipv4_string(uint32_t addr);
/* json_string of the canonical text of @addr, or null when it is ::. */
json_t *sn_json_ipv6_string(const struct in6_addr *addr);

#endif
