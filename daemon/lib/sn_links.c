// SPDX-License-Identifier: GPL-2.0
#include "sn_links.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sn_ipv4.h"
#include "sn_ipv6.h"

/* --- Names ------------------------------------------------------------- */

/* @names[@v] (@n entries), or "?" for a value outside the table. */
static const char *name_at(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

/* The index of @name among @names[@first..@last], or -1. */
static int index_of(const char *const *names, int first, int last, const char *name)
{
	for (int i = first; name && i <= last; i++)
		if (names[i] && !strcmp(name, names[i]))
			return i;
	return -1;
}

/*
 * @type's @name_fn (its name in @names, indexed by value; "?" outside it)
 * and @parse_fn (the value whose name is @name, among @first..@last only;
 * false and *@out untouched for any other).
 */
#define NAME_TABLE(type, names, name_fn, parse_fn, first, last)			const char *name_fn(type v)								{												return name_at(names, sizeof(names) / sizeof(names[0]), (unsigned int)v);	}																						bool parse_fn(const char *name, type *out)						{												int i = index_of(names, first, last, name);																	if (i >= 0)											*out = (type)i;									return i >= 0;									}

static const char *const kind_names[] = {
	[SN_LINK_NONE] = "none",
	[SN_LINK_DIRECT] = "direct",
	[SN_LINK_GRE_UDP] = "gre-udp",
	[SN_LINK_ENCRYPTED] = "encrypted",
	[SN_LINK_RELAY] = "relay",
	[SN_LINK_IPUDP] = "ipudp",
};

/* A link's kind parses from "direct" to "relay": "none" and "ipudp" are
 * not chosen by name. */
NAME_TABLE(enum sn_link_kind, kind_names, sn_link_kind_name, sn_link_kind_parse,
	   SN_LINK_DIRECT, SN_LINK_RELAY)

static const char *const nat_names[] = {
	[SN_NAT_NONE] = "none",
	[SN_NAT_EIM] = "eim",
	[SN_NAT_SYMMETRIC] = "symmetric",
};

NAME_TABLE(enum sn_link_nat, nat_names, sn_link_nat_name, sn_link_nat_parse,
	   SN_NAT_NONE, SN_NAT_SYMMETRIC)

static const char *const policy_names[] = {
	[SN_LINKS_AUTO] = "auto",
	[SN_LINKS_ENCRYPTED] = "encrypted",
	[SN_LINKS_GRE_UDP] = "gre-udp",
};

NAME_TABLE(enum sn_links_policy, policy_names, sn_links_policy_name, sn_links_policy_parse,
	   SN_LINKS_AUTO, SN_LINKS_GRE_UDP)

bool sn_link_prefix_parse(const char *text, struct sn_link_prefix *out)
{
	struct sn_prefix p4;
	struct sn_prefix6 p6;

	memset(out, 0, sizeof(*out));
	if (!text)
		return false;
	if (sn_prefix_parse(text, &p4)) {
		out->addr.family = AF_INET;
		out->addr.v4 = p4.addr;
		out->len = p4.len;
		return true;
	}
	if (sn_prefix6_parse(text, &p6)) {
		out->addr.family = AF_INET6;
		out->addr.v6 = p6.addr;
		out->len = p6.len;
		return true;
	}
	return false;
}

const char *sn_link_prefix_format(const struct sn_link_prefix *p, char out[SN_IPADDR_STRLEN + 4])
{
	char addr[SN_IPADDR_STRLEN];

	if (!sn_ipaddr_is_set(&p->addr)) {
		out[0] = '\0';
		return out;
	}
	snprintf(out, SN_IPADDR_STRLEN + 4, "%s/%u", sn_ipaddr_format(&p->addr, addr), p->len);
	return out;
}

bool sn_link_prefix_equal(const struct sn_link_prefix *a, const struct sn_link_prefix *b)
{
	return sn_ipaddr_is_set(&a->addr) && a->len == b->len &&
	       sn_ipaddr_equal(&a->addr, &b->addr);
}

bool sn_link_prefix_of(const struct sn_ipaddr *addr, unsigned int len, struct sn_link_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (addr->family == AF_INET && len <= 32) {
		out->addr = *addr;
		out->addr.v4 &= sn_prefix_mask(len);
	} else if (addr->family == AF_INET6 && len <= 128) {
		out->addr = *addr;
		sn_ipv6_mask(&out->addr.v6, len);
	} else {
		return false;
	}
	out->len = len;
	return true;
}

bool sn_link_prefix_contains(const struct sn_link_prefix *p, const struct sn_ipaddr *addr)
{
	struct sn_link_prefix of;

	return sn_ipaddr_is_set(&p->addr) && addr->family == p->addr.family &&
	       sn_link_prefix_of(addr, p->len, &of) && sn_ipaddr_equal(&of.addr, &p->addr);
}

static const char *id_of(const struct sn_link_node *n)
{
	return n->id ? n->id : "";
}

static void why(struct sn_link_choice *out, enum sn_link_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why(struct sn_link_choice *out, enum sn_link_kind kind, const char *fmt, ...)
{
	va_list ap;

	out->kind = kind;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

/* The first relay node by id: public, with link support, not @a or @b. */
static const struct sn_link_node *relay_of(const struct sn_links *links,
					   const struct sn_link_node *a,
					   const struct sn_link_node *b)
{
	const struct sn_link_node *best = NULL;

	for (size_t i = 0; i < links->n_nodes; i++) {
		const struct sn_link_node *n = &links->nodes[i];

		if (!n->relay || !n->has_link || n->nat != SN_NAT_NONE || !n->id)
			continue;
		if (!strcmp(n->id, id_of(a)) || !strcmp(n->id, id_of(b)))
			continue;
		if (!best || strcmp(n->id, best->id) < 0)
			best = n;
	}
	return best;
}

/* Relay via the first relay node, or encrypted when there is none. */
static void relay_or_encrypted(const struct sn_links *links, const struct sn_link_node *a,
			       const struct sn_link_node *b, const char *reason,
			       struct sn_link_choice *out)
{
	const struct sn_link_node *r = relay_of(links, a, b);

	if (r) {
		out->relay = r->id;
		why(out, SN_LINK_RELAY, "%s: relay via %s", reason, r->id);
	} else {
		why(out, SN_LINK_ENCRYPTED, "%s, but no relay node: encrypted", reason);
	}
}

static bool pair_is(const struct sn_link_override *o, const char *x, const char *y)
{
	return o->a && o->b &&
	       ((!strcmp(o->a, x) && !strcmp(o->b, y)) || (!strcmp(o->a, y) && !strcmp(o->b, x)));
}

void sn_link_kind(const struct sn_links *links, const struct sn_link_node *a,
		  const struct sn_link_node *b, struct sn_link_choice *out)
{
	char pa[SN_IPADDR_STRLEN + 4], addr[SN_IPADDR_STRLEN];

	memset(out, 0, sizeof(*out));
	/* Name the pair in id order, so both ends write the same text. */
	if (strcmp(id_of(a), id_of(b)) > 0) {
		const struct sn_link_node *t = a;

		a = b;
		b = t;
	}

	/*
	 * 0. A `link` this node cannot read: whatever it says, the other
	 * side supports links and may demand encryption, so no cleartext
	 * tunnel unless the cluster's policy is gre-udp.
	 */
	if (a->link_unreadable || b->link_unreadable) {
		const struct sn_link_node *n = a->link_unreadable ? a : b;

		if (links->policy == SN_LINKS_GRE_UDP)
			why(out, SN_LINK_GRE_UDP, "cluster policy gre-udp");
		else
			why(out, SN_LINK_NONE, "%s's link is unreadable here: no link rather than"
			    " cleartext under policy %s", id_of(n),
			    sn_links_policy_name(links->policy));
		return;
	}

	/* 1. No link support on one side: today's tunnel. */
	if (!a->has_link || !b->has_link) {
		char who[80];

		if (!a->has_link && !b->has_link)
			snprintf(who, sizeof(who), "neither has");
		else
			snprintf(who, sizeof(who), "%s has no", id_of(a->has_link ? b : a));
		if (a->ipudp || b->ipudp)
			why(out, SN_LINK_IPUDP, "%s link support (Oakestra node)", who);
		else
			why(out, SN_LINK_GRE_UDP, "%s link support (older semnet)", who);
		return;
	}

	/* 2. A cluster override for the pair. */
	for (size_t i = 0; i < links->n_overrides; i++) {
		const struct sn_link_override *o = &links->overrides[i];

		if (!pair_is(o, id_of(a), id_of(b)))
			continue;
		if (o->kind == SN_LINK_RELAY) {
			relay_or_encrypted(links, a, b, "cluster override relay", out);
			return;
		}
		if (o->kind >= SN_LINK_DIRECT && o->kind <= SN_LINK_ENCRYPTED) {
			why(out, o->kind, "cluster override for %s/%s", id_of(a), id_of(b));
			return;
		}
	}

	/* 3. A node's kind_override, the stronger of two. */
	if (a->kind_override != SN_LINK_NONE || b->kind_override != SN_LINK_NONE) {
		const struct sn_link_node *n = a->kind_override >= b->kind_override ? a : b;

		if (n->kind_override >= SN_LINK_DIRECT && n->kind_override <= SN_LINK_ENCRYPTED) {
			why(out, n->kind_override, "kind_override %s of %s",
			    sn_link_kind_name(n->kind_override), id_of(n));
			return;
		}
	}

	/* 4. The cluster's policy. */
	if (links->policy == SN_LINKS_GRE_UDP) {
		why(out, SN_LINK_GRE_UDP, "cluster policy gre-udp");
		return;
	}

	/* 5. One segment. */
	if (links->policy == SN_LINKS_AUTO &&
	    sn_link_prefix_equal(&a->underlay_prefix, &b->underlay_prefix)) {
		sn_link_prefix_format(&a->underlay_prefix, pa);
		if (a->nat == SN_NAT_NONE && b->nat == SN_NAT_NONE) {
			why(out, SN_LINK_DIRECT, "same underlay %s, no NAT", pa);
			return;
		}
		if (a->nat != SN_NAT_NONE && b->nat != SN_NAT_NONE &&
		    sn_ipaddr_is_set(&a->public_addr) &&
		    sn_ipaddr_equal(&a->public_addr, &b->public_addr)) {
			why(out, SN_LINK_DIRECT, "same underlay %s behind one NAT %s", pa,
			    sn_ipaddr_format(&a->public_addr, addr));
			return;
		}
	}

	/* 6. A symmetric NAT facing a node that is not public. */
	if (a->nat != SN_NAT_NONE && b->nat != SN_NAT_NONE &&
	    (a->nat == SN_NAT_SYMMETRIC || b->nat == SN_NAT_SYMMETRIC)) {
		char reason[96];

		snprintf(reason, sizeof(reason), "%s behind symmetric NAT, %s behind %s NAT",
			 a->nat == SN_NAT_SYMMETRIC ? id_of(a) : id_of(b),
			 a->nat == SN_NAT_SYMMETRIC ? id_of(b) : id_of(a),
			 sn_link_nat_name(a->nat == SN_NAT_SYMMETRIC ? b->nat : a->nat));
		relay_or_encrypted(links, a, b, reason, out);
		return;
	}

	/* 7. Two NATs that cannot both be aimed at (sn_links.h). */
	if (a->nat != SN_NAT_NONE && b->nat != SN_NAT_NONE &&
	    !(a->port_preserved && b->port_preserved)) {
		char reason[96];

		if (!a->port_preserved && !b->port_preserved)
			snprintf(reason, sizeof(reason), "neither %s's nor %s's NAT keeps ports",
				 id_of(a), id_of(b));
		else
			snprintf(reason, sizeof(reason), "%s's NAT does not keep ports, %s is behind "
				 "NAT too", id_of(a->port_preserved ? b : a),
				 id_of(a->port_preserved ? a : b));
		relay_or_encrypted(links, a, b, reason, out);
		return;
	}

	/* 8. */
	if (links->policy == SN_LINKS_ENCRYPTED)
		why(out, SN_LINK_ENCRYPTED, "cluster policy encrypted");
	else
		why(out, SN_LINK_ENCRYPTED, "different underlays or NATs");
}

/* --- A node's `link` object -------------------------------------------- */

void sn_link_key_to_base64(const uint8_t key[SN_LINK_KEY_LEN], char out[SN_LINK_KEY_B64_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)out, key, SN_LINK_KEY_LEN);
	out[SN_LINK_KEY_B64_LEN] = '\0';
}

bool sn_link_key_from_base64(const char *text, uint8_t key[SN_LINK_KEY_LEN])
{
	unsigned char raw[SN_LINK_KEY_LEN + 3];
	char again[SN_LINK_KEY_B64_LEN + 1];
	bool ok;

	/* 32 bytes are 43 characters and one '='; EVP_DecodeBlock counts the
	 * padding's zero byte too (33). */
	if (!text || strlen(text) != SN_LINK_KEY_B64_LEN ||
	    text[SN_LINK_KEY_B64_LEN - 1] != '=' || text[SN_LINK_KEY_B64_LEN - 2] == '=')
		return false;
	if (EVP_DecodeBlock(raw, (const unsigned char *)text, SN_LINK_KEY_B64_LEN) !=
	    SN_LINK_KEY_LEN + 1)
		return false;
	/* Canonical only (the last character's unused bits zero), so one
	 * key has one text. */
	sn_link_key_to_base64(raw, again);
	ok = !strcmp(again, text);
	if (ok)
		memcpy(key, raw, SN_LINK_KEY_LEN);
	explicit_bzero(raw, sizeof(raw));
	return ok;
}

/* nat, public_addr and port_preserved (endpoint discovery's result):
 * all three or none. */
static int read_nat(json_t *obj, struct sn_link_info *out, struct sn_err *err)
{
	static const char *const names[] = { "nat", "public_addr", "port_preserved" };
	json_t *v[3];
	int given = 0;
	const char *unfit;

	for (int i = 0; i < 3; i++) {
		v[i] = json_object_get(obj, names[i]);
		if (v[i] && json_is_null(v[i]))
			v[i] = NULL;
		given += v[i] != NULL;
	}
	if (given == 0)
		return 0;
	if (given < 3) {
		for (int i = 0; i < 3; i++)
			if (!v[i]) {
				sn_err_set(err, "link: field '%s' is required with '%s'", names[i],
					   names[v[0] ? 0 : v[1] ? 1 : 2]);
				return -1;
			}
	}
	if (!json_is_string(v[0]) || strlen(json_string_value(v[0])) != json_string_length(v[0]) ||
	    !sn_link_nat_parse(json_string_value(v[0]), &out->nat)) {
		sn_err_set(err, "link: field 'nat' must be \"none\", \"eim\" or \"symmetric\"");
		return -1;
	}
	if (!json_is_string(v[1]) || strlen(json_string_value(v[1])) != json_string_length(v[1]) ||
	    !sn_ipaddr_parse(json_string_value(v[1]), &out->public_addr)) {
		sn_err_set(err, "link: field 'public_addr' is not an IPv4 or IPv6 address");
		memset(&out->public_addr, 0, sizeof(out->public_addr));
		out->nat = SN_NAT_NONE;
		return -1;
	}
	if ((unfit = sn_ipaddr_underlay_unfit(&out->public_addr))) {
		sn_err_set(err, "link: field 'public_addr' cannot be a node's address: %s", unfit);
		memset(&out->public_addr, 0, sizeof(out->public_addr));
		out->nat = SN_NAT_NONE;
		return -1;
	}
	if (!json_is_boolean(v[2])) {
		sn_err_set(err, "link: field 'port_preserved' must be true or false");
		memset(&out->public_addr, 0, sizeof(out->public_addr));
		out->nat = SN_NAT_NONE;
		return -1;
	}
	out->port_preserved = json_is_true(v[2]);
	out->has_nat = true;
	return 0;
}

int sn_link_info_read(json_t *obj, struct sn_link_info *out, struct sn_err *err)
{
	const char *key, *next, *prefix, *kind;
	long long port = 0;
	json_t *relay;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj)) {
		sn_err_set(err, "link: must be an object");
		return -1;
	}
	if (sn_json_str(obj, "wg_key", false, SN_LINK_KEY_B64_LEN + 1, &key, err) < 0 ||
	    sn_json_int(obj, "wg_port", false, false, 1, 65535, &port, err) < 0 ||
	    sn_json_str(obj, "wg_key_next", false, SN_LINK_KEY_B64_LEN + 1, &next, err) < 0 ||
	    sn_json_str(obj, "underlay_prefix", false, SN_IPADDR_STRLEN + 4, &prefix, err) < 0 ||
	    sn_json_str(obj, "kind_override", false, 15, &kind, err) < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		sn_err_set(err, "link: %s", why);
		return -1;
	}
	/* WireGuard's key and port come together or not at all. */
	if (!key != !port) {
		sn_err_set(err, "link: field '%s' is required with '%s'", key ? "wg_port" : "wg_key",
			   key ? "wg_key" : "wg_port");
		return -1;
	}
	if (key && !sn_link_key_from_base64(key, out->wg_key)) {
		sn_err_set(err, "link: field 'wg_key' is not the base64 of a %d-byte key",
			   SN_LINK_KEY_LEN);
		return -1;
	}
	out->has_wg_key = key != NULL;
	out->wg_port = (int)port;
	if (next && !key) {
		memset(out, 0, sizeof(*out));
		sn_err_set(err, "link: field 'wg_key' is required with 'wg_key_next'");
		return -1;
	}
	if (next && !sn_link_key_from_base64(next, out->wg_key_next)) {
		memset(out, 0, sizeof(*out));
		sn_err_set(err, "link: field 'wg_key_next' is not the base64 of a %d-byte key",
			   SN_LINK_KEY_LEN);
		return -1;
	}
	/* The next key the same as the current: no rotation. */
	out->has_wg_key_next = next && memcmp(out->wg_key_next, out->wg_key, SN_LINK_KEY_LEN);
	if (!out->has_wg_key_next)
		memset(out->wg_key_next, 0, SN_LINK_KEY_LEN);
	if (prefix && !sn_link_prefix_parse(prefix, &out->underlay_prefix)) {
		sn_err_set(err, "link: field 'underlay_prefix' is not a prefix (address/length, "
			   "host bits zero)");
		return -1;
	}
	if (kind && (!sn_link_kind_parse(kind, &out->kind_override) ||
		     out->kind_override == SN_LINK_RELAY)) {
		sn_err_set(err, "link: field 'kind_override' must be \"direct\", \"gre-udp\" or "
			   "\"encrypted\"");
		return -1;
	}
	relay = json_object_get(obj, "relay");
	if (relay && !json_is_null(relay)) {
		if (!json_is_boolean(relay)) {
			sn_err_set(err, "link: field 'relay' must be true or false");
			return -1;
		}
		out->relay = json_is_true(relay);
	}
	return read_nat(obj, out, err);
}

json_t *sn_link_info_json(const struct sn_link_info *info)
{
	char key[SN_LINK_KEY_B64_LEN + 1], next[SN_LINK_KEY_B64_LEN + 1];
	char prefix[SN_IPADDR_STRLEN + 4], addr[SN_IPADDR_STRLEN];
	bool has_next = info->has_wg_key && info->has_wg_key_next;
	json_t *obj = json_object();

	if (!obj)
		return NULL;
	if (info->has_wg_key)
		sn_link_key_to_base64(info->wg_key, key);
	if (has_next)
		sn_link_key_to_base64(info->wg_key_next, next);
	if ((info->has_wg_key &&
	     (json_object_set_new(obj, "wg_key", json_string(key)) < 0 ||
	      json_object_set_new(obj, "wg_port", json_integer(info->wg_port)) < 0)) ||
	    (has_next && json_object_set_new(obj, "wg_key_next", json_string(next)) < 0) ||
	    (sn_ipaddr_is_set(&info->underlay_prefix.addr) &&
	     json_object_set_new(obj, "underlay_prefix",
				 json_string(sn_link_prefix_format(&info->underlay_prefix, prefix))) < 0) ||
	    (info->kind_override != SN_LINK_NONE &&
	     json_object_set_new(obj, "kind_override",
				 json_string(sn_link_kind_name(info->kind_override))) < 0) ||
	    (info->relay && json_object_set_new(obj, "relay", json_true()) < 0) ||
	    (info->has_nat &&
	     (json_object_set_new(obj, "nat", json_string(sn_link_nat_name(info->nat))) < 0 ||
	      json_object_set_new(obj, "public_addr",
				  json_string(sn_ipaddr_format(&info->public_addr, addr))) < 0 ||
	      json_object_set_new(obj, "port_preserved",
				  json_boolean(info->port_preserved)) < 0))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

bool sn_link_info_equal(const struct sn_link_info *a, const struct sn_link_info *b)
{
	bool pa = sn_ipaddr_is_set(&a->underlay_prefix.addr);
	bool pb = sn_ipaddr_is_set(&b->underlay_prefix.addr);

	return a->has_wg_key == b->has_wg_key &&
	       (!a->has_wg_key || (!memcmp(a->wg_key, b->wg_key, SN_LINK_KEY_LEN) &&
				   a->wg_port == b->wg_port &&
				   a->has_wg_key_next == b->has_wg_key_next &&
				   (!a->has_wg_key_next ||
				    !memcmp(a->wg_key_next, b->wg_key_next, SN_LINK_KEY_LEN)))) &&
	       pa == pb && (!pa || sn_link_prefix_equal(&a->underlay_prefix, &b->underlay_prefix)) &&
	       a->kind_override == b->kind_override && a->relay == b->relay &&
	       a->has_nat == b->has_nat &&
	       (!a->has_nat || (a->nat == b->nat && a->port_preserved == b->port_preserved &&
				sn_ipaddr_equal(&a->public_addr, &b->public_addr)));
}
