/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output helpers for the semnet CLI: value formatting shared by text and
 * JSON, aligned text tables, and JSON printing. No netlink here.
 */
#ifndef SEMNET_CLI_OUTPUT_H
#define SEMNET_CLI_OUTPUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parse.h"

#define SN_ADDR_STRLEN		16	/* "255.255.255.255" */
#define SN_INADDR_STRLEN	46	/* either family: INET6_ADDRSTRLEN */
#define SN_PREFIX_STRLEN	50	/* either family, and room for /255 */
#define SN_IFNAME_STRLEN	24	/* an interface name, or "if4294967295" */

/* Out of memory in the CLI: print and exit(1). */
void *sn_xmalloc(size_t size);
void *sn_xrealloc(void *p, size_t size);
char *sn_xstrdup(const char *s);
/*
 * Room for element n of an array of n elements so far: the capacity is a
 * function of n alone (16, then doubling), so appends cost O(1) amortised
 * without a capacity field, and n may be reset to 0 at any time.
 */
void *sn_grow(void *v, size_t n, size_t size);

/* Dotted quad of a network-order address. Returns buf. */
const char *sn_fmt_addr(uint32_t be, char buf[SN_ADDR_STRLEN]);
/* An IPv6 address in canonical form (inet_ntop, RFC 5952). Returns buf. */
const char *sn_fmt_addr6(const struct in6_addr *a, char buf[SN_INADDR_STRLEN]);
/* An address of @family (AF_INET6: v6, else v4). Returns buf. */
const char *sn_fmt_inaddr(int family, uint32_t v4, const struct in6_addr *v6,
			  char buf[SN_INADDR_STRLEN]);
/* "a.b.c.d/n" or "fc00::/7". Returns buf. */
const char *sn_fmt_prefix(const struct sn_prefix *p, char buf[SN_PREFIX_STRLEN]);
/* An interface's name, or "if<N>" when this namespace has no such ifindex. */
const char *sn_fmt_ifname(uint32_t ifindex, char buf[SN_IFNAME_STRLEN]);
/* Milliseconds as seconds with one decimal, truncated: 12345 -> "12.3s". */
const char *sn_fmt_ms(uint32_t ms, char *buf, size_t len);
/* "tcp", "udp", "icmp", else the number. */
const char *sn_fmt_proto(uint8_t proto, char *buf, size_t len);

/* "active", "closing", "unreplied", or NULL for a state this tool does not know. */
const char *sn_flow_state_name(unsigned int state);
/*
 * Name of an enum semnet_drop_reason, hyphenated for text ("no-instance");
 * NULL when unknown to this tool.
 */
const char *sn_drop_reason_name(unsigned int reason);
/* Copies s with '-' turned into '_' (JSON keys are lower_snake_case). */
const char *sn_snake(const char *s, char *buf, size_t len);

/* JSON values; NULL only when out of memory. */
json_t *sn_json_addr(uint32_t be);
json_t *sn_json_addr6(const struct in6_addr *a);
/* "inet" or "inet6", as ip -j spells a family. */
const char *sn_family_name(int family);
json_t *sn_json_prefix(const struct sn_prefix *p);
/* A u64 counter as a JSON integer (saturates at INT64_MAX). */
json_t *sn_json_u64(uint64_t v);
/* Prints o indented and newline-terminated, then releases it. 0 or -EIO. */
int sn_json_print(json_t *o, FILE *out);

/*
 * A JSON array printed one element at a time, so a long list (a full flow
 * table) never exists as one JSON tree. The text is the same as
 * sn_json_print() of the whole array.
 */
struct sn_json_stream {
	FILE *out;
	size_t n;
	int error;
};
void sn_json_stream_begin(struct sn_json_stream *s, FILE *out);
/* Prints o as the next element and releases it. */
void sn_json_stream_add(struct sn_json_stream *s, json_t *o);
/* Closes the array. 0, or -EIO / -ENOMEM if anything failed. */
int sn_json_stream_end(struct sn_json_stream *s);

/*
 * A text table: rows of cells printed with every column as wide as its
 * widest cell, two spaces apart, no trailing spaces. Raw lines (e.g. an
 * indented counters line under a row) are printed as they are and take no
 * part in the alignment.
 */
struct sn_table;

struct sn_table *sn_table_new(void);
void sn_table_free(struct sn_table *t);
/* Starts a new row. */
void sn_table_row(struct sn_table *t);
/* Appends a cell to the current row (starting one if there is none). */
void sn_table_cell(struct sn_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends a raw line. */
void sn_table_line(struct sn_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints every row, each line prefixed with indent. */
void sn_table_print(const struct sn_table *t, FILE *out, const char *indent);
/* Rows and raw lines so far. */
size_t sn_table_rows(const struct sn_table *t);

#endif /* SEMNET_CLI_OUTPUT_H */
