// SPDX-License-Identifier: GPL-2.0
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel.h"
#include "rtt.h"
#include "semnetd.h"
#include "sn_log.h"
/* After glibc's net/if.h and netinet/in.h, which linux/libc-compat.h
 * then defers to: ICMP_FILTER lives only here. */
#include <linux/icmp.h>
#include <linux/ip.h>

#define PAYLOAD "semnetd probe\n"	/* 14 bytes: recognisable in a capture */

enum probe_socket { PROBE_NONE, PROBE_PING, PROBE_RAW };

struct probe_node {
	struct sn_ipaddr addr;		/* underlay address (either family): the node,
					 * as SET_PEER names it */
	uint32_t target;		/* its gateway, where the echo requests go */
	struct semnetd_rtt rtt;
	uv_timer_t timer;
	struct semnetd_probe *owner;
	bool seen;			/* still a peer (sync) */
	struct probe_node *next;
};

struct semnetd_probe {
	struct semnetd *d;
	struct semnetd_rtt_params params;
	enum probe_socket kind;
	int fd;
	uv_poll_t *poll;		/* its own allocation: a reopen may not wait for the close */
	uint32_t source;
	uint16_t id;			/* the echo id (a ping socket's is the kernel's) */
	uint16_t seq;
	struct probe_node *nodes;
	uv_timer_t sync_timer;
	bool kernel_lacks_costs;	/* an older semnet.ko: no SET_PEER */
	uint64_t push_errors;
};

static uint64_t now_us(void)
{
	return uv_hrtime() / 1000;
}

static uint32_t random32(void)
{
	uint32_t r;

	if (uv_random(NULL, NULL, &r, sizeof(r), 0, NULL) != 0)
		r = (uint32_t)uv_hrtime();
	return r;
}

struct semnetd_probe *semnetd_probe_new(struct semnetd *d)
{
	struct semnetd_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->d = d;
	p->fd = -1;
	p->params.timeout_us = (uint64_t)d->cfg.probe_timeout_ms * 1000;
	p->params.down_after = (unsigned int)d->cfg.probe_down_after;
	p->seq = (uint16_t)random32();
	uv_timer_init(d->loop, &p->sync_timer);
	p->sync_timer.data = p;
	return p;
}

/* --- the kernel -------------------------------------------------------- */

static void push_if_due(struct semnetd_probe *p, struct probe_node *n)
{
	char node[SN_IPADDR_STRLEN];
	uint32_t cost;
	bool down;
	int rc;

	if (!semnetd_rtt_push_due(&n->rtt, &cost, &down))
		return;
	sn_ipaddr_format(&n->addr, node);
	if (down != n->rtt.pushed_down || !n->rtt.pushed) {
		if (down)
			sn_warn("node %s is down: %u probes in a row unanswered", node,
				p->params.down_after);
		else
			sn_info("node %s is up: RTT %u us", node, cost);
	}
	if (p->kernel_lacks_costs) {
		semnetd_rtt_pushed(&n->rtt, cost, down);	/* nobody to tell */
		return;
	}
	rc = semnetd_kernel_peer_state(&p->d->genl, &n->addr, cost, down);
	if (rc == -EOPNOTSUPP) {
		sn_warn("the kernel takes no peer costs (%s): the closest policy cannot use RTTs",
			p->d->genl.error[0] ? p->d->genl.error : strerror(-rc));
		p->kernel_lacks_costs = true;
		return;
	}
	if (rc < 0) {
		/* e.g. the peer left a moment ago: tried again after the next probe */
		p->push_errors++;
		sn_debug("node %s: the kernel refused cost %u: %s", node, cost,
			 p->d->genl.error[0] ? p->d->genl.error : strerror(-rc));
		return;
	}
	sn_debug("node %s: cost %u us%s", node, cost, down ? ", down" : "");
	semnetd_rtt_pushed(&n->rtt, cost, down);
}

/* --- the socket -------------------------------------------------------- */

/* RFC 1071: a raw socket's ICMP checksum is ours to fill in. */
static uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void send_probe(struct semnetd_probe *p, struct probe_node *n, uint64_t now)
{
	struct {
		struct icmphdr h;
		char payload[sizeof(PAYLOAD) - 1];
	} pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(n->target) };
	uint16_t seq = p->seq++;

	memset(&pkt, 0, sizeof(pkt));
	pkt.h.type = ICMP_ECHO;
	pkt.h.un.echo.id = htons(p->id);
	pkt.h.un.echo.sequence = htons(seq);
	memcpy(pkt.payload, PAYLOAD, sizeof(pkt.payload));
	if (p->kind == PROBE_RAW)
		pkt.h.checksum = inet_checksum(&pkt, sizeof(pkt));
	/* A probe that cannot leave (no route, a firewall) is as good as
	 * lost: it stays in flight until its timeout. */
	if (sendto(p->fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		char target[SN_IPV4_STRLEN];

		sn_ipv4_format(n->target, target);
		sn_debug("probe to %s: %s", target, strerror(errno));
	}
	semnetd_rtt_sent(&n->rtt, seq, now, &p->params);
}

static struct probe_node *node_by_target(struct semnetd_probe *p, uint32_t target)
{
	for (struct probe_node *n = p->nodes; n; n = n->next)
		if (n->target == target)
			return n;
	return NULL;
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct semnetd_probe *p = poll->data;
	uint8_t buf[512];

	(void)events;
	if (status < 0)
		return;
	for (int batch = 0; batch < 64; batch++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t len = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		const struct icmphdr *h;
		struct probe_node *n;
		size_t off = 0;

		if (len < 0)
			return;	/* EAGAIN: all read */
		if (p->kind == PROBE_RAW) {	/* a raw socket hands us the IP header too */
			const struct iphdr *ip = (const void *)buf;

			if ((size_t)len < sizeof(*ip) || (size_t)len < (size_t)ip->ihl * 4)
				continue;
			off = (size_t)ip->ihl * 4;
		}
		if ((size_t)len < off + sizeof(*h))
			continue;
		h = (const void *)(buf + off);
		if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != p->id)
			continue;	/* someone else's (raw sockets see every reply) */
		n = node_by_target(p, ntohl(from.sin_addr.s_addr));
		if (n && semnetd_rtt_reply(&n->rtt, ntohs(h->un.echo.sequence), now_us()))
			push_if_due(p, n);
	}
}

static void free_handle(uv_handle_t *handle)
{
	free(handle);
}

static void close_socket(struct semnetd_probe *p)
{
	if (p->poll) {
		uv_poll_stop(p->poll);
		uv_close((uv_handle_t *)p->poll, free_handle);
		p->poll = NULL;
	}
	/* A stopped poll handle no longer watches the fd: it may go now. */
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->kind = PROBE_NONE;
}

static int open_socket(struct semnetd_probe *p, uint32_t source)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(source) };
	socklen_t len = sizeof(local);
	int ping_errno;

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	p->kind = PROBE_PING;
	if (p->fd < 0) {
		ping_errno = errno;
		p->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		p->kind = PROBE_RAW;
		if (p->fd < 0) {
			sn_warn("no RTT probes: no ICMP socket (ping socket: %s; raw socket: %s); "
				"admit semnetd's group in net.ipv4.ping_group_range or grant "
				"CAP_NET_RAW; the closest policy sees every node alike",
				strerror(ping_errno), strerror(errno));
			p->kind = PROBE_NONE;
			return -1;
		}
	}
	if (p->kind == PROBE_RAW) {
		struct icmp_filter only_replies = { .data = ~(1U << ICMP_ECHOREPLY) };

		p->id = (uint16_t)random32();
		if (setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &only_replies, sizeof(only_replies)) < 0)
			sn_debug("ICMP_FILTER: %s", strerror(errno));
	}
	/* From the gateway: the route's source too, but a bound socket keeps
	 * it whatever the routes say. A ping socket gets its echo id here. */
	if (bind(p->fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&local, &len) < 0) {
		sn_warn("no RTT probes: cannot bind the ICMP socket to the gateway: %s",
			strerror(errno));
		close_socket(p);
		return -1;
	}
	if (p->kind == PROBE_PING)
		p->id = ntohs(local.sin_port);
	if (!(p->poll = malloc(sizeof(*p->poll))) || uv_poll_init(p->d->loop, p->poll, p->fd) < 0) {
		free(p->poll);
		p->poll = NULL;
		close_socket(p);
		return -1;
	}
	p->poll->data = p;
	uv_poll_start(p->poll, UV_READABLE, on_readable);
	p->source = source;
	sn_info("RTT probes every %d ms from %u.%u.%u.%u (%s socket)", p->d->cfg.probe_interval_ms,
		source >> 24, (source >> 16) & 255, (source >> 8) & 255, source & 255,
		p->kind == PROBE_PING ? "ping" : "raw");
	return 0;
}

/* --- nodes ------------------------------------------------------------- */

static void on_node_timer(uv_timer_t *timer)
{
	struct probe_node *n = timer->data;
	struct semnetd_probe *p = n->owner;
	uint64_t now = now_us();

	semnetd_rtt_expire(&n->rtt, now, &p->params);
	if (p->fd >= 0)
		send_probe(p, n, now);
	push_if_due(p, n);
	uv_timer_start(timer, on_node_timer,
		       semnetd_rtt_next_ms((unsigned int)p->d->cfg.probe_interval_ms, random32()), 0);
}

static void node_start(struct semnetd_probe *p, struct probe_node *n)
{
	if (p->fd < 0 || uv_is_active((uv_handle_t *)&n->timer))
		return;
	/* The first probe at a random point of one interval: spread out. */
	uv_timer_start(&n->timer, on_node_timer,
		       (uint64_t)random32() % (uint64_t)p->d->cfg.probe_interval_ms + 1, 0);
}

static void free_node(uv_handle_t *handle)
{
	free(handle->data);
}

static void keep_peer(void *arg, const struct sn_prefix *subnet, const struct sn_ipaddr *addr)
{
	struct semnetd_probe *p = arg;
	struct probe_node *n;

	for (n = p->nodes; n; n = n->next)
		if (sn_ipaddr_equal(&n->addr, addr))
			break;
	if (!n) {
		if (!(n = calloc(1, sizeof(*n))))
			return;
		n->addr = *addr;
		n->owner = p;
		semnetd_rtt_init(&n->rtt);
		uv_timer_init(p->d->loop, &n->timer);
		n->timer.data = n;
		n->next = p->nodes;
		p->nodes = n;
	}
	/* A node's gateway is the first address of its subnet (one subnet
	 * per node; with several, any of them answers for the node). */
	if (!n->seen)
		n->target = subnet->addr + 1;
	n->seen = true;
	node_start(p, n);
}

static void on_sync(uv_timer_t *timer)
{
	struct semnetd_probe *p = timer->data;

	for (struct probe_node *n = p->nodes; n; n = n->next)
		n->seen = false;
	semnetd_peers_each(&p->d->peers, keep_peer, p);
	for (struct probe_node **pn = &p->nodes; *pn;) {
		struct probe_node *n = *pn;

		if (n->seen) {
			pn = &n->next;
			continue;
		}
		*pn = n->next;	/* no longer a peer: the kernel forgot it too */
		uv_timer_stop(&n->timer);
		uv_close((uv_handle_t *)&n->timer, free_node);
	}
}

void semnetd_probe_peers_changed(struct semnetd_probe *p)
{
	if (p && p->d->cfg.probe_interval_ms && !uv_is_active((uv_handle_t *)&p->sync_timer))
		uv_timer_start(&p->sync_timer, on_sync, 0, 0);
}

void semnetd_probe_peer_added(struct semnetd_probe *p, const struct sn_ipaddr *addr)
{
	if (!p)
		return;
	for (struct probe_node *n = p->nodes; n; n = n->next)
		if (sn_ipaddr_equal(&n->addr, addr))
			semnetd_rtt_repush(&n->rtt);
	semnetd_probe_peers_changed(p);
}

int semnetd_probe_start(struct semnetd_probe *p, uint32_t source)
{
	if (!p || !p->d->cfg.probe_interval_ms)
		return 0;
	if (p->fd >= 0 && p->source == source)
		return 0;
	close_socket(p);
	if (open_socket(p, source) < 0)
		return -1;
	for (struct probe_node *n = p->nodes; n; n = n->next)
		node_start(p, n);
	semnetd_probe_peers_changed(p);
	return 0;
}

void semnetd_probe_stop(struct semnetd_probe *p)
{
	if (!p)
		return;
	uv_timer_stop(&p->sync_timer);
	for (struct probe_node *n = p->nodes; n; n = n->next)
		uv_timer_stop(&n->timer);
	if (p->poll)
		uv_poll_stop(p->poll);
}

void semnetd_probe_free(struct semnetd_probe *p)
{
	if (!p)
		return;
	while (p->nodes) {
		struct probe_node *n = p->nodes;

		p->nodes = n->next;
		free(n);
	}
	free(p->poll);	/* closed with the loop's other handles */
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

/* --- reports ----------------------------------------------------------- */

json_t *semnetd_probe_json(const struct semnetd_probe *p)
{
	json_t *o, *nodes = json_array();

	if (!p || !nodes) {
		json_decref(nodes);
		return NULL;
	}
	for (const struct probe_node *n = p->nodes; n; n = n->next) {
		const struct semnetd_rtt *r = &n->rtt;
		char node[SN_IPADDR_STRLEN];

		json_array_append_new(nodes, json_pack("{s:s, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:o}",
			"node", sn_ipaddr_format(&n->addr, node), "target", sn_json_ipv4_string(n->target),
			"srtt_us", r->measured ? json_integer(r->srtt_us) : json_null(),
			"last_us", r->measured ? json_integer(r->last_us) : json_null(),
			"down", r->down, "sent", (json_int_t)r->sent, "replies", (json_int_t)r->replies,
			"lost", (json_int_t)r->lost, "pushes", (json_int_t)r->pushes,
			"cost", r->pushed && r->pushed_cost != SEMNET_PEER_COST_UNKNOWN ?
				json_integer(r->pushed_cost) : json_null()));
	}
	o = json_pack("{s:s?, s:i, s:i, s:i, s:b, s:o}", "socket",
		      p->kind == PROBE_PING ? "ping" : p->kind == PROBE_RAW ? "raw" : NULL,
		      "interval_ms", p->d->cfg.probe_interval_ms, "timeout_ms",
		      p->d->cfg.probe_timeout_ms, "down_after", p->d->cfg.probe_down_after,
		      "kernel_costs", !p->kernel_lacks_costs, "nodes", nodes);
	return o;
}

void semnetd_probe_metrics(const struct semnetd_probe *p, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
	} metrics[] = {
		{ "semnetd_peer_rtt_us", "gauge", "smoothed RTT of the probes to a peer node, microseconds" },
		{ "semnetd_peer_last_rtt_us", "gauge", "RTT of the last answered probe, microseconds" },
		{ "semnetd_peer_down", "gauge", "1 while a peer node's probes go unanswered" },
		{ "semnetd_peer_probes_total", "counter", "RTT probes sent to a peer node" },
		{ "semnetd_peer_probe_replies_total", "counter", "RTT probes answered in time" },
		{ "semnetd_peer_probes_lost_total", "counter", "RTT probes unanswered within the timeout" },
		{ "semnetd_peer_cost_updates_total", "counter", "costs and up/down states given to the kernel" },
	};

	if (!p)
		return;
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		semnetd_metric_head(f, metrics[m].name, metrics[m].type, metrics[m].help);
		for (const struct probe_node *n = p->nodes; n; n = n->next) {
			const struct semnetd_rtt *r = &n->rtt;
			char node[SN_IPADDR_STRLEN];
			uint64_t v;

			if (m < 2 && !r->measured)
				continue;	/* no value rather than a made-up one */
			switch (m) {
			case 0: v = r->srtt_us; break;
			case 1: v = r->last_us; break;
			case 2: v = r->down; break;
			case 3: v = r->sent; break;
			case 4: v = r->replies; break;
			case 5: v = r->lost; break;
			default: v = r->pushes; break;
			}
			sn_ipaddr_format(&n->addr, node);
			fprintf(f, "%s{node=\"%s\"} %" PRIu64 "\n", metrics[m].name, node, v);
		}
	}
}
