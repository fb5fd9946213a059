/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The semnet CLI's shared declarations: options, exit codes, error
 * reporting, netlink requests (request.c), and the objects of the UAPI as
 * plain structs with their encoders, decoders and printers (one file per
 * object: node.c, service.c, instance.c, peer.c, flow.c, stats.c).
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
typedef int (*sn_fill_fn)(struct nl_msg *msg, const void *arg);
int sn_request(const char *what, uint8_t cmd, int flags, sn_fill_fn fill,
	       const void *farg, sn_genl_reply_fn fn, void *arg);
/*
 * A dump with sn_request(). A dump that a concurrent change interrupted
 * (NLM_F_DUMP_INTR, which lib/genl.c reports as -EIO) is retried from the
 * start on a fresh socket, twice at most; reset() empties what fn()
 * collected before each retry.
 */
#define SN_DUMP_TRIES 3
int sn_dump(const char *what, uint8_t cmd, sn_fill_fn fill, const void *farg,
	    sn_genl_reply_fn fn, void *arg, void (*reset)(void *arg));

/* Attribute helpers. Return 0, or -EMSGSIZE / -EBADMSG. */
int sn_put_prefix(struct nl_msg *msg, int type, const struct sn_prefix *p);
int sn_get_prefix(struct nlattr *nest, struct sn_prefix *p);
/* Aborts building a message that does not fit (never happens in practice). */
void sn_put_failed(void) __attribute__((noreturn));

/* --- objects --- */

struct sn_counters {
	bool present;
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows;
};
int sn_counters_get(struct nlattr *nest, struct sn_counters *c);
json_t *sn_counters_json(const struct sn_counters *c);
/* "packets N  bytes N  flows N" cells appended to a raw line. */
void sn_counters_line(struct sn_table *t, const char *indent, const struct sn_counters *c);

#define SN_HAS(o, attr) (((o)->present >> (attr)) & 1u)
#define SN_SET(o, attr) ((o)->present |= 1u << (attr))

struct sn_node {
	uint32_t present;		/* 1 << SEMNET_A_NODE_* */
	struct sn_prefix platform;
	struct sn_prefix service_range;
	struct sn_prefix subnets[SEMNET_SUBNETS_MAX];
	unsigned int nsubnets;
	uint32_t gateway;		/* network order */
	uint32_t bridge;		/* ifindex */
	uint32_t flow_max;
	uint32_t timeout_tcp;
	uint32_t timeout_tcp_close;
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
	uint32_t hold_packets;
	uint32_t hold_total;
	uint32_t hold_timeout;		/* ms */
	uint32_t miss_interval;		/* ms */
	uint32_t timeout_unreplied;
	uint32_t unreplied_max;
	uint16_t tunnel_port;
};
int sn_node_put(struct nl_msg *msg, const struct sn_node *n);
int sn_node_get(struct nlattr **attrs, struct sn_node *n);
json_t *sn_node_json(const struct sn_node *n);
void sn_node_text(struct sn_table *t, const struct sn_node *n);

struct sn_service {
	uint32_t present;		/* 1 << SEMNET_A_SERVICE_* */
	uint32_t addr;
	char name[SEMNET_NAME_MAX];
	char policy[SEMNET_POLICY_NAME_MAX];
	uint32_t instances;
	struct sn_counters counters;
};
int sn_service_put(struct nl_msg *msg, const struct sn_service *s);
int sn_service_get(struct nlattr **attrs, struct sn_service *s);
json_t *sn_service_json(const struct sn_service *s);
void sn_service_text(struct sn_table *t, const char *indent, const struct sn_service *s);

struct sn_instance {
	uint32_t present;		/* 1 << SEMNET_A_INSTANCE_* */
	uint32_t addr;
	char service[SEMNET_NAME_MAX];
	uint32_t nsip;
	uint32_t node;
	bool local;
	uint32_t ifindex;		/* bridge port; 0: not enforced */
	uint32_t cost;			/* its node's, for closest (read-only) */
	bool down;			/* its node is down (read-only) */
	struct sn_counters counters;
};
int sn_instance_put(struct nl_msg *msg, const struct sn_instance *i);
int sn_instance_get(struct nlattr **attrs, struct sn_instance *i);
json_t *sn_instance_json(const struct sn_instance *i);
void sn_instance_text(struct sn_table *t, const char *indent, const struct sn_instance *i);

struct sn_flow {
	uint32_t present;		/* 1 << SEMNET_A_FLOW_* */
	uint8_t proto;
	uint32_t src, dst, xsrc, xdst;	/* network order */
	uint16_t sport, dport, xsport, xdport;	/* host order */
	uint32_t service;
	uint32_t instance;
	uint8_t state;
	uint32_t expires;		/* ms */
	uint64_t packets;
	uint64_t bytes;
};
int sn_flow_put(struct nl_msg *msg, const struct sn_flow *f);
int sn_flow_get(struct nlattr **attrs, struct sn_flow *f);
json_t *sn_flow_json(const struct sn_flow *f);

struct sn_peer {
	uint32_t present;		/* 1 << SEMNET_A_PEER_* */
	struct sn_prefix subnet;
	uint32_t addr;			/* network order */
	uint16_t port;			/* host order */
	uint8_t encap;			/* enum semnet_encap */
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint32_t cost;			/* SEMNET_PEER_COST_UNKNOWN: not measured */
	bool down;
};
int sn_peer_put(struct nl_msg *msg, const struct sn_peer *p);
int sn_peer_get(struct nlattr **attrs, struct sn_peer *p);
json_t *sn_peer_json(const struct sn_peer *p);
void sn_peer_text(struct sn_table *t, const char *indent, const struct sn_peer *p);

/* Drop reasons this tool keeps apart; higher ones are summed in "other". */
#define SN_DROPS_MAX 64
struct sn_stats {
	uint32_t present;		/* 1 << SEMNET_A_STATS_* */
	uint32_t flows;
	uint64_t flows_created;
	uint64_t flows_expired;
	uint64_t port_remaps;
	uint64_t packets;
	uint32_t services;
	uint32_t instances;
	uint64_t misses;
	uint64_t miss_events;
	uint32_t held;
	uint64_t released;
	uint64_t closest_purged;
	uint64_t early_drops;
	uint64_t miss_evicted;
	uint64_t drops[SN_DROPS_MAX];
	uint64_t drops_present;		/* 1 << reason */
	uint64_t drops_total;
};
int sn_stats_get(struct nlattr **attrs, struct sn_stats *s);
json_t *sn_stats_json(const struct sn_stats *s);
void sn_stats_text(struct sn_table *t, const struct sn_stats *s, bool detail);

/* Growing arrays filled by dump callbacks. */
struct sn_services {
	struct sn_service *v;
	size_t n;
};
struct sn_instances {
	struct sn_instance *v;
	size_t n;
	const char *filter_service;	/* keep only these (client side) */
};
int sn_services_collect(struct nlattr **attrs, void *arg);
int sn_instances_collect(struct nlattr **attrs, void *arg);
struct sn_peers {
	struct sn_peer *v;
	size_t n;
};
/* A node cost: "cost N", or "cost -" when unknown; JSON: N or null. */
void sn_cost_cell(struct sn_table *t, uint32_t cost);
json_t *sn_json_cost(uint32_t cost);
int sn_peers_collect(struct nlattr **attrs, void *arg);
void sn_peers_reset(void *arg);
void sn_peers_sort(struct sn_peers *list);
/* Empties a list for a retried dump (keeps its memory). */
void sn_services_reset(void *arg);
void sn_instances_reset(void *arg);
void sn_services_sort(struct sn_services *s);
void sn_instances_sort(struct sn_instances *s);

/* A table-miss event (SEMNET_CMD_MISS). */
struct sn_miss {
	uint32_t addr;			/* network order */
	uint32_t src;			/* network order */
	uint8_t kind;			/* enum semnet_miss_kind */
	uint8_t proto;
	uint16_t dport;			/* host order */
	uint32_t held;
	uint32_t suppressed;
};
int sn_miss_get(struct nlattr **attrs, struct sn_miss *m);
json_t *sn_miss_json(const struct sn_miss *m);
void sn_miss_print(FILE *out, const struct sn_miss *m);

#endif /* SEMNET_CLI_H */
