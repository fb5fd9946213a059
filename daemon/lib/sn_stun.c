// SPDX-License-Identifier: GPL-2.0
/* The endpoint-discovery messages (sn_stun.h). */
#include "sn_stun.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define VERSION 1

/* What both messages start with: the right kind and version, and a nonce
 * of 32 lower-case hex digits. The object, or NULL with @err. */
static json_t *read_common(const char *buf, size_t len, char nonce[SN_STUN_NONCE_HEX],
			   struct sn_err *err)
{
	json_t *obj;
	const char *n;
	long long version;

	if (len > SN_STUN_MSG_MAX) {
		sn_err_set(err, "%zu bytes: more than %d", len, SN_STUN_MSG_MAX);
		return NULL;
	}
	if (!(obj = sn_json_parse_object(buf, len, err)))
		return NULL;
	if (sn_json_int(obj, "semnet_stun", true, false, VERSION, VERSION, &version, err) < 0 ||
	    sn_json_str(obj, "nonce", true, SN_STUN_NONCE_HEX - 1, &n, err) < 0)
		goto bad;
	if (strlen(n) != SN_STUN_NONCE_HEX - 1 || strspn(n, "0123456789abcdef") != strlen(n)) {
		sn_err_set(err, "field 'nonce' must be %d lower-case hex digits",
			   SN_STUN_NONCE_HEX - 1);
		goto bad;
	}
	memcpy(nonce, n, SN_STUN_NONCE_HEX);
	return obj;
bad:
	json_decref(obj);
	return NULL;
}

/* @obj printed into @buf: its length, or -1 when it does not fit. */
static int print(json_t *obj, char *buf, size_t size)
{
	size_t len = obj ? json_dumpb(obj, buf, size, JSON_COMPACT) : 0;

	json_decref(obj);
	if (!len || len >= size)
		return -1;
	buf[len] = '\0';
	return (int)len;
}

int sn_stun_request(const uint8_t nonce[SN_STUN_NONCE_LEN], char *buf, size_t size)
{
	char hex[SN_STUN_NONCE_HEX], pad[SN_STUN_REQUEST_MIN];
	int bare;

	for (int i = 0; i < SN_STUN_NONCE_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", nonce[i]);
	/* Its length with an empty pad, then the pad that makes up the rest. */
	bare = print(json_pack("{s:i, s:s, s:s}", "semnet_stun", VERSION, "nonce", hex, "pad", ""),
		     buf, size);
	if (bare < 0 || bare > SN_STUN_REQUEST_MIN)
		return -1;
	memset(pad, '.', sizeof(pad));
	pad[SN_STUN_REQUEST_MIN - bare] = '\0';
	return print(json_pack("{s:i, s:s, s:s}", "semnet_stun", VERSION, "nonce", hex, "pad", pad),
		     buf, size);
}

int sn_stun_request_read(const char *buf, size_t len, char nonce[SN_STUN_NONCE_HEX],
			 struct sn_err *err)
{
	json_t *obj = read_common(buf, len, nonce, err);

	json_decref(obj);
	return obj ? 0 : -1;
}

int sn_stun_answer(const char nonce[SN_STUN_NONCE_HEX], const struct sockaddr *from, int via,
		   char *buf, size_t size)
{
	struct sn_ipaddr addr = { 0 };
	char text[SN_IPADDR_STRLEN];
	int port;

	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)from;

		addr = sn_ipaddr4(ntohl(in->sin_addr.s_addr));
		port = ntohs(in->sin_port);
	} else if (from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)from;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			uint32_t v4;

			memcpy(&v4, &in6->sin6_addr.s6_addr[12], sizeof(v4));
			addr = sn_ipaddr4(ntohl(v4));
		} else {
			addr.family = AF_INET6;
			addr.v6 = in6->sin6_addr;
		}
		port = ntohs(in6->sin6_port);
	} else {
		return -1;
	}
	return print(json_pack("{s:i, s:s, s:s, s:i, s:i}", "semnet_stun", VERSION, "nonce", nonce,
			       "addr", sn_ipaddr_format(&addr, text), "port", port, "via", via),
		     buf, size);
}

int sn_stun_answer_read(const char *buf, size_t len, const char nonce[SN_STUN_NONCE_HEX],
			struct sn_ipaddr *addr, int *port, int *via, struct sn_err *err)
{
	char got[SN_STUN_NONCE_HEX];
	json_t *obj = read_common(buf, len, got, err);
	long long p, v;
	bool present;
	int rc = -1;

	if (!obj)
		return -1;
	if (strcmp(got, nonce)) {
		sn_err_set(err, "an answer to another request (nonce %s)", got);
		goto out;
	}
	if (sn_json_ipaddr(obj, "addr", true, addr, &present, err) < 0 ||
	    sn_json_int(obj, "port", true, false, 1, 65535, &p, err) < 0 ||
	    sn_json_int(obj, "via", true, false, 1, 65535, &v, err) < 0)
		goto out;
	*port = (int)p;
	*via = (int)v;
	rc = 0;
out:
	json_decref(obj);
	return rc;
}
