// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing for the semnet CLI; see parse.h. Strict on purpose: a
 * typo must be an error that names the argument, never a silent default.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Parses up to 3 decimal digits without leading zeros into 0..255. */
static const char *parse_octet(const char *s, unsigned int *octet)
{
	unsigned int v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (digits == 3 || (digits == 1 && v == 0))
			return NULL;	/* too long, or a leading zero */
		v = v * 10 + (unsigned int)(*s - '0');
		digits++;
		s++;
	}
	if (!digits || v > 255)
		return NULL;
	*octet = v;
	return s;
}

int sn_parse_addr(const char *s, uint32_t *be)
{
	uint32_t host = 0;
	unsigned int octet;
	int i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		s = parse_octet(s, &octet);
		if (!s)
			return -EINVAL;
		host = host << 8 | octet;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*be = htonl(host);
	return 0;
}

int sn_parse_addr6(const char *s, struct in6_addr *a)
{
	/* inet_pton takes hex, colons and a trailing dotted quad, nothing else. */
	if (!s || !strchr(s, ':') || inet_pton(AF_INET6, s, a) != 1)
		return -EINVAL;
	return 0;
}

int sn_parse_inaddr(const char *s, struct sn_inaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (sn_parse_addr(s, &a->v4) == 0) {
		a->family = AF_INET;
		return 0;
	}
	if (sn_parse_addr6(s, &a->v6) == 0) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

uint32_t sn_prefix_mask(unsigned int len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return 0xffffffffu;
	return ~((1u << (32 - len)) - 1);
}

int sn_parse_prefix(const char *s, struct sn_prefix *p, char *err, size_t errlen)
{
	char addr[sizeof("255.255.255.255")];
	const char *slash;
	uint64_t len;
	uint32_t be, host, mask;
	char net[INET_ADDRSTRLEN];
	struct in_addr in;

	if (!s) {
		set_err(err, errlen, "missing prefix");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	if (!slash) {
		set_err(err, errlen, "no /LEN (like 172.16.0.0/26)");
		return -EINVAL;
	}
	if ((size_t)(slash - s) >= sizeof(addr) ||
	    (memcpy(addr, s, (size_t)(slash - s)), addr[slash - s] = '\0',
	     sn_parse_addr(addr, &be) < 0)) {
		set_err(err, errlen, "bad address");
		return -EINVAL;
	}
	/* The length: decimal 0..32, no leading zero, no sign. */
	if (sn_parse_uint(slash + 1, 32, &len) < 0 ||
	    (slash[1] == '0' && slash[2] != '\0')) {
		set_err(err, errlen, "length must be 0..32");
		return -EINVAL;
	}
	mask = sn_prefix_mask((unsigned int)len);
	host = ntohl(be);
	if (host & ~mask) {
		in.s_addr = htonl(host & mask);
		inet_ntop(AF_INET, &in, net, sizeof(net));
		set_err(err, errlen, "host bits set (did you mean %s/%u?)",
			net, (unsigned int)len);
		return -EDOM;
	}
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->addr = be;
	p->len = (uint8_t)len;
	return 0;
}

int sn_parse_prefix6(const char *s, struct sn_prefix *p, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	struct in6_addr a, masked;
	const char *slash;
	uint64_t len;

	if (!s) {
		set_err(err, errlen, "missing prefix");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	if (!slash) {
		set_err(err, errlen, "no /LEN (like fc00::/7)");
		return -EINVAL;
	}
	if ((size_t)(slash - s) >= sizeof(addr) ||
	    (memcpy(addr, s, (size_t)(slash - s)), addr[slash - s] = '\0',
	     sn_parse_addr6(addr, &a) < 0)) {
		set_err(err, errlen, "bad address");
		return -EINVAL;
	}
	if (sn_parse_uint(slash + 1, 128, &len) < 0 ||
	    (slash[1] == '0' && slash[2] != '\0')) {
		set_err(err, errlen, "length must be 0..128");
		return -EINVAL;
	}
	masked = a;
	for (unsigned int bit = (unsigned int)len; bit < 128; bit++)
		masked.s6_addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	if (memcmp(&masked, &a, sizeof(a))) {
		inet_ntop(AF_INET6, &masked, net, sizeof(net));
		set_err(err, errlen, "host bits set (did you mean %s/%u?)",
			net, (unsigned int)len);
		return -EDOM;
	}
	memset(p, 0, sizeof(*p));
	p->family = AF_INET6;
	p->addr6 = a;
	p->len = (uint8_t)len;
	return 0;
}

int sn_parse_prefix_any(const char *s, struct sn_prefix *p, char *err, size_t errlen)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	const char *colon = s ? strchr(s, ':') : NULL;

	if (colon && (!slash || colon < slash))
		return sn_parse_prefix6(s, p, err, errlen);
	return sn_parse_prefix(s, p, err, errlen);
}

int sn_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	unsigned int d;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		/* Stop before n * 10 + d can exceed max (or wrap). */
		if (d > max || n > (max - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

int sn_check_name(const char *s, char *err, size_t errlen)
{
	size_t len = s ? strlen(s) : 0;
	const char *c;

	if (!len) {
		set_err(err, errlen, "empty");
		return -EINVAL;
	}
	if (len >= SEMNET_NAME_MAX) {
		set_err(err, errlen, "longer than %d bytes", SEMNET_NAME_MAX - 1);
		return -EINVAL;
	}
	for (c = s; *c; c++) {
		if (*c <= ' ' || *c >= 0x7f) {
			set_err(err, errlen, "only printable ASCII without spaces");
			return -EINVAL;
		}
	}
	return 0;
}

int sn_check_policy(const char *s, char *err, size_t errlen)
{
	size_t len = s ? strlen(s) : 0;
	const char *c;

	if (!len || len >= SEMNET_POLICY_NAME_MAX) {
		set_err(err, errlen, "1 to %d of a-z, 0-9, - and _, like rr or random",
			SEMNET_POLICY_NAME_MAX - 1);
		return -EINVAL;
	}
	for (c = s; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_')) {
			set_err(err, errlen, "1 to %d of a-z, 0-9, - and _, like rr or random",
				SEMNET_POLICY_NAME_MAX - 1);
			return -EINVAL;
		}
	}
	return 0;
}

int sn_check_ifname(const char *s, char *err, size_t errlen)
{
	size_t len = s ? strlen(s) : 0;
	const char *c;

	if (!len || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, "..")) {
		set_err(err, errlen, "1 to %d bytes, not . or ..", IFNAMSIZ - 1);
		return -EINVAL;
	}
	for (c = s; *c; c++) {
		if (*c == '/' || *c == ':' || *c <= ' ' || *c >= 0x7f) {
			set_err(err, errlen, "no /, : or whitespace");
			return -EINVAL;
		}
	}
	return 0;
}

int sn_check_text(const char *s, size_t size, char *err, size_t errlen)
{
	if (size && strlen(s) >= size) {
		set_err(err, errlen, "at most %zu bytes", size - 1);
		return -EINVAL;
	}
	for (const char *c = s; *c; c++) {
		if (*c < ' ' || *c >= 0x7f) {
			set_err(err, errlen, "printable ASCII only");
			return -EINVAL;
		}
	}
	return 0;
}

/* Is @six @name with a 6 at the end? */
static bool is_twin(const char *name, const char *six)
{
	size_t n = strlen(name);

	return !strncmp(name, six, n) && !strcmp(six + n, "6");
}

int sn_lookup(const char *const *names, const char *word)
{
	size_t len = strlen(word);
	int i, found = -ENOENT;

	if (!len)
		return -ENOENT;
	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], word))
			return i;
	/*
	 * A unique prefix, where a name and its IPv6 twin (platform,
	 * platform6) count as one, the IPv4 name: a twin never makes its IPv4
	 * keyword's abbreviations ambiguous.
	 */
	for (i = 0; names[i]; i++) {
		if (strncmp(names[i], word, len))
			continue;
		if (found >= 0 && is_twin(names[found], names[i]))
			continue;
		if (found >= 0 && !is_twin(names[i], names[found]))
			return -EAGAIN;
		found = i;
	}
	return found;
}

/*
 * How each type of value is written in messages and help ("PREFIX"), and
 * what a keyword of that type wants ("a prefix like 172.16.0.0/26").
 */
static const struct {
	const char *meta;
	const char *wants;
} kw_types[] = {
	[SN_KW_ADDR] = { "ADDR", "an address like 172.30.0.10" },
	[SN_KW_NODE] = { "ADDR", "an address like 192.168.1.2 (or \"local\")" },
	[SN_KW_PREFIX] = { "PREFIX", "a prefix like 172.16.0.0/26" },
	[SN_KW_U32] = { "N", "a number" },
	[SN_KW_NAME] = { "NAME", "a name like app.ns.svc.ns" },
	[SN_KW_POLICY] = { "POLICY", "a policy like rr or random" },
	[SN_KW_IFNAME] = { "IFNAME", "an interface name like br0" },
	[SN_KW_PORT] = { "PORT", "a port number 1..65535" },
	[SN_KW_WORD] = { "WORD", "one of its words" },
	[SN_KW_FLAG] = { "", "nothing" },
	[SN_KW_COST] = { "N|unknown", "a number or \"unknown\"" },
	[SN_KW_ADDR6] = { "ADDR6", "an IPv6 address like fc00::101" },
	[SN_KW_PREFIX6] = { "PREFIX6", "an IPv6 prefix like fc00::/7" },
	[SN_KW_ADDR_ANY] = { "ADDR", "an address like 172.16.0.2 or fc00::102" },
	[SN_KW_PREFIX_ANY] = { "PREFIX", "a prefix like 172.16.0.0/26 or fc00::100/120" },
	[SN_KW_TEXT] = { "TEXT", "printable text" },
};

const char *sn_kw_meta(enum sn_kw_type type)
{
	return (size_t)type < ARRAY_SIZE(kw_types) ? kw_types[type].meta : "VALUE";
}

static const char *kw_wants(enum sn_kw_type type)
{
	return (size_t)type < ARRAY_SIZE(kw_types) ? kw_types[type].wants : "a value";
}

/* Two values of one keyword: the same? (A repeated subnet is a typo.) */
static bool same_value(enum sn_kw_type type, const union sn_val *a, const union sn_val *b)
{
	switch (type) {
	case SN_KW_PREFIX:
	case SN_KW_PREFIX6:
	case SN_KW_PREFIX_ANY:
		return a->prefix.family == b->prefix.family && a->prefix.len == b->prefix.len &&
		       (a->prefix.family == AF_INET6 ?
			!memcmp(&a->prefix.addr6, &b->prefix.addr6, sizeof(a->prefix.addr6)) :
			a->prefix.addr == b->prefix.addr);
	case SN_KW_ADDR6:
	case SN_KW_ADDR_ANY:
		return a->in.family == b->in.family &&
		       (a->in.family == AF_INET6 ? !memcmp(&a->in.v6, &b->in.v6, sizeof(a->in.v6)) :
			a->in.v4 == b->in.v4);
	case SN_KW_NAME:
	case SN_KW_POLICY:
	case SN_KW_IFNAME:
	case SN_KW_TEXT:
		return !strcmp(a->str, b->str);
	default:
		return a->u32 == b->u32;
	}
}

static int parse_value(const struct sn_kw *kw, const char *arg, union sn_val *v,
		       char *err, size_t errlen)
{
	char why[SN_ERR_MAX];
	const char *what;
	uint64_t n;
	int ret;

	switch (kw->type) {
	case SN_KW_NODE:
		if (!strcmp(arg, "local")) {
			v->addr = 0;
			return 0;
		}
		/* fall through */
	case SN_KW_ADDR:
		if (sn_parse_addr(arg, &v->addr) < 0) {
			set_err(err, errlen, "invalid address \"%s\" for \"%s\"%s", arg, kw->name,
				strchr(arg, ':') ? " (IPv4 only here)" : "");
			return -EINVAL;
		}
		return 0;
	case SN_KW_ADDR6:
		memset(&v->in, 0, sizeof(v->in));
		if (sn_parse_addr6(arg, &v->in.v6) < 0) {
			set_err(err, errlen, "invalid IPv6 address \"%s\" for \"%s\"%s", arg,
				kw->name, strchr(arg, ':') ? "" : " (IPv4 has its own keyword)");
			return -EINVAL;
		}
		v->in.family = AF_INET6;
		return 0;
	case SN_KW_ADDR_ANY:
		if (sn_parse_inaddr(arg, &v->in) < 0) {
			set_err(err, errlen, "invalid address \"%s\" for \"%s\"", arg, kw->name);
			return -EINVAL;
		}
		return 0;
	case SN_KW_PREFIX:
	case SN_KW_PREFIX6:
	case SN_KW_PREFIX_ANY:
		if (!strchr(arg, '/')) {
			set_err(err, errlen, "\"%s\" needs %s, not \"%s\"",
				kw->name, kw_wants(kw->type), arg);
			return -EINVAL;
		}
		if (kw->type == SN_KW_PREFIX && strchr(arg, ':')) {
			set_err(err, errlen, "\"%s\" needs %s, not \"%s\" (IPv4 only here)",
				kw->name, kw_wants(kw->type), arg);
			return -EINVAL;
		}
		if (kw->type == SN_KW_PREFIX6 && !strchr(arg, ':')) {
			set_err(err, errlen, "\"%s\" needs %s, not \"%s\" (IPv4 has its own keyword)",
				kw->name, kw_wants(kw->type), arg);
			return -EINVAL;
		}
		ret = kw->type == SN_KW_PREFIX ? sn_parse_prefix(arg, &v->prefix, why, sizeof(why)) :
		      kw->type == SN_KW_PREFIX6 ? sn_parse_prefix6(arg, &v->prefix, why, sizeof(why)) :
		      sn_parse_prefix_any(arg, &v->prefix, why, sizeof(why));
		if (ret < 0) {
			set_err(err, errlen, "invalid prefix \"%s\" for \"%s\": %s",
				arg, kw->name, why);
			return -EINVAL;
		}
		return 0;
	case SN_KW_U32:
		ret = sn_parse_uint(arg, UINT32_MAX, &n);
		if (ret == -ERANGE) {
			set_err(err, errlen, "number \"%s\" for \"%s\" is out of range (at most %u)",
				arg, kw->name, UINT32_MAX);
			return -EINVAL;
		}
		if (ret < 0) {
			set_err(err, errlen, "invalid number \"%s\" for \"%s\"", arg, kw->name);
			return -EINVAL;
		}
		if (n < kw->min) {
			set_err(err, errlen, "number \"%s\" for \"%s\" is out of range (at least %u)",
				arg, kw->name, kw->min);
			return -EINVAL;
		}
		v->u32 = (uint32_t)n;
		return 0;
	case SN_KW_COST:
		if (!strcmp(arg, "unknown")) {
			v->u32 = SEMNET_PEER_COST_UNKNOWN;
			return 0;
		}
		ret = sn_parse_uint(arg, SEMNET_PEER_COST_UNKNOWN - 1, &n);
		if (ret == -ERANGE) {
			set_err(err, errlen, "number \"%s\" for \"%s\" is out of range (at most %u, or \"unknown\")",
				arg, kw->name, SEMNET_PEER_COST_UNKNOWN - 1);
			return -EINVAL;
		}
		if (ret < 0) {
			set_err(err, errlen, "invalid %s \"%s\" (a number or \"unknown\")",
				kw->name, arg);
			return -EINVAL;
		}
		v->u32 = (uint32_t)n;
		return 0;
	case SN_KW_PORT:
		if (sn_parse_uint(arg, 65535, &n) < 0 || n == 0) {
			set_err(err, errlen, "invalid port \"%s\" for \"%s\" (1..65535)",
				arg, kw->name);
			return -EINVAL;
		}
		v->u32 = (uint32_t)n;
		return 0;
	case SN_KW_WORD:
		ret = kw->words ? sn_lookup(kw->words, arg) : -ENOENT;
		if (ret < 0) {
			char list[SN_ERR_MAX] = "";
			size_t used = 0, i;

			for (i = 0; kw->words && kw->words[i] && used < sizeof(list); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 i ? ", " : "", kw->words[i]);
			set_err(err, errlen, "invalid %s \"%s\" (one of: %s)", kw->name, arg, list);
			return -EINVAL;
		}
		v->u32 = (uint32_t)ret;
		return 0;
	case SN_KW_NAME:
		ret = sn_check_name(arg, why, sizeof(why));
		what = "name";
		break;
	case SN_KW_POLICY:
		ret = sn_check_policy(arg, why, sizeof(why));
		what = "policy";
		break;
	case SN_KW_IFNAME:
		ret = sn_check_ifname(arg, why, sizeof(why));
		what = "interface name";
		break;
	case SN_KW_TEXT:
		ret = sn_check_text(arg, kw->size, why, sizeof(why));
		what = "text";
		break;
	default:
		ret = -EINVAL;
		snprintf(why, sizeof(why), "bad keyword type");
		what = "value";
		break;
	}
	if (ret < 0) {
		/* A 127-byte name would drown the message: quote its start. */
		set_err(err, errlen, "invalid %s \"%.40s%s\" for \"%s\": %s", what, arg,
			strlen(arg) > 40 ? "..." : "", kw->name, why);
		return ret;
	}
	v->str = arg;
	return 0;
}

int sn_parse_keywords_opt(const struct sn_kw *kw, size_t nkw, bool optional, int argc,
			  char *const *argv, struct sn_kwval *out, char *err, size_t errlen)
{
	const char *names[32];
	char twice[SN_ERR_MAX] = "";
	union sn_val val;
	unsigned int j;
	size_t i;
	int a, k;

	if (nkw >= sizeof(names) / sizeof(names[0])) {
		set_err(err, errlen, "too many keywords in table");
		return -EINVAL;
	}
	for (i = 0; i < nkw; i++)
		names[i] = kw[i].name;
	names[nkw] = NULL;
	memset(out, 0, nkw * sizeof(*out));

	for (a = 0; a < argc; a += 2) {
		k = sn_lookup(names, argv[a]);
		if (k == -EAGAIN) {
			char list[SN_ERR_MAX] = "";
			size_t len = strlen(argv[a]), used = 0;

			for (i = 0; i < nkw && used < sizeof(list); i++)
				if (!strncmp(kw[i].name, argv[a], len))
					used += (size_t)snprintf(list + used, sizeof(list) - used,
								 "%s%s", used ? ", " : "",
								 kw[i].name);
			set_err(err, errlen, "ambiguous keyword \"%s\" (%s)", argv[a], list);
			return -EINVAL;
		}
		if (k < 0) {
			set_err(err, errlen, "unknown keyword \"%s\"", argv[a]);
			return -EINVAL;
		}
		if (kw[k].type != SN_KW_FLAG && a + 1 >= argc) {
			set_err(err, errlen, "\"%s\" needs %s", kw[k].name,
				kw_wants(kw[k].type));
			return -EINVAL;
		}
		if (out[k].n && !(kw[k].flags & SN_KW_MULTI)) {
			set_err(err, errlen, "\"%s\" given twice", kw[k].name);
			return -EINVAL;
		}
		/* SN_KW_PREFIX_ANY: SEMNET_SUBNETS_MAX of each family, below. */
		if (kw[k].type != SN_KW_PREFIX_ANY && out[k].n >= SEMNET_SUBNETS_MAX) {
			set_err(err, errlen, "too many \"%s\" (at most %d)", kw[k].name,
				SEMNET_SUBNETS_MAX);
			return -EINVAL;
		}
		if (kw[k].type == SN_KW_FLAG) {
			out[k].n++;
			a--;	/* no value: the next word is a keyword */
			continue;
		}
		if (parse_value(&kw[k], argv[a + 1], &val, err, errlen) < 0)
			return -EINVAL;
		if (kw[k].type == SN_KW_PREFIX_ANY) {
			unsigned int same = 0;

			for (j = 0; j < out[k].n; j++)
				same += out[k].v[j].prefix.family == val.prefix.family;
			if (same >= SEMNET_SUBNETS_MAX) {
				set_err(err, errlen, "too many %s \"%s\" (at most %d of each family)",
					val.prefix.family == AF_INET6 ? "IPv6" : "IPv4",
					kw[k].name, SEMNET_SUBNETS_MAX);
				return -EINVAL;
			}
		}
		/* Both families' limits keep n below SN_KW_VALUES_MAX. */
		out[k].v[out[k].n] = val;
		/* The same value twice: said after the missing keywords. */
		for (j = 0; j < out[k].n && !twice[0]; j++)
			if (same_value(kw[k].type, &out[k].v[j], &out[k].v[out[k].n]))
				snprintf(twice, sizeof(twice), "%s %s given twice", kw[k].name,
					 argv[a + 1]);
		out[k].n++;
	}
	for (i = 0; i < nkw; i++) {
		if ((kw[i].flags & SN_KW_REQUIRED) && !optional && !out[i].n) {
			set_err(err, errlen, "missing \"%s%s%s\"", kw[i].name,
				kw[i].type == SN_KW_FLAG ? "" : " ",
				sn_kw_meta(kw[i].type));
			return -EINVAL;
		}
	}
	if (twice[0]) {
		set_err(err, errlen, "%s", twice);
		return -EINVAL;
	}
	return 0;
}

int sn_parse_keywords(const struct sn_kw *kw, size_t nkw, int argc,
		      char *const *argv, struct sn_kwval *out,
		      char *err, size_t errlen)
{
	return sn_parse_keywords_opt(kw, nkw, false, argc, argv, out, err, errlen);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sn_split_words(char *line, char **argv, int max, char *err, size_t errlen)
{
	char *p = line, *end;
	int argc = 0;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (argc >= max) {
			set_err(err, errlen, "more than %d words", max);
			return -EINVAL;
		}
		if (*p == '\'' || *p == '"') {
			end = strchr(p + 1, *p);
			if (!end) {
				set_err(err, errlen, "no closing %c", *p);
				return -EINVAL;
			}
			argv[argc++] = p + 1;
			*end++ = '\0';
			if (*end && !is_blank(*end)) {
				set_err(err, errlen, "text right after a closing quote");
				return -EINVAL;
			}
			p = end;
			continue;
		}
		argv[argc++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
