/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Argument parsing for the semnet CLI: addresses, prefixes, numbers, names
 * and `keyword value` lists checked against a table. Pure functions with no
 * netlink and no global state, so the unit tests can drive them directly.
 *
 * Every parser that can fail writes a one-line message naming the bad
 * argument into err (without the "semnet: CMD: " prefix the caller adds).
 */
#ifndef SEMNET_CLI_PARSE_H
#define SEMNET_CLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <uapi/linux/semnet.h>

/* Room for any message the parsers write. */
#define SN_ERR_MAX 256

/*
 * A prefix: IPv4 (addr in network byte order, len 0..32) or, with family
 * AF_INET6, IPv6 (addr6, len 0..128). family 0 is IPv4 too.
 */
struct sn_prefix {
	uint32_t addr;
	uint8_t len;
	uint8_t family;
	struct in6_addr addr6;
};

/* An address of either family: v4 in network byte order, or v6. */
struct sn_inaddr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint32_t v4;
	struct in6_addr v6;
};

/*
 * A dotted quad: exactly four decimal octets 0..255, no leading zeros (they
 * would mean octal to inet_aton), nothing else. *be in network byte order.
 * Returns 0, or -EINVAL.
 */
int sn_parse_addr(const char *s, uint32_t *be);

/*
 * An IPv6 address in any form inet_pton takes ("fdff::1", "FDFF:0::1",
 * "::ffff:1.2.3.4"); no zone, no brackets, no prefix. 0 or -EINVAL.
 */
int sn_parse_addr6(const char *s, struct in6_addr *a);

/* A dotted quad or an IPv6 address: 0 or -EINVAL. */
int sn_parse_inaddr(const char *s, struct sn_inaddr *a);

/*
 * ADDR/LEN with LEN 0..32 (decimal, no leading zero) and the host bits of
 * ADDR zero. Returns 0, -EINVAL (syntax, bad address, bad length) or -EDOM
 * (host bits set). err (may be NULL) gets the reason only, e.g. "host bits
 * set (did you mean 172.16.0.0/26?)": the caller names the argument.
 */
int sn_parse_prefix(const char *s, struct sn_prefix *p, char *err, size_t errlen);
/* The same for IPv6: ADDR6/LEN with LEN 0..128 ("fc00::/7"). */
int sn_parse_prefix6(const char *s, struct sn_prefix *p, char *err, size_t errlen);
/* Either: IPv6 when it has a ':' before the '/'. */
int sn_parse_prefix_any(const char *s, struct sn_prefix *p, char *err, size_t errlen);

/* The netmask of a prefix length 0..32, in host byte order. */
uint32_t sn_prefix_mask(unsigned int len);

/*
 * A decimal number 0..max: digits only (no sign, spaces, hex or suffix).
 * Returns 0, -EINVAL (not a number) or -ERANGE (above max, also on
 * overflow of any width).
 */
int sn_parse_uint(const char *s, uint64_t max, uint64_t *v);

/*
 * A service name: 1..SEMNET_NAME_MAX-1 bytes of printable ASCII without
 * spaces (e.g. "app.ns.svc.ns"). Returns 0 or -EINVAL. Like the other
 * checks, err gets the reason only ("empty"); the caller quotes the value.
 */
int sn_check_name(const char *s, char *err, size_t errlen);

/* A policy name: 1..SEMNET_POLICY_NAME_MAX-1 of [a-z0-9_-]. */
int sn_check_policy(const char *s, char *err, size_t errlen);

/* An interface name: 1..IFNAMSIZ-1 bytes, no '/', ':' or whitespace. */
int sn_check_ifname(const char *s, char *err, size_t errlen);
/* Printable ASCII ("" too), shorter than @size bytes (0: any length). */
int sn_check_text(const char *s, size_t size, char *err, size_t errlen);

/*
 * Finds word in a NULL-terminated list of names: an exact match wins, else
 * a unique prefix of one name (abbreviation), where a name and its IPv6
 * twin count as one, the name ("plat" is platform, not platform6).
 * Returns the index, -ENOENT (no match) or -EAGAIN (ambiguous prefix).
 */
int sn_lookup(const char *const *names, const char *word);

/* Value types of a keyword. */
enum sn_kw_type {
	SN_KW_ADDR,	/* dotted quad */
	SN_KW_NODE,	/* dotted quad, or "local" (= 0.0.0.0) */
	SN_KW_PREFIX,	/* ADDR/LEN, host bits zero */
	SN_KW_U32,	/* decimal 0..UINT32_MAX */
	SN_KW_NAME,	/* service name */
	SN_KW_POLICY,	/* policy name */
	SN_KW_IFNAME,	/* interface name (resolved by the caller) */
	SN_KW_PORT,	/* decimal 1..65535 (into u32) */
	SN_KW_WORD,	/* one of the words in sn_kw.words (index into u32) */
	SN_KW_FLAG,	/* a word alone, without a value (n counts it) */
	/* A peer cost: decimal 0..SEMNET_PEER_COST_UNKNOWN-1, or "unknown" */
	SN_KW_COST,
	SN_KW_ADDR6,	/* an IPv6 address (into a struct in6_addr) */
	SN_KW_PREFIX6,	/* ADDR6/LEN, host bits zero */
	/*
	 * Either family: a dotted quad goes to the keyword's field (off,
	 * attr), an IPv6 address to its IPv6 one (off6, attr6).
	 */
	SN_KW_ADDR_ANY,
	SN_KW_PREFIX_ANY,	/* an IPv4 or IPv6 prefix (into a struct sn_kprefix) */
	SN_KW_TEXT,	/* printable ASCII, "" too, shorter than its char array field */
};

/* Keyword flags. */
#define SN_KW_REQUIRED	0x1	/* must be given */
#define SN_KW_MULTI	0x2	/* may repeat, up to SN_KW_VALUES_MAX times */
#define SN_KW_NONE	0x4	/* SN_KW_IFNAME: "none" stands for ifindex 0 */

/* A node's subnets: SEMNET_SUBNETS_MAX of each family. */
#define SN_KW_VALUES_MAX (2 * SEMNET_SUBNETS_MAX)

struct sn_kw {
	const char *name;
	enum sn_kw_type type;
	unsigned int flags;
	uint32_t min;		/* SN_KW_U32: smallest value accepted */
	const char *const *words;	/* SN_KW_WORD: NULL-terminated choices */
	/*
	 * Where the CLI stores the value (size 0: it does not, the command
	 * reads it itself): the field at off, of size bytes, of the object
	 * being built, and the bit attr of the object's present mask.
	 */
	int attr;
	size_t off;
	size_t size;
	/* SN_KW_ADDR_ANY: where an IPv6 value goes (a struct in6_addr). */
	int attr6;
	size_t off6;
};

/*
 * A row of a keyword table: SN_KW("port", SN_KW_PORT, 0, 0, NULL), then
 * optionally where the value goes: SN_KW_FIELD(struct sn_peer, port, ATTR).
 */
#define SN_KW(n, t, fl, mn, w) .name = (n), .type = (t), .flags = (fl), .min = (mn), .words = (w)
#define SN_KW_FIELD(st, member, bit) \
	.attr = (bit), .off = offsetof(st, member), .size = sizeof(((st *)0)->member)
#define SN_KW_FIELD6(st, member, bit) .attr6 = (bit), .off6 = offsetof(st, member)

union sn_val {
	uint32_t addr;		/* SN_KW_ADDR, SN_KW_NODE (network order) */
	struct sn_inaddr in;	/* SN_KW_ADDR6, SN_KW_ADDR_ANY */
	struct sn_prefix prefix;	/* SN_KW_PREFIX, _PREFIX6, _PREFIX_ANY */
	uint32_t u32;		/* also SN_KW_COST (unknown: the UAPI's value) */
	const char *str;	/* SN_KW_NAME, _POLICY, _IFNAME, _TEXT: points into argv */
};

/* What sn_parse_keywords found for one keyword of the table. */
struct sn_kwval {
	unsigned int n;		/* times given: 0 when absent */
	union sn_val v[SN_KW_VALUES_MAX];
};

/*
 * Parses argv as `keyword value` pairs (SN_KW_FLAG: the keyword alone)
 * against kw[0..nkw-1] into
 * out[0..nkw-1] (cleared first). Fails on an unknown or ambiguous keyword,
 * a missing or invalid value, a keyword given twice (or more often than
 * SN_KW_VALUES_MAX for SN_KW_MULTI, or with the same value twice) and a
 * missing SN_KW_REQUIRED one; with @optional, none is required.
 * Returns 0 or -EINVAL with the message in err.
 */
int sn_parse_keywords(const struct sn_kw *kw, size_t nkw, int argc,
		      char *const *argv, struct sn_kwval *out,
		      char *err, size_t errlen);
int sn_parse_keywords_opt(const struct sn_kw *kw, size_t nkw, bool optional, int argc,
			  char *const *argv, struct sn_kwval *out, char *err, size_t errlen);

/*
 * Splits one line of a batch file (semnet -batch) into words, in place:
 * words are separated by blanks (space, tab, CR, LF); a word that starts
 * with ' or " runs to the same quote (nothing is special inside, the
 * quotes are not part of the word) and must be followed by a blank or the
 * end; a # at the start of a word (outside quotes) comments out the rest
 * of the line. argv (room for max + 1) gets the words and a NULL. Returns
 * the number of words (0: a blank or comment line), or -EINVAL with the
 * reason in err (an unterminated quote, text right after a closing
 * quote, more than max words).
 */
int sn_split_words(char *line, char **argv, int max, char *err, size_t errlen);

/* How a keyword's value is written in messages and help: "PREFIX" etc. */
const char *sn_kw_meta(enum sn_kw_type type);

#endif /* SEMNET_CLI_PARSE_H */
