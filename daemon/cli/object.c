// SPDX-License-Identifier: GPL-2.0
/*
 * The commands every object has alike, written once: add and change build
 * the object from its key and keywords (each keyword's table row says which
 * field and attribute it fills), del sends the key, show gets one object or
 * dumps them all and prints the list sorted, flush sends a filter. What
 * differs between objects is data, in their struct sn_object (cli.h);
 * commands that are an object's own (peer set, node show) stay in its file.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The keywords' bits are set in the mask every object struct starts with. */
_Static_assert(offsetof(struct sn_node, present) == 0, "present first");
_Static_assert(offsetof(struct sn_service, present) == 0, "present first");
_Static_assert(offsetof(struct sn_instance, present) == 0, "present first");
_Static_assert(offsetof(struct sn_peer, present) == 0, "present first");
_Static_assert(offsetof(struct sn_flow, present) == 0, "present first");

/* Room for the values of any keyword table (parse.c takes fewer than 32). */
#define KW_MAX 32

static void set_bit(void *obj, int attr)
{
	*(uint32_t *)obj |= 1u << attr;
}

/* An unsigned value into a field of 1, 2 or 4 bytes. */
static void store_uint(void *field, size_t size, uint32_t v)
{
	uint16_t v16 = (uint16_t)v;
	uint8_t v8 = (uint8_t)v;

	if (size == sizeof(v8))
		memcpy(field, &v8, size);
	else if (size == sizeof(v16))
		memcpy(field, &v16, size);
	else
		memcpy(field, &v, sizeof(v));
}

/* One keyword's (first) value into its field. 0, or SN_EXIT_FAIL (reported). */
static int store(const char *what, const struct sn_kw *kw, const union sn_val *v, void *obj)
{
	char *field = (char *)obj + kw->off;
	struct sn_kprefix p;
	unsigned int ifindex = 0;

	switch (kw->type) {
	case SN_KW_NAME:
	case SN_KW_POLICY:
	case SN_KW_TEXT:
		sn_copy(field, kw->size, v->str);
		break;
	case SN_KW_PREFIX:
	case SN_KW_PREFIX6:
	case SN_KW_PREFIX_ANY:
		p = sn_kprefix_of(&v->prefix);
		memcpy(field, &p, sizeof(p));
		break;
	case SN_KW_ADDR6:
		memcpy(field, &v->in.v6, sizeof(v->in.v6));
		break;
	case SN_KW_ADDR_ANY:
		/* An IPv6 value goes to the field's twin. */
		if (v->in.family == AF_INET6) {
			memcpy((char *)obj + kw->off6, &v->in.v6, sizeof(v->in.v6));
			set_bit(obj, kw->attr6);
			return 0;
		}
		store_uint(field, kw->size, v->in.v4);
		break;
	case SN_KW_IFNAME:
		/* A name must exist here and now; "none" may stand for 0. */
		if (!(kw->flags & SN_KW_NONE) || strcmp(v->str, "none")) {
			ifindex = if_nametoindex(v->str);
			if (!ifindex)
				return sn_fail(what, "no such device \"%s\" (%s) in this network namespace",
					       v->str, kw->name);
		}
		store_uint(field, kw->size, ifindex);
		break;
	case SN_KW_ADDR:
	case SN_KW_NODE:
		store_uint(field, kw->size, v->addr);
		break;
	default:
		store_uint(field, kw->size, v->u32);
		break;
	}
	set_bit(obj, kw->attr);
	return 0;
}

int sn_object_keywords(const char *what, const struct sn_kw *kw, size_t nkw, bool optional,
		       int argc, char **argv, struct sn_kwval *kv, void *obj)
{
	char err[SN_ERR_MAX];
	size_t i;
	int ret;

	if (sn_parse_keywords_opt(kw, nkw, optional, argc, argv, kv, err, sizeof(err)) < 0)
		return sn_usage_error(what, "%s", err);
	for (i = 0; i < nkw; i++) {
		if (!kv[i].n || !kw[i].size)
			continue;
		ret = store(what, &kw[i], &kv[i].v[0], obj);
		if (ret)
			return ret;
	}
	return 0;
}

int sn_object_key(const struct sn_object *o, const char *what, int argc, char **argv,
		  void *obj)
{
	char *field = (char *)obj + o->key_off;
	char err[SN_ERR_MAX];
	struct sn_prefix prefix;
	struct sn_kprefix p;
	uint32_t addr;
	int ret;

	switch (o->key) {
	case SN_KEY_NONE:
		return 0;
	case SN_KEY_ADDR:
		if (o->key_attr6) {
			struct sn_inaddr in;

			ret = sn_positional_inaddr(what, argc > 0 ? argv[0] : NULL, &in);
			if (ret)
				return ret;
			if (in.family == AF_INET6) {
				memcpy((char *)obj + o->key_off6, &in.v6, sizeof(in.v6));
				set_bit(obj, o->key_attr6);
				return 0;
			}
			addr = in.v4;
		} else {
			ret = sn_positional_addr(what, argc > 0 ? argv[0] : NULL, &addr);
			if (ret)
				return ret;
		}
		memcpy(field, &addr, sizeof(addr));
		break;
	case SN_KEY_PREFIX:
		if (argc < 1)
			return sn_usage_error(what, "missing prefix (see: semnet %s help)",
					      o->name);
		/* Only peers are keyed by prefix: of either family. */
		if (sn_parse_prefix_any(argv[0], &prefix, err, sizeof(err)) < 0)
			return sn_usage_error(what, "invalid prefix \"%s\": %s", argv[0], err);
		p = sn_kprefix_of(&prefix);
		memcpy(field, &p, sizeof(p));
		break;
	}
	set_bit(obj, o->key_attr);
	return 0;
}

/* Arguments after the key: none for SN_KEY_NONE, one less otherwise. */
static int skip_key(const struct sn_object *o, int *argc, char ***argv)
{
	int n = o->key == SN_KEY_NONE ? 0 : 1;

	*argc -= n;
	*argv += n;
	return n;
}

/* add (node: set) and change: the key, then keywords into the object. */
static int build(const struct sn_object *o, const char *what, int argc, char **argv, bool add)
{
	struct sn_kwval kv[KW_MAX];
	void *obj = sn_xmalloc(o->size);
	size_t i, given = 0;
	int ret;

	ret = sn_object_key(o, what, argc, argv, obj);
	skip_key(o, &argc, &argv);
	if (!ret)
		ret = sn_object_keywords(what, o->kw, o->nkw, !add, argc, argv, kv, obj);
	for (i = 0; !ret && i < o->nkw; i++)
		given += kv[i].n;
	if (!ret && !add && !given)
		ret = sn_usage_error(what, "%s", o->nothing);
	if (!ret && o->finish)
		o->finish(obj, kv, add);
	if (!ret)
		ret = sn_request(what, o->cmd.new, o->key == SN_KEY_NONE ? 0 :
				 add ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_REPLACE,
				 o->fill, obj, NULL, NULL);
	free(obj);
	return ret;
}

int sn_object_add(const struct sn_object *o, const char *what, int argc, char **argv)
{
	return build(o, what, argc, argv, true);
}

int sn_object_change(const struct sn_object *o, const char *what, int argc, char **argv)
{
	return build(o, what, argc, argv, false);
}

int sn_object_del(const struct sn_object *o, const char *what, int argc, char **argv)
{
	void *obj = sn_xmalloc(o->size);
	int ret;

	ret = sn_object_key(o, what, argc, argv, obj);
	if (!ret) {
		skip_key(o, &argc, &argv);
		ret = sn_no_args(what, argc, argv);
	}
	if (!ret)
		ret = sn_request(what, o->cmd.del, 0, o->key == SN_KEY_NONE ? NULL : o->fill,
				 obj, NULL, NULL);
	free(obj);
	return ret;
}

/* show's and flush's filter keywords into sel; without any, no arguments. */
static int filter(const struct sn_object *o, const char *what, int argc, char **argv,
		  void *sel)
{
	struct sn_kwval kv[KW_MAX];

	if (!o->filter_kw)
		return sn_no_args(what, argc, argv);
	return sn_object_keywords(what, o->filter_kw, o->nfilter_kw, false, argc, argv, kv, sel);
}

/* Has sel any attribute to send? */
static bool selects(const void *sel)
{
	return *(const uint32_t *)sel != 0;
}

/*
 * show [KEY]: one object (a GET with its key), or show [FILTER]: a dump,
 * which the module filters and the list too. Printed as a list either way
 * (in JSON an array), as ip(8) does for one object too.
 */
int sn_object_show(const struct sn_object *o, const char *what, int argc, char **argv)
{
	const struct sn_list_ops *ops = o->list;
	void *sel = sn_xmalloc(o->size), *list = sn_xmalloc(ops->list_size);
	/*
	 * A key (an address) starts with a digit or has a colon (IPv6), a
	 * filter starts with a keyword, which has neither.
	 */
	bool one = argc > 0 && o->show_key &&
		   (!o->filter_kw || (argv[0][0] >= '0' && argv[0][0] <= '9') ||
		    strchr(argv[0], ':'));
	int ret;

	if (one) {
		ret = sn_object_key(o, what, argc, argv, sel);
		if (!ret)
			ret = sn_no_args(what, argc - 1, argv + 1);
	} else {
		ret = filter(o, what, argc, argv, sel);
	}
	if (ret)
		goto out;
	if (ops->filter)
		ops->filter(list, sel);
	if (one)
		ret = sn_request(what, o->cmd.get, 0, o->fill, sel, ops->collect, list);
	else
		ret = sn_dump(what, o->cmd.get, selects(sel) ? o->fill : NULL, sel,
			      ops->collect, list, ops->reset);
	if (ret)
		goto out;
	sn_list_sort(ops, list);
	if (sn_opts.json) {
		/*
		 * Item by item: a million instances as one JSON tree would take
		 * gigabytes and most of the time.
		 */
		struct sn_json_stream js;
		size_t n, i;
		const char *v = ops->items(list, &n);

		sn_json_stream_begin(&js, stdout);
		for (i = 0; i < n; i++)
			sn_json_stream_add(&js, ops->json(v + i * ops->item_size));
		ret = sn_json_stream_end(&js) ? SN_EXIT_FAIL : 0;
	} else {
		struct sn_table *t = sn_table_new();

		sn_list_text(t, ops, "", list);
		sn_table_print(t, stdout, "");
		sn_table_free(t);
	}
out:
	sn_list_free(ops, list);
	free(list);
	free(sel);
	return ret;
}

int sn_object_flush(const struct sn_object *o, const char *what, int argc, char **argv)
{
	void *sel = sn_xmalloc(o->size);
	int ret;

	ret = filter(o, what, argc, argv, sel);
	if (!ret)
		ret = sn_request(what, o->cmd.flush, 0, selects(sel) ? o->fill : NULL, sel,
				 NULL, NULL);
	free(sel);
	return ret;
}

const struct sn_subcmd sn_object_cmds[] = {
	{ "show", .op = sn_object_show },
	{ "add", .op = sn_object_add },
	{ "change", .op = sn_object_change },
	{ "del", .op = sn_object_del },
	{ "flush", .op = sn_object_flush },
};
const size_t sn_object_ncmds = ARRAY_SIZE(sn_object_cmds);

/* --- lists --- */

void sn_list_sort(const struct sn_list_ops *ops, void *list)
{
	size_t n;
	void *v = ops->items(list, &n);

	if (n > 1)
		qsort(v, n, ops->item_size, ops->cmp);
}

json_t *sn_list_json(const struct sn_list_ops *ops, void *list)
{
	json_t *a = json_array();
	size_t n, i;
	const char *v = ops->items(list, &n);

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, ops->json(v + i * ops->item_size));
	return a;
}

void sn_list_text(struct sn_table *t, const struct sn_list_ops *ops, const char *indent,
		  void *list)
{
	size_t n, i;
	const char *v = ops->items(list, &n);

	for (i = 0; i < n; i++)
		ops->text(t, indent, v + i * ops->item_size);
}

void sn_list_free(const struct sn_list_ops *ops, void *list)
{
	size_t n;

	free(ops->items(list, &n));
}

int sn_cmp_addr(uint32_t a, uint32_t b)
{
	uint32_t x = ntohl(a), y = ntohl(b);

	return x < y ? -1 : x > y;
}

int sn_cmp_inaddr(int fa, uint32_t a, const struct in6_addr *a6,
		  int fb, uint32_t b, const struct in6_addr *b6)
{
	int c;

	if ((fa == AF_INET6) != (fb == AF_INET6))
		return fa == AF_INET6 ? 1 : -1;
	if (fa != AF_INET6)
		return sn_cmp_addr(a, b);
	/* Network byte order: memcmp order is numeric order. */
	c = memcmp(a6, b6, sizeof(*a6));
	return c < 0 ? -1 : c > 0;
}

/* --- JSON --- */

/* A field of @size bytes, unsigned. */
static uint64_t load_uint(const char *field, size_t size)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	switch (size) {
	case sizeof(v8):
		memcpy(&v8, field, size);
		return v8;
	case sizeof(v16):
		memcpy(&v16, field, size);
		return v16;
	case sizeof(v32):
		memcpy(&v32, field, size);
		return v32;
	}
	memcpy(&v64, field, sizeof(v64));
	return v64;
}

static json_t *json_field(const void *obj, const struct sn_jfield *f)
{
	const char *field = (const char *)obj + f->off;
	const char *name;
	struct sn_kprefix p;
	char buf[8];
	uint64_t v;

	switch (f->type) {
	case SN_J_INADDR: {
		uint32_t present;
		struct in6_addr a6;

		memcpy(&present, obj, sizeof(present));
		if ((present >> f->attr6) & 1) {
			memcpy(&a6, (const char *)obj + f->off6, sizeof(a6));
			return sn_json_addr6(&a6);
		}
		return sn_json_addr((uint32_t)load_uint(field, 4));
	}
	case SN_J_ADDR:
		return sn_json_addr((uint32_t)load_uint(field, 4));
	case SN_J_NODE:
		v = load_uint(field, 4);
		return v ? sn_json_addr((uint32_t)v) : json_null();
	case SN_J_PREFIX:
		memcpy(&p, field, sizeof(p));
		return sn_json_kprefix(&p);
	case SN_J_U16:
		return json_integer((json_int_t)load_uint(field, 2));
	case SN_J_U32:
		return json_integer((json_int_t)load_uint(field, 4));
	case SN_J_U64:
		return sn_json_u64(load_uint(field, 8));
	case SN_J_BOOL:
		return json_boolean(*(const bool *)(const void *)field);
	case SN_J_STR:
		return json_string(field);
	case SN_J_PROTO:
		return json_string(sn_fmt_proto((uint8_t)load_uint(field, 1), buf, sizeof(buf)));
	case SN_J_NAMED:
		v = load_uint(field, 1);
		name = f->name_of((unsigned int)v);
		return name ? json_string(name) : json_integer((json_int_t)v);
	case SN_J_COST:
		return sn_json_cost((uint32_t)load_uint(field, 4));
	case SN_J_COUNTERS:
		return sn_json_object(field, sn_counters_fields, sn_counters_nfields);
	}
	return json_null();
}

void sn_json_fields(json_t *o, const void *obj, const struct sn_jfield *f, size_t n)
{
	uint32_t present = 0;
	size_t i;

	if (!o)
		return;
	for (i = 0; i < n; i++) {
		if (f[i].attr) {
			memcpy(&present, obj, sizeof(present));
			/* SN_J_INADDR: either family's attribute will do. */
			if (!((present >> f[i].attr) & 1) &&
			    !(f[i].attr6 && ((present >> f[i].attr6) & 1))) {
				if (f[i].or_null)
					json_object_set_new(o, f[i].key, json_null());
				continue;
			}
		}
		json_object_set_new(o, f[i].key, json_field(obj, &f[i]));
	}
}

json_t *sn_json_object(const void *obj, const struct sn_jfield *f, size_t n)
{
	json_t *o = json_object();

	sn_json_fields(o, obj, f, n);
	return o;
}
