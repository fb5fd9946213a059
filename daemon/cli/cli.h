/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The semnet CLI's shared declarations: options, exit codes, error
 * reporting, netlink requests (request.c), and the printers of the UAPI's
 * objects (one file per object: node.c, service.c, instance.c, peer.c,
 * flow.c, stats.c), whose structs and encoding are lib/sn_kernel.h's.
 */
#ifndef SEMNET_CLI_H
#define SEMNET_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <uapi/linux/semnet.h>

#include "genl.h"
#include "output.h"
#include "parse.h"
#include "sn_kernel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Copies @src into @dst of @size bytes, cut short to fit, NUL-terminated:
 * snprintf(dst, size, "%s", src) without the formatting, which a batch
 * pays on every line.
 */
static inline void sn_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Exit status: runtime failure (also kernel rejections), usage error. */
#define SN_EXIT_FAIL	1
#define SN_EXIT_USAGE	2

/* Global options: -j, -s. */
struct sn_opts {
	bool json;
	bool stats;
};
extern struct sn_opts sn_opts;

/* The entry point, separate from main() so the unit tests can call it. */
int sn_main(int argc, char **argv);
/* Runs one command: argv[0] is its word ("service"), options are parsed. */
int sn_command(int argc, char **argv);

/*
 * semnet -batch FILE (batch.c): runs FILE's commands, "-" is stdin.
 * Returns 0, or SN_EXIT_FAIL when a line failed (or FILE cannot be read).
 */
int sn_batch(const char *file, bool force);
/* The batch line being run, for messages; 0 outside a batch. */
extern unsigned long sn_batch_line;
/*
 * Starts a message on stderr: "semnet: ", in a batch "semnet: line N: ".
 * Flushes stdout first in a batch, so output and errors stay in order.
 */
void sn_err_begin(void);

/*
 * "semnet: WHAT: message" on stderr (WHAT may be NULL); returns status.
 * sn_usage_error returns SN_EXIT_USAGE, sn_fail SN_EXIT_FAIL.
 */
int sn_error(int status, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define sn_usage_error(what, ...) sn_error(SN_EXIT_USAGE, (what), __VA_ARGS__)
#define sn_fail(what, ...) sn_error(SN_EXIT_FAIL, (what), __VA_ARGS__)
/* A command that takes no (more) arguments: 0, or the usage error. */
int sn_no_args(const char *what, int argc, char **argv);

struct sn_object;

/*
 * A subcommand of an object: `semnet OBJECT NAME ARGS`. run() gets argv
 * starting after NAME and the full command name for messages ("service
 * add"); or, for the commands every object has alike (object.c), op()
 * gets the object's description too.
 */
struct sn_subcmd {
	const char *name;
	int (*run)(const char *what, int argc, char **argv);
	int (*op)(const struct sn_object *o, const char *what, int argc, char **argv);
};

/*
 * Runs `semnet OBJECT [CMD [ARGS]]`: CMD among o's subcommands
 * (abbreviations allowed), the first one (show) without any; -h, --help
 * and `CMD help` print o's usage to stdout (sn_command: `OBJECT help`).
 */
int sn_dispatch(const struct sn_object *o, int argc, char **argv);

/* Usage texts, one per object, and the overall one. */
void sn_usage(FILE *out);
void sn_node_usage(FILE *out);
void sn_service_usage(FILE *out);
void sn_instance_usage(FILE *out);
void sn_flow_usage(FILE *out);
void sn_stats_usage(FILE *out);
void sn_show_usage(FILE *out);
void sn_peer_usage(FILE *out);
void sn_monitor_usage(FILE *out);

/* Top-level commands: argv[0] is the command word; or without arguments. */
int sn_cmd_monitor(int argc, char **argv);
int sn_cmd_stats(void);
int sn_cmd_show(void);

/* Parses a positional address argument; prints the usage error itself. */
int sn_positional_addr(const char *what, const char *arg, uint32_t *be);
/* The same for an address of either family. */
int sn_positional_inaddr(const char *what, const char *arg, struct sn_inaddr *a);
/* Parses keywords; prints the usage error itself. Returns 0 or SN_EXIT_USAGE. */
int sn_keywords(const char *what, const struct sn_kw *kw, size_t nkw,
		int argc, char **argv, struct sn_kwval *out);

/* --- netlink (request.c) --- */

/* Opens the family; prints why not (module not loaded...). 0 or SN_EXIT_FAIL. */
int sn_open(struct sn_genl *g);
/*
 * Turns the batch socket on (every request of every command then goes over
 * one socket, opened at the first; adds of services and instances many to
 * a request, see request.c) or off (sends what is pending, closes it).
 * @force: after a failed add, the next ones are still sent.
 */
void sn_batch_socket(bool on, bool force);
/* Whether the batch's adds may go many to a request (a file's do). */
void sn_batch_group(bool on);
/* Sends the batch's pending adds now (their failures are reported). */
void sn_bulk_flush(void);
/* Whether adds are pending. */
bool sn_bulk_pending(void);
/* Adds that failed (reported) since the last call. */
unsigned long sn_bulk_failures(void);
/*
 * The socket for a command's requests: own, opened, or in a batch the
 * batch's. NULL when it cannot be opened (reported). sn_release() gives it
 * back with the last request's result (0 or a negative errno): own is
 * closed, the batch's kept unless that request may have left replies queued.
 */
struct sn_genl *sn_acquire(struct sn_genl *own);
void sn_release(struct sn_genl *g, int err);
/* A new request; exits on out of memory. */
struct nl_msg *sn_msg(struct sn_genl *g, uint8_t cmd, int flags);
/* Prints a failed request the way every command does. Returns SN_EXIT_FAIL. */
int sn_report(struct sn_genl *g, const char *what, int err);
/*
 * open + build + run + close, for commands with one request: fill() adds
 * the attributes (may be NULL). Returns 0 or SN_EXIT_FAIL (reported).
 */
typedef sn_kernel_fill_fn sn_fill_fn;
int sn_request(const char *what, uint8_t cmd, int flags, sn_fill_fn fill,
	       const void *farg, sn_genl_reply_fn fn, void *arg);
/*
 * A dump with sn_request(). A dump that a concurrent change interrupted
 * (NLM_F_DUMP_INTR, which lib/genl.c reports as -EIO) is retried from the
 * start on a fresh socket, twice at most; reset() empties what fn()
 * collected before each retry.
 */
#define SN_DUMP_TRIES SN_KERNEL_DUMP_TRIES
int sn_dump(const char *what, uint8_t cmd, sn_fill_fn fill, const void *farg,
	    sn_genl_reply_fn fn, void *arg, void (*reset)(void *arg));

/*
 * A request that cannot be built: out of memory, or too large (never
 * happens in practice). Says so and exits.
 */
void sn_build_failed(int err) __attribute__((noreturn));

/*
 * --- objects ---
 * The structs and their encoding are lib/sn_kernel.h's; here they are
 * printed (text cells and JSON) and sorted.
 */

/* The CLI's parsed prefixes and the family's hold the same. */
static inline struct sn_kprefix sn_kprefix_of(const struct sn_prefix *p)
{
	return (struct sn_kprefix){ .addr = p->addr, .len = p->len,
				    .family = p->family == AF_INET6 ? AF_INET6 : AF_INET,
				    .addr6 = p->addr6 };
}
static inline struct sn_prefix sn_prefix_of(const struct sn_kprefix *k)
{
	return (struct sn_prefix){ .addr = k->addr, .len = k->len,
				   .family = sn_kprefix_is6(k) ? AF_INET6 : AF_INET,
				   .addr6 = k->addr6 };
}
static inline const char *sn_fmt_kprefix(const struct sn_kprefix *k,
					 char buf[SN_PREFIX_STRLEN])
{
	const struct sn_prefix p = sn_prefix_of(k);

	return sn_fmt_prefix(&p, buf);
}
static inline json_t *sn_json_kprefix(const struct sn_kprefix *k)
{
	const struct sn_prefix p = sn_prefix_of(k);

	return sn_json_prefix(&p);
}

/* "packets N  bytes N  flows N" cells appended to a raw line. */
void sn_counters_line(struct sn_table *t, const char *indent, const struct sn_counters *c);

json_t *sn_node_json(const struct sn_node *n);
void sn_node_text(struct sn_table *t, const struct sn_node *n);

/* The items of lists (sn_list_ops): a struct sn_service, sn_instance, sn_peer. */
json_t *sn_service_json(const void *service);
void sn_service_text(struct sn_table *t, const char *indent, const void *service);
json_t *sn_instance_json(const void *instance);
void sn_instance_text(struct sn_table *t, const char *indent, const void *instance);
json_t *sn_peer_json(const void *peer);
void sn_peer_text(struct sn_table *t, const char *indent, const void *peer);

json_t *sn_flow_json(const struct sn_flow *f);

json_t *sn_stats_json(const struct sn_stats *s);
void sn_stats_text(struct sn_table *t, const struct sn_stats *s, bool detail);

/* A node cost: "cost N", or "cost -" when unknown; JSON: N or null. */
void sn_cost_cell(struct sn_table *t, uint32_t cost);
json_t *sn_json_cost(uint32_t cost);

/* Two network-order addresses in address order, for qsort: -1, 0 or 1. */
int sn_cmp_addr(uint32_t a, uint32_t b);
/* Two addresses of either family: IPv4 first, then by address. */
int sn_cmp_inaddr(int fa, uint32_t a, const struct in6_addr *a6,
		  int fb, uint32_t b, const struct in6_addr *b6);

/*
 * --- objects (object.c) ---
 * What the commands of an object need to know about it, so that add,
 * change, del, show and flush are written once for every object: adding
 * an object is adding its description, not copying commands.
 */

/*
 * A list that a dump collects (lib/sn_kernel.h's struct sn_services...):
 * how to walk, sort and print it.
 */
struct sn_list_ops {
	size_t list_size;		/* sizeof(struct sn_services) */
	size_t item_size;		/* sizeof(struct sn_service) */
	sn_genl_reply_fn collect;	/* sn_services_collect */
	void (*reset)(void *list);	/* sn_services_reset */
	void *(*items)(void *list, size_t *n);	/* its array and length */
	/* Keeps only what show's selector @sel asks for (NULL: all). */
	void (*filter)(void *list, const void *sel);
	int (*cmp)(const void *a, const void *b);	/* the order printed */
	json_t *(*json)(const void *item);
	void (*text)(struct sn_table *t, const char *indent, const void *item);
};
extern const struct sn_list_ops sn_service_list, sn_instance_list, sn_peer_list;

/* Sorts a list; its items as a JSON array; its rows into t. */
void sn_list_sort(const struct sn_list_ops *ops, void *list);
json_t *sn_list_json(const struct sn_list_ops *ops, void *list);
void sn_list_text(struct sn_table *t, const struct sn_list_ops *ops, const char *indent,
		  void *list);
/* Frees what a list holds (not the list itself). */
void sn_list_free(const struct sn_list_ops *ops, void *list);

/*
 * An object's JSON as a table: each member's key, the field it shows and
 * how. sn_json_fields() adds them in the table's order (the order printed).
 */
enum sn_jtype {
	SN_J_ADDR,		/* uint32_t, network order: "a.b.c.d" */
	/*
	 * Either family: the struct in6_addr at off6 when the object has
	 * attr6 (its present mask), else SN_J_ADDR at off.
	 */
	SN_J_INADDR,
	SN_J_NODE,		/* the same, or null when 0 (this node) */
	SN_J_PREFIX,		/* struct sn_kprefix: "a.b.c.d/n" */
	SN_J_U16,
	SN_J_U32,
	SN_J_U64,
	SN_J_BOOL,
	SN_J_STR,		/* a char array */
	SN_J_PROTO,		/* uint8_t IP protocol: "tcp"... or its number */
	SN_J_NAMED,		/* uint8_t: name_of()'s name, or the number */
	SN_J_COST,		/* uint32_t node cost: the number, or null */
	SN_J_COUNTERS,		/* struct sn_counters: an object */
};

struct sn_jfield {
	const char *key;
	enum sn_jtype type;
	size_t off;
	/*
	 * Not 0: shown only when the object has this attribute (its present
	 * mask, first in the struct), else left out, or null with or_null.
	 */
	int attr;
	bool or_null;
	const char *(*name_of)(unsigned int v);	/* SN_J_NAMED */
	int attr6;				/* SN_J_INADDR */
	size_t off6;
};
#define SN_JF(k, t, st, member) .key = (k), .type = (t), .off = offsetof(st, member)
#define SN_JF6(st, member, bit) .off6 = offsetof(st, member), .attr6 = (bit)

/* Adds f[0..n-1] of @obj to the JSON object @o; NULL @o is left alone. */
void sn_json_fields(json_t *o, const void *obj, const struct sn_jfield *f, size_t n);
/* A new JSON object of f[0..n-1] (NULL when out of memory). */
json_t *sn_json_object(const void *obj, const struct sn_jfield *f, size_t n);
/* A struct sn_counters in JSON: packets, bytes, flows. */
extern const struct sn_jfield sn_counters_fields[];
extern const size_t sn_counters_nfields;

/* The positional argument that names one object. */
enum sn_key {
	SN_KEY_NONE,		/* none: one per namespace (the node) */
	SN_KEY_ADDR,		/* ADDR: a uint32_t field (or IPv6, see key_attr6) */
	SN_KEY_PREFIX,		/* PREFIX: a struct sn_kprefix field */
};

/*
 * An object of the family as its commands see it. The object's struct
 * (lib/sn_kernel.h) starts with its present mask, which the keywords'
 * SN_KW_FIELD bits are set in.
 */
struct sn_object {
	const char *name;		/* "service" */
	void (*usage)(FILE *out);
	/* Its subcommands, cmds[0] run when none is given (NULL: sn_object_cmds). */
	const struct sn_subcmd *cmds;
	size_t ncmds;
	size_t size;			/* sizeof(struct sn_service) */
	sn_fill_fn fill;		/* its attributes into a request */
	/*
	 * The key of add, change, del (and show): keyed objects are added
	 * with NLM_F_CREATE | NLM_F_EXCL and changed with NLM_F_REPLACE;
	 * the node (no key) is set and changed alike.
	 */
	enum sn_key key;
	int key_attr;
	size_t key_off;
	/* SN_KEY_ADDR of either family: an IPv6 key's attribute and field. */
	int key_attr6;
	size_t key_off6;
	/* add and change (node: set and change): add's keywords */
	const struct sn_kw *kw;
	size_t nkw;
	const char *nothing;		/* the usage error of a change without any */
	/* Completes what add or change built (defaults): may be NULL. */
	void (*finish)(void *obj, const struct sn_kwval *kv, bool add);
	struct {
		uint8_t new, del, get, flush;
	} cmd;
	/* show [KEY] (when show_key) or show and flush [FILTER KEYWORDS] */
	bool show_key;
	const struct sn_kw *filter_kw;
	size_t nfilter_kw;
	const struct sn_list_ops *list;	/* show's */
};
#define SN_OBJECT_KEY(k, st, member, bit) \
	.key = (k), .key_attr = (bit), .key_off = offsetof(st, member)
#define SN_OBJECT_KEY6(st, member, bit) .key_attr6 = (bit), .key_off6 = offsetof(st, member)
#define SN_OBJECT_KW(table, nothing_msg) \
	.kw = (table), .nkw = ARRAY_SIZE(table), .nothing = (nothing_msg)

/* show, add, change, del and flush, as most objects have them. */
extern const struct sn_subcmd sn_object_cmds[];
extern const size_t sn_object_ncmds;

extern const struct sn_object sn_node_object, sn_service_object, sn_instance_object,
	sn_peer_object, sn_flow_object;

/* The commands every object has alike, for its sn_subcmd table (.op). */
int sn_object_add(const struct sn_object *o, const char *what, int argc, char **argv);
int sn_object_change(const struct sn_object *o, const char *what, int argc, char **argv);
int sn_object_del(const struct sn_object *o, const char *what, int argc, char **argv);
int sn_object_show(const struct sn_object *o, const char *what, int argc, char **argv);
int sn_object_flush(const struct sn_object *o, const char *what, int argc, char **argv);

/*
 * Parses keywords (with @optional: none required) and stores those with a
 * field into the object @obj (ifnames resolved here: sn_fail when there is
 * no such device). 0, SN_EXIT_USAGE or SN_EXIT_FAIL, reported.
 */
int sn_object_keywords(const char *what, const struct sn_kw *kw, size_t nkw, bool optional,
		       int argc, char **argv, struct sn_kwval *kv, void *obj);
/*
 * The key of @o from argv[0] into @obj, for add, change and del. 0 or
 * SN_EXIT_USAGE (reported).
 */
int sn_object_key(const struct sn_object *o, const char *what, int argc, char **argv,
		  void *obj);

/* A table-miss event (SEMNET_CMD_MISS). */
json_t *sn_miss_json(const struct sn_miss *m);
void sn_miss_print(FILE *out, const struct sn_miss *m);

#endif /* SEMNET_CLI_H */
