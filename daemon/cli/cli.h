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

#include <jansson.h>
#include <uapi/linux/semnet.h>

#include "genl.h"
#include "output.h"
#include "parse.h"
#include "sn_kernel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
 * "semnet: WHAT: message" on stderr. sn_usage_error returns SN_EXIT_USAGE,
 * sn_fail SN_EXIT_FAIL.
 */
int sn_usage_error(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sn_fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A subcommand of an object: `semnet OBJECT NAME ARGS`. run() gets argv
 * starting after NAME and the full command name for messages ("service add").
 */
struct sn_subcmd {
	const char *name;
	int (*run)(const char *what, int argc, char **argv);
};

/*
 * Dispatches argv[0] among subcmds (abbreviations allowed); no argument
 * runs the first one (show); "help" prints usage to stdout.
 */
int sn_dispatch(const char *object, const struct sn_subcmd *subcmds, size_t n,
		void (*usage)(FILE *out), int argc, char **argv);

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

/* Top-level commands: argv[0] is the command word. */
int sn_cmd_node(int argc, char **argv);
int sn_cmd_service(int argc, char **argv);
int sn_cmd_instance(int argc, char **argv);
int sn_cmd_flow(int argc, char **argv);
int sn_cmd_stats(int argc, char **argv);
int sn_cmd_show(int argc, char **argv);
int sn_cmd_peer(int argc, char **argv);
int sn_cmd_monitor(int argc, char **argv);

/* Parses a positional address argument; prints the usage error itself. */
int sn_positional_addr(const char *what, const char *arg, uint32_t *be);
/* Parses keywords; prints the usage error itself. Returns 0 or SN_EXIT_USAGE. */
int sn_keywords(const char *what, const struct sn_kw *kw, size_t nkw,
		int argc, char **argv, struct sn_kwval *out);

/* --- netlink (request.c) --- */

/* Opens the family; prints why not (module not loaded...). 0 or SN_EXIT_FAIL. */
int sn_open(struct sn_genl *g);
/*
 * Turns the batch socket on (every request of every command then goes over
 * one socket, opened at the first) or off (closes it).
 */
void sn_batch_socket(bool on);
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

/* The CLI's parsed prefixes and the family's are the same pair. */
static inline struct sn_kprefix sn_kprefix_of(const struct sn_prefix *p)
{
	return (struct sn_kprefix){ .addr = p->addr, .len = p->len };
}
static inline const char *sn_fmt_kprefix(const struct sn_kprefix *k,
					 char buf[SN_PREFIX_STRLEN])
{
	const struct sn_prefix p = { .addr = k->addr, .len = k->len };

	return sn_fmt_prefix(&p, buf);
}
static inline json_t *sn_json_kprefix(const struct sn_kprefix *k)
{
	const struct sn_prefix p = { .addr = k->addr, .len = k->len };

	return sn_json_prefix(&p);
}

json_t *sn_counters_json(const struct sn_counters *c);
/* "packets N  bytes N  flows N" cells appended to a raw line. */
void sn_counters_line(struct sn_table *t, const char *indent, const struct sn_counters *c);

json_t *sn_node_json(const struct sn_node *n);
void sn_node_text(struct sn_table *t, const struct sn_node *n);

json_t *sn_service_json(const struct sn_service *s);
void sn_service_text(struct sn_table *t, const char *indent, const struct sn_service *s);

json_t *sn_instance_json(const struct sn_instance *i);
void sn_instance_text(struct sn_table *t, const char *indent, const struct sn_instance *i);

json_t *sn_flow_json(const struct sn_flow *f);

json_t *sn_peer_json(const struct sn_peer *p);
void sn_peer_text(struct sn_table *t, const char *indent, const struct sn_peer *p);

json_t *sn_stats_json(const struct sn_stats *s);
void sn_stats_text(struct sn_table *t, const struct sn_stats *s, bool detail);

/* A node cost: "cost N", or "cost -" when unknown; JSON: N or null. */
void sn_cost_cell(struct sn_table *t, uint32_t cost);
json_t *sn_json_cost(uint32_t cost);

/* Lists in address order (peers: subnet, then length). */
void sn_services_sort(struct sn_services *s);
void sn_instances_sort(struct sn_instances *s);
void sn_peers_sort(struct sn_peers *list);

/* A table-miss event (SEMNET_CMD_MISS). */
json_t *sn_miss_json(const struct sn_miss *m);
void sn_miss_print(FILE *out, const struct sn_miss *m);

#endif /* SEMNET_CLI_H */
