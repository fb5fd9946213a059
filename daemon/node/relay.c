// SPDX-License-Identifier: GPL-2.0
/* The relay: WireGuard datagrams forwarded between members (relay.h). */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sn_bucket.h"

struct relay_socket {
	uv_udp_t udp;
	struct semnetd_relay *owner;
	unsigned int slot;
};

/* Where member @from's packets for member @to come from (ep[from][to]). */
struct relay_ep {
	bool used;
	uint16_t from, to;
	uint64_t seen_ms;
	struct sockaddr_storage sa;
};

struct semnetd_relay {
	uv_loop_t *loop;
	char addr[SN_IPADDR_STRLEN];
	int family;			/* of addr; 0 before the first set */
	int base;
	/* Sorted by address, for the per-packet search. */
	struct semnetd_relay_member *members;
	size_t n_members;
	struct relay_socket *by_slot[SEMNETD_RELAY_MAX_SLOT + 1];
	/* Open addressing, linear probing; cap a power of two, at most half full. */
	struct relay_ep *eps;
	size_t cap, used;
	uint64_t swept_ms;
	struct sn_bucket bucket;	/* bounds the datagrams forwarded */
	struct semnetd_relay_stats stats;
	int closing;			/* close callbacks still to come */
	bool freed;
	char rx[SEMNETD_RELAY_MTU + 1];
};

struct semnetd_relay *semnetd_relay_new(uv_loop_t *loop)
{
	struct semnetd_relay *r = calloc(1, sizeof(*r));

	if (r) {
		r->loop = loop;
		sn_bucket_init(&r->bucket, SEMNETD_RELAY_RATE, SEMNETD_RELAY_BURST,
			       uv_now(loop));
	}
	return r;
}

static int addr_cmp(const struct sn_ipaddr *a, const struct sn_ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->family == AF_INET)
		return a->v4 < b->v4 ? -1 : a->v4 > b->v4;
	return memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

static int member_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct semnetd_relay_member *)a)->addr,
			&((const struct semnetd_relay_member *)b)->addr);
}

/* The address of @sa (a v4-mapped IPv6 one as IPv4); false for others. */
static bool sockaddr_ip(const struct sockaddr *sa, struct sn_ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		out->v4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		uint32_t v4;

		memcpy(&v4, &a6->s6_addr[12], sizeof(v4));
		out->family = AF_INET;
		out->v4 = ntohl(v4);
	} else {
		out->family = AF_INET6;
		out->v6 = *a6;
	}
	return true;
}

static uint16_t sockaddr_port(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port :
			  ((const struct sockaddr_in6 *)sa)->sin6_port);
}

/* The member that sent from @sa to the socket of @slot: by its address,
 * or among members sharing it, by its source port (relay.h). */
static const struct semnetd_relay_member *member_of(const struct semnetd_relay *r,
						    const struct sockaddr *sa, unsigned int slot)
{
	struct semnetd_relay_member key = { 0 };
	const struct semnetd_relay_member *m, *end = r->members + r->n_members;

	if (!sockaddr_ip(sa, &key.addr))
		return NULL;
	m = bsearch(&key, r->members, r->n_members, sizeof(key), member_cmp);
	if (!m)
		return NULL;
	while (m > r->members && !member_cmp(m - 1, &key))
		m--;
	if (m + 1 == end || member_cmp(m + 1, &key))
		return m;	/* alone at its address */
	for (; m < end && !member_cmp(m, &key); m++)
		if (m->port_base + (int)slot == sockaddr_port(sa))
			return m;
	return NULL;
}

/* --- remembered endpoints ----------------------------------------------- */

static size_t ep_hash(uint16_t from, uint16_t to, size_t cap)
{
	uint32_t h = ((uint32_t)from << 16 | to) * 0x9e3779b1u;

	return (h ^ (h >> 15)) & (cap - 1);
}

static struct relay_ep *ep_find(const struct semnetd_relay *r, uint16_t from, uint16_t to)
{
	if (!r->cap)
		return NULL;
	for (size_t i = ep_hash(from, to, r->cap);; i = (i + 1) & (r->cap - 1)) {
		struct relay_ep *e = &r->eps[i];

		if (!e->used)
			return NULL;
		if (e->from == from && e->to == to)
			return e;
	}
}

static bool member_slot_is(const struct semnetd_relay *r, unsigned int slot)
{
	return slot <= SEMNETD_RELAY_MAX_SLOT && r->by_slot[slot];
}

/*
 * Rebuilds the table in @cap entries, keeping what @keep accepts: the only
 * way entries leave (linear probing has no plain delete). -ENOMEM leaves
 * the table as it was.
 */
static int ep_rebuild(struct semnetd_relay *r, size_t cap,
		      bool (*keep)(const struct semnetd_relay *, const struct relay_ep *))
{
	struct relay_ep *eps = calloc(cap, sizeof(*eps));
	size_t used = 0;

	if (!eps)
		return -ENOMEM;
	for (size_t i = 0; i < r->cap; i++) {
		const struct relay_ep *e = &r->eps[i];
		size_t j;

		if (!e->used || !keep(r, e))
			continue;
		for (j = ep_hash(e->from, e->to, cap); eps[j].used; j = (j + 1) & (cap - 1))
			;
		eps[j] = *e;
		used++;
	}
	free(r->eps);
	r->eps = eps;
	r->cap = cap;
	r->used = used;
	return 0;
}

static bool keep_all(const struct semnetd_relay *r, const struct relay_ep *e)
{
	(void)r;
	(void)e;
	return true;
}

static bool keep_fresh(const struct semnetd_relay *r, const struct relay_ep *e)
{
	return uv_now(r->loop) - e->seen_ms < SEMNETD_RELAY_STALE_MS;
}

static bool keep_members_fresh(const struct semnetd_relay *r, const struct relay_ep *e)
{
	return member_slot_is(r, e->from) && member_slot_is(r, e->to) && keep_fresh(r, e);
}

static void ep_learn(struct semnetd_relay *r, uint16_t from, uint16_t to, const struct sockaddr *sa)
{
	struct relay_ep *e = ep_find(r, from, to);
	uint64_t now = uv_now(r->loop);

	if (!e) {
		if (r->used >= SEMNETD_RELAY_MAX_PAIRS && now - r->swept_ms >= 1000) {
			r->swept_ms = now;	/* a full table is swept once a second at most */
			ep_rebuild(r, r->cap, keep_fresh);
		}
		if (r->used >= SEMNETD_RELAY_MAX_PAIRS ||
		    ((r->used + 1) * 2 > r->cap &&
		     ep_rebuild(r, r->cap ? r->cap * 2 : 64, keep_all) < 0)) {
			r->stats.table_full++;
			return;
		}
		size_t i = ep_hash(from, to, r->cap);

		while (r->eps[i].used)
			i = (i + 1) & (r->cap - 1);
		e = &r->eps[i];
		e->used = true;
		e->from = from;
		e->to = to;
		r->used++;
	}
	e->seen_ms = now;
	memset(&e->sa, 0, sizeof(e->sa));
	memcpy(&e->sa, sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
			   sizeof(struct sockaddr_in6));
}

/* --- forwarding ----------------------------------------------------------- */

/* One receive buffer: a datagram is forwarded before the next is read. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct semnetd_relay *r = ((struct relay_socket *)h->data)->owner;

	(void)suggested;
	*buf = uv_buf_init(r->rx, sizeof(r->rx));
}

static void on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
		    const struct sockaddr *from, unsigned int flags)
{
	struct relay_socket *sock = udp->data;
	struct semnetd_relay *r = sock->owner;
	const struct semnetd_relay_member *sender;
	const struct relay_ep *target;
	uv_buf_t out;

	if (nread <= 0 || !from)
		return;		/* nothing more, or a read error: UDP goes on */
	if ((flags & UV_UDP_PARTIAL) || nread > SEMNETD_RELAY_MTU) {
		r->stats.malformed++;
		return;
	}
	if (!(sender = member_of(r, from, sock->slot))) {
		r->stats.unknown_source++;
		return;
	}
	if (sender->slot == sock->slot) {
		r->stats.to_self++;
		return;
	}
	ep_learn(r, (uint16_t)sender->slot, (uint16_t)sock->slot, from);
	target = ep_find(r, (uint16_t)sock->slot, (uint16_t)sender->slot);
	if (!target || uv_now(r->loop) - target->seen_ms >= SEMNETD_RELAY_STALE_MS) {
		r->stats.unprimed++;
		return;
	}
	if (!sn_bucket_take(&r->bucket, uv_now(r->loop))) {
		r->stats.limited++;
		return;
	}
	out = uv_buf_init(buf->base, (unsigned int)nread);
	/* From the sender's own port, so the target's device for the sender
	 * sees the endpoint it was given. try_send: WireGuard retransmits. */
	if (uv_udp_try_send(&r->by_slot[sender->slot]->udp, &out, 1,
			    (const struct sockaddr *)&target->sa) == nread) {
		r->stats.forwarded++;
		r->stats.forwarded_bytes += (uint64_t)nread;
	} else {
		r->stats.send_failed++;
	}
}

/* --- sockets ------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
	struct relay_socket *sock = h->data;
	struct semnetd_relay *r = sock->owner;

	free(sock);
	if (--r->closing == 0 && r->freed)
		free(r);
}

static void sock_close(struct semnetd_relay *r, struct relay_socket *sock)
{
	r->closing++;
	uv_close((uv_handle_t *)&sock->udp, on_closed);
}

/* A socket on @sa (its port set here) for @slot; NULL with @err. */
static struct relay_socket *sock_open(struct semnetd_relay *r, struct sockaddr_storage *sa,
				      int port, unsigned int slot, struct sn_err *err)
{
	struct relay_socket *sock;
	int fd, rc;

	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		sn_err_set(err, "relay: socket: %s", strerror(errno));
		return NULL;
	}
	if (sa->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int)) < 0) {
		sn_err_set(err, "relay: IPV6_V6ONLY: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)sa, sa->ss_family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0) {
		sn_err_set(err, "relay: port %d on %s: %s", port, r->addr, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!(sock = calloc(1, sizeof(*sock)))) {
		sn_err_set(err, "relay: out of memory");
		close(fd);
		return NULL;
	}
	sock->owner = r;
	sock->slot = slot;
	sock->udp.data = sock;
	if ((rc = uv_udp_init(r->loop, &sock->udp)) < 0) {
		free(sock);
		close(fd);
		sn_err_set(err, "relay: %s", uv_strerror(rc));
		return NULL;
	}
	if ((rc = uv_udp_open(&sock->udp, fd)) < 0)
		close(fd);	/* not the handle's yet */
	else
		rc = uv_udp_recv_start(&sock->udp, on_alloc, on_recv);
	if (rc < 0) {
		sock_close(r, sock);
		sn_err_set(err, "relay: port %d: %s", port, uv_strerror(rc));
		return NULL;
	}
	return sock;
}

static int check_members(const char *addr, int family, int base,
			 const struct semnetd_relay_member *m, size_t n, struct sn_err *err)
{
	bool seen[SEMNETD_RELAY_MAX_SLOT + 1] = { 0 };
	char text[SN_IPADDR_STRLEN];

	if (base < 1 || base > 65535) {
		sn_err_set(err, "relay: base port %d: 1 to 65535", base);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].slot > SEMNETD_RELAY_MAX_SLOT || base + (int)m[i].slot > 65535) {
			sn_err_set(err, "relay: slot %u: port %d + %u is past %d", m[i].slot, base,
				   m[i].slot, base + (int)m[i].slot > 65535 ? 65535 :
				   base + SEMNETD_RELAY_MAX_SLOT);
			return -1;
		}
		if (seen[m[i].slot]) {
			sn_err_set(err, "relay: slot %u given twice", m[i].slot);
			return -1;
		}
		seen[m[i].slot] = true;
		if (m[i].addr.family != family) {
			sn_err_set(err, "relay: member %s is not an %s address like %s",
				   sn_ipaddr_format(&m[i].addr, text), sn_ipaddr_family_name(family),
				   addr);
			return -1;
		}
		if (m[i].port_base < 0 || m[i].port_base > 65535) {
			sn_err_set(err, "relay: slot %u: port base %d", m[i].slot, m[i].port_base);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (sn_ipaddr_equal(&m[i].addr, &m[j].addr) &&
			    (!m[i].port_base || !m[j].port_base || m[i].port_base == m[j].port_base)) {
				sn_err_set(err, "relay: two members at %s without distinct port bases",
					   sn_ipaddr_format(&m[i].addr, text));
				return -1;
			}
	}
	return 0;
}

static bool same_member_at(const struct semnetd_relay *r, const struct semnetd_relay_member *m)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (r->members[i].slot == m->slot)
			return sn_ipaddr_equal(&r->members[i].addr, &m->addr);
	return false;
}

int semnetd_relay_set(struct semnetd_relay *r, const char *addr, int base,
		      const struct semnetd_relay_member *members, size_t n, struct sn_err *err)
{
	struct relay_socket *opened[SEMNETD_RELAY_MAX_SLOT + 1] = { 0 };
	struct semnetd_relay_member *copy = NULL;
	struct sockaddr_storage sa = { 0 };
	bool moved;

	if (!uv_ip4_addr(addr, 0, (struct sockaddr_in *)&sa))
		;
	else if (uv_ip6_addr(addr, 0, (struct sockaddr_in6 *)&sa)) {
		sn_err_set(err, "relay: '%s' is not an IP address", addr);
		return -1;
	}
	if (check_members(addr, sa.ss_family, base, members, n, err) < 0)
		return -1;
	if (n && !(copy = malloc(n * sizeof(*copy)))) {
		sn_err_set(err, "relay: out of memory");
		return -1;
	}
	/* A new address or base moves every port: the old sockets go first. */
	moved = r->family && (r->base != base || strcmp(r->addr, addr));
	if (moved) {
		for (unsigned int s = 0; s <= SEMNETD_RELAY_MAX_SLOT; s++)
			if (r->by_slot[s]) {
				sock_close(r, r->by_slot[s]);
				r->by_slot[s] = NULL;
			}
		r->n_members = 0;
	}
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	r->family = sa.ss_family;
	r->base = base;
	for (size_t i = 0; i < n; i++) {
		unsigned int s = members[i].slot;

		if (r->by_slot[s])
			continue;
		if (!(opened[s] = sock_open(r, &sa, base + (int)s, s, err))) {
			for (unsigned int k = 0; k <= SEMNETD_RELAY_MAX_SLOT; k++)
				if (opened[k])
					sock_close(r, opened[k]);
			free(copy);
			return -1;
		}
	}
	/* Committed: the sockets of members gone close; their endpoints, and
	 * those of a member now at another address, are forgotten (marked
	 * stale here, which needs no memory; the rebuild below reclaims). */
	for (unsigned int s = 0; s <= SEMNETD_RELAY_MAX_SLOT; s++) {
		const struct semnetd_relay_member *now = NULL;

		if (opened[s]) {
			r->by_slot[s] = opened[s];
			continue;
		}
		if (!r->by_slot[s])
			continue;
		for (size_t i = 0; i < n && !now; i++)
			if (members[i].slot == s)
				now = &members[i];
		if (now && same_member_at(r, now))
			continue;
		if (!now) {
			sock_close(r, r->by_slot[s]);
			r->by_slot[s] = NULL;
		}
		for (size_t i = 0; i < r->cap; i++)
			if (r->eps[i].used && (r->eps[i].from == s || r->eps[i].to == s))
				r->eps[i].seen_ms = uv_now(r->loop) - SEMNETD_RELAY_STALE_MS;
	}
	if (n) {	/* none: copy is NULL, which neither may be given */
		memcpy(copy, members, n * sizeof(*copy));
		qsort(copy, n, sizeof(*copy), member_cmp);
	}
	free(r->members);
	r->members = copy;
	r->n_members = n;
	/* Best effort: an entry of a member gone matches nothing it could
	 * send to anyway (its slot has no socket), so -ENOMEM is harmless. */
	if (r->cap)
		ep_rebuild(r, r->cap, keep_members_fresh);
	return 0;
}

void semnetd_relay_limit(struct semnetd_relay *r, unsigned int rate, unsigned int burst)
{
	sn_bucket_limit(&r->bucket, rate, burst);
}

const struct semnetd_relay_stats *semnetd_relay_stats(const struct semnetd_relay *r)
{
	return &r->stats;
}

json_t *semnetd_relay_json(const struct semnetd_relay *r)
{
	const struct semnetd_relay_stats *s = &r->stats;

	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "base", r->base, "members", (json_int_t)r->n_members,
			 "endpoints", (json_int_t)r->used,
			 "forwarded", (json_int_t)s->forwarded,
			 "forwarded_bytes", (json_int_t)s->forwarded_bytes,
			 "unknown_source", (json_int_t)s->unknown_source,
			 "to_self", (json_int_t)s->to_self, "unprimed", (json_int_t)s->unprimed,
			 "limited", (json_int_t)s->limited, "table_full", (json_int_t)s->table_full,
			 "malformed", (json_int_t)s->malformed,
			 "send_failed", (json_int_t)s->send_failed);
}

void semnetd_relay_free(struct semnetd_relay *r)
{
	if (!r)
		return;
	for (unsigned int s = 0; s <= SEMNETD_RELAY_MAX_SLOT; s++)
		if (r->by_slot[s])
			sock_close(r, r->by_slot[s]);
	free(r->members);
	free(r->eps);
	r->members = NULL;
	r->eps = NULL;
	r->freed = true;
	if (!r->closing)
		free(r);
}
