// SPDX-License-Identifier: GPL-2.0
/* Endpoint discovery's client (discover.h). */
#include "discover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "discover_match.h"
#include "peer_parse.h"
#include "semnetd.h"
#include "sn_backoff.h"
#include "sn_log.h"

#define FIRST_RETRY_MS 250	/* then 500, 1000, 2000 */
#define TRIES 5
#define START_MAX_MS 1000	/* the first run: within a second */

enum run_state {
	IDLE,		/* no discovery (no port, no WireGuard, not ready) */
	WAITING,	/* the timer starts the next run */
	RESOLVING,	/* the cluster's name */
	ASKING,		/* requests out, the timer sends them again */
};

struct semnetd_discover {
	struct semnetd *d;
	uv_timer_t timer;
	uv_getaddrinfo_t gai;
	bool gai_busy;			/* gai in flight (its callback not run yet) */
	uv_udp_t *udp;			/* its own allocation: closed without waiting */
	enum run_state state;
	bool stopped;
	int stun_port;			/* the registry's; 0: none */
	struct sn_ipaddr cluster;	/* resolved */
	struct sn_ipaddr local;		/* the socket's address, */
	int sock_port;			/* and port (the rule's sport) */
	bool rule;			/* the snat rule is in */
	struct semnetd_stun_run run;
	int tries;
	struct sn_backoff backoff;
	/* The last result, and when (unix seconds). */
	bool have;
	struct semnetd_nat_result res;
	int64_t at;
	char error[256];		/* why the last run found nothing ("": none) */
	char send_error[64];		/* the run's last refused send ("": none) */
	char ignored_why[sizeof(((struct sn_err *)0)->msg) + 32];		/* the last ignored datagram */
	uint64_t runs, requests, answers, ignored, failures, changes;
};

static void set_error(struct semnetd_discover *disc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct semnetd_discover *disc, const char *fmt, ...)
{
	char msg[sizeof(disc->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Said once while it stays the same. */
	if (strcmp(msg, disc->error))
		sn_warn("discovery: %s", msg);
	snprintf(disc->error, sizeof(disc->error), "%s", msg);
}

struct semnetd_discover *semnetd_discover_new(struct semnetd *d)
{
	struct semnetd_discover *disc = calloc(1, sizeof(*disc));

	if (!disc)
		return NULL;
	disc->d = d;
	uv_timer_init(d->loop, &disc->timer);
	disc->timer.data = disc;
	return disc;
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void close_socket(struct semnetd_discover *disc)
{
	if (disc->udp) {
		uv_udp_recv_stop(disc->udp);
		uv_close((uv_handle_t *)disc->udp, free_handle);
		disc->udp = NULL;
	}
	disc->sock_port = 0;
}

static void remove_rule(struct semnetd_discover *disc)
{
	if (disc->rule && semnetd_fw_discovery_clear(&disc->d->fw) < 0)
		sn_warn("discovery: cannot remove table inet semnet-discovery");
	disc->rule = false;
}

/* Everything of a run and its socket goes; the result stays. */
static void halt(struct semnetd_discover *disc)
{
	uv_timer_stop(&disc->timer);
	if (disc->gai_busy)
		uv_cancel((uv_req_t *)&disc->gai);	/* its callback still runs */
	disc->state = IDLE;
	close_socket(disc);
	remove_rule(disc);
}

/* The link changed: the cluster hears it with the next subnet request. */
static void link_changed(struct semnetd_discover *disc)
{
	disc->changes++;
	semnetd_upstream_send_link(disc->d);
}

static void forget(struct semnetd_discover *disc)
{
	if (disc->have) {
		disc->have = false;
		link_changed(disc);
	}
}

static void on_timer(uv_timer_t *timer);

static void schedule(struct semnetd_discover *disc, uint64_t ms)
{
	disc->state = WAITING;
	uv_timer_start(&disc->timer, on_timer, ms, 0);
}

static uint64_t jittered(uint64_t base, uint64_t jitter)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)rand();
	return base - jitter + r % (2 * jitter + 1);
}

/* The run ended (found or not): the next one in a minute. */
static void run_done(struct semnetd_discover *disc)
{
	uv_timer_stop(&disc->timer);
	int ms = disc->d->cfg.discovery_interval_ms;

	/* --discovery-interval-ms, +- a sixth (60 s: +- 10 s). */
	schedule(disc, jittered((uint64_t)ms, (uint64_t)ms / 6));
}

static void fail(struct semnetd_discover *disc)
{
	disc->failures++;
	run_done(disc);
}

static void to_sockaddr(const struct sn_ipaddr *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = a->v6;
		in6->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(a->v4);
		in->sin_port = htons((uint16_t)port);
	}
}

static void finish(struct semnetd_discover *disc)
{
	struct semnetd_nat_result res;
	char pub[SN_IPADDR_STRLEN];
	bool changed;

	semnetd_nat_classify(&disc->run, &disc->local, disc->d->cfg.wg_port, &res);
	disc->at = (int64_t)time(NULL);
	disc->error[0] = '\0';
	/* The cluster hears what the link says (a symmetric NAT's ports
	 * differ from run to run and are not in it); /status shows all. */
	changed = !disc->have || res.nat != disc->res.nat ||
		  res.port_preserved != disc->res.port_preserved ||
		  !sn_ipaddr_equal(&res.public_addr, &disc->res.public_addr);
	if (changed || res.public_port != disc->res.public_port)
		sn_info("discovery: nat %s, WireGuard's port %d mapped to %s:%d%s",
			sn_link_nat_name(res.nat), disc->d->cfg.wg_port,
			sn_ipaddr_format(&res.public_addr, pub), res.public_port,
			res.port_preserved ? " (port preserved)" : "");
	disc->res = res;
	disc->have = true;
	if (changed)
		link_changed(disc);
	run_done(disc);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[SN_STUN_MSG_MAX + 1];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

static void on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
		    const struct sockaddr *from, unsigned int flags)
{
	struct semnetd_discover *disc = udp->data;
	struct sn_err err;
	bool already[2];
	int i;

	if (nread < 0 || !from || disc->stopped)
		return;
	if (disc->state != ASKING) {
		/* Checked as an answer to the last run, then dropped: a run's
		 * result comes only from its own answers. */
		struct semnetd_stun_run copy = disc->run;

		disc->ignored++;
		if ((flags & UV_UDP_PARTIAL) ||
		    semnetd_stun_take(&copy, from, buf->base, (size_t)nread, &err) < 0)
			snprintf(disc->ignored_why, sizeof(disc->ignored_why), "between runs: %s",
				 flags & UV_UDP_PARTIAL ? "a datagram too long" : err.msg);
		else
			snprintf(disc->ignored_why, sizeof(disc->ignored_why),
				 "between runs: a repeated answer");
		sn_debug("discovery: ignored: %s", disc->ignored_why);
		return;
	}
	memcpy(already, disc->run.got, sizeof(already));
	if ((flags & UV_UDP_PARTIAL) ||
	    (i = semnetd_stun_take(&disc->run, from, buf->base, (size_t)nread, &err)) < 0) {
		disc->ignored++;
		snprintf(disc->ignored_why, sizeof(disc->ignored_why), "%s",
			 flags & UV_UDP_PARTIAL ? "a datagram too long" : err.msg);
		sn_debug("discovery: ignored: %s", disc->ignored_why);
		return;
	}
	/* A second answer of a port (a request sent again, both answered)
	 * is the same news: counted as ignored, so answers stay 2 a run. */
	if (already[i]) {
		disc->ignored++;
		snprintf(disc->ignored_why, sizeof(disc->ignored_why), "a repeated answer");
		return;
	}
	disc->answers++;
	if (disc->run.got[0] && disc->run.got[1])
		finish(disc);
}

/* Sends the requests still unanswered. */
static void ask(struct semnetd_discover *disc)
{
	uint8_t nonce[SN_STUN_NONCE_LEN];
	char req[SN_STUN_REQUEST_MIN + 64], send_error[64] = "";
	struct sockaddr_storage to;
	int len, rc;

	if (disc->tries == 0) {
		if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
			set_error(disc, "no random nonce: %s", strerror(errno));
			return fail(disc);
		}
		for (int i = 0; i < SN_STUN_NONCE_LEN; i++)
			snprintf(disc->run.nonce + 2 * i, 3, "%02x", nonce[i]);
	} else {
		for (int i = 0; i < SN_STUN_NONCE_LEN; i++)
			sscanf(disc->run.nonce + 2 * i, "%2hhx", &nonce[i]);
	}
	len = sn_stun_request(nonce, req, sizeof(req));
	for (int i = 0; i < 2 && len > 0; i++) {
		uv_buf_t b = uv_buf_init(req, (unsigned int)len);

		if (disc->run.got[i])
			continue;
		to_sockaddr(&disc->cluster, disc->stun_port + i, &to);
		rc = uv_udp_try_send(disc->udp, &b, 1, (const struct sockaddr *)&to);
		if (rc == len)
			disc->requests++;
		else if (rc < 0 && rc != UV_EAGAIN)
			snprintf(send_error, sizeof(send_error), "%s", uv_strerror(rc));
	}
	/* Said with the run's failure (the next run binds the address the
	 * host has then: prepare). */
	if (send_error[0])
		snprintf(disc->send_error, sizeof(disc->send_error), "%s", send_error);
	disc->tries++;
	disc->state = ASKING;
	uv_timer_start(&disc->timer, on_timer, (uint64_t)sn_backoff_next(&disc->backoff), 0);
}

/* Whether @a is an address of this host now (a socket can bind it). */
static bool is_local(const struct sn_ipaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = a->family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						 sizeof(struct sockaddr_in);
	int fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return true;	/* cannot tell: as before */
	to_sockaddr(a, 0, &ss);
	rc = bind(fd, (struct sockaddr *)&ss, len);
	close(fd);
	return rc == 0 || errno != EADDRNOTAVAIL;
}

/*
 * The address a run's socket binds: the underlay address while the host
 * has it, else (it moved: a new DHCP lease) the source address of the
 * route to the cluster, where WireGuard's packets now leave from too.
 * semnetd finds its underlay at start only; each run looks again.
 */
static int source_for(struct semnetd_discover *disc, struct sn_ipaddr *out)
{
	const struct sn_ipaddr *u = &disc->d->underlay.addr;
	struct sockaddr_storage ss, to;
	socklen_t len = sizeof(ss);
	int fd, rc;

	if (u->family == disc->cluster.family && is_local(u)) {
		*out = *u;
		return 0;
	}
	if ((fd = socket(disc->cluster.family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	to_sockaddr(&disc->cluster, disc->stun_port, &to);
	rc = connect(fd, (struct sockaddr *)&to, disc->cluster.family == AF_INET6 ?
			 sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	if (rc == 0)
		rc = getsockname(fd, (struct sockaddr *)&ss, &len);
	rc = rc < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if (ss.ss_family == AF_INET6) {
		out->family = AF_INET6;
		out->v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	} else {
		*out = sn_ipaddr4(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr));
	}
	return 0;
}

/* The socket and the rule for @disc->cluster from @disc->local (the
 * run's source_for): once, again when either moves. */
static int prepare(struct semnetd_discover *disc)
{
	struct semnetd *d = disc->d;
	struct sockaddr_storage ss;
	char was[SN_IPADDR_STRLEN], now[SN_IPADDR_STRLEN];
	int len = sizeof(ss), rc, saved;
	struct sn_ipaddr local;
	struct sn_err err;

	if (d->underlay.addr.family != disc->cluster.family) {
		set_error(disc, "the cluster's address is %s, this node's underlay %s",
			  sn_ipaddr_family_name(disc->cluster.family),
			  sn_ipaddr_family_name(d->underlay.addr.family));
		return -1;
	}
	if ((rc = source_for(disc, &local)) < 0) {
		set_error(disc, "no route to the cluster: %s", strerror(-rc));
		return -1;
	}
	if (disc->udp && sn_ipaddr_equal(&local, &disc->local))
		return 0;
	if (disc->udp) {
		sn_info("discovery: this node's address moved from %s to %s: a new socket and rule",
			sn_ipaddr_format(&disc->local, was), sn_ipaddr_format(&local, now));
		close_socket(disc);	/* the rule is replaced below */
	}
	disc->local = local;
	if (!(disc->udp = malloc(sizeof(*disc->udp))))
		return set_error(disc, "out of memory"), -1;
	if ((rc = uv_udp_init_ex(d->loop, disc->udp, (unsigned int)disc->local.family)) < 0) {
		free(disc->udp);
		disc->udp = NULL;
		set_error(disc, "no UDP socket: %s", uv_strerror(rc));
		return -1;
	}
	disc->udp->data = disc;
	/*
	 * The port of the run before (a restart) when it is free: conntrack
	 * keeps that socket's snat mapping for a while (30 s without
	 * traffic), and a new port's requests would be mapped onto the same
	 * WireGuard port towards the same cluster port, a clash conntrack
	 * drops. The same port reuses the entry.
	 */
	if (semnetd_store_discovery_port_get(&d->db, &saved) < 0)
		saved = 0;
	to_sockaddr(&disc->local, saved, &ss);
	rc = uv_udp_bind(disc->udp, (const struct sockaddr *)&ss, 0);
	if (rc < 0 && saved) {
		to_sockaddr(&disc->local, 0, &ss);
		rc = uv_udp_bind(disc->udp, (const struct sockaddr *)&ss, 0);
	}
	if (rc < 0 ||
	    (rc = uv_udp_getsockname(disc->udp, (struct sockaddr *)&ss, &len)) < 0 ||
	    (rc = uv_udp_recv_start(disc->udp, on_alloc, on_recv)) < 0) {
		set_error(disc, "UDP socket: %s", uv_strerror(rc));
		close_socket(disc);
		return -1;
	}
	disc->sock_port = ntohs(ss.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	if (disc->sock_port != saved && semnetd_store_discovery_port_put(&d->db, disc->sock_port) < 0)
		sn_warn("discovery: cannot store the socket's port %d", disc->sock_port);
	if (!d->fw.available) {
		set_error(disc, "nftables cannot be used: no snat rule, so no discovery");
		close_socket(disc);
		return -1;
	}
	if (semnetd_fw_discovery_set(&d->fw, &disc->cluster, disc->stun_port, disc->sock_port,
				     &disc->local, d->cfg.wg_port, &err) < 0) {
		set_error(disc, "no snat rule (nft nat needs nf_nat and nf_conntrack): %s",
			  err.msg);
		close_socket(disc);
		return -1;
	}
	disc->rule = true;
	return 0;
}

static void start_asking(struct semnetd_discover *disc)
{
	if (prepare(disc) < 0)
		return fail(disc);
	memset(disc->run.got, 0, sizeof(disc->run.got));
	disc->run.cluster = disc->cluster;
	disc->run.port = disc->stun_port;
	disc->tries = 0;
	disc->send_error[0] = '\0';
	sn_backoff_init(&disc->backoff, FIRST_RETRY_MS, FIRST_RETRY_MS << (TRIES - 2));
	ask(disc);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct semnetd_discover *disc = req->data;
	struct sn_ipaddr a = { 0 };

	disc->gai_busy = false;
	if (status == UV_ECANCELED || disc->stopped || disc->state != RESOLVING) {
		uv_freeaddrinfo(res);
		return;
	}
	for (struct addrinfo *ai = status == 0 ? res : NULL; ai && !a.family; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			a.family = AF_INET;
			a.v4 = ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);
		} else if (ai->ai_family == AF_INET6) {
			a.family = AF_INET6;
			a.v6 = ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		}
	}
	uv_freeaddrinfo(res);
	if (!a.family) {
		set_error(disc, "cannot resolve the cluster's address %s: %s",
			  disc->d->id.cluster_address, status ? uv_strerror(status) : "no address");
		return fail(disc);
	}
	if (!sn_ipaddr_equal(&a, &disc->cluster)) {
		close_socket(disc);	/* the rule names the old address */
		disc->cluster = a;
	}
	start_asking(disc);
}

/* A run: the cluster's address first. */
static void start_run(struct semnetd_discover *disc)
{
	struct semnetd *d = disc->d;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct sn_ipaddr a;
	int rc;

	disc->runs++;
	if (sn_ipaddr_parse(d->id.cluster_address, &a)) {
		if (!sn_ipaddr_equal(&a, &disc->cluster)) {
			close_socket(disc);
			disc->cluster = a;
		}
		return start_asking(disc);
	}
	if (disc->gai_busy) {
		set_error(disc, "still resolving %s", d->id.cluster_address);
		return fail(disc);
	}
	hints.ai_family = d->underlay.addr.family ? d->underlay.addr.family : AF_UNSPEC;
	disc->gai.data = disc;
	disc->state = RESOLVING;
	disc->gai_busy = true;
	if ((rc = uv_getaddrinfo(d->loop, &disc->gai, on_resolved, d->id.cluster_address, NULL,
				 &hints)) < 0) {
		disc->gai_busy = false;
		disc->state = WAITING;
		set_error(disc, "cannot resolve the cluster's address %s: %s",
			  d->id.cluster_address, uv_strerror(rc));
		fail(disc);
	}
}

static void on_timer(uv_timer_t *timer)
{
	struct semnetd_discover *disc = timer->data;

	if (disc->state == WAITING)
		return start_run(disc);
	if (disc->state != ASKING)
		return;
	if (disc->tries < TRIES)
		return ask(disc);
	if (disc->run.got[0] || disc->run.got[1])
		set_error(disc, "no answer from the cluster's port %d after %d tries%s%s",
			  disc->stun_port + (disc->run.got[0] ? 1 : 0), TRIES,
			  disc->send_error[0] ? ": cannot send: " : "", disc->send_error);
	else
		set_error(disc, "no answer from the cluster's ports %d and %d after %d tries%s%s",
			  disc->stun_port, disc->stun_port + 1, TRIES,
			  disc->send_error[0] ? ": cannot send: " : "", disc->send_error);
	fail(disc);
}

void semnetd_discover_setup(struct semnetd_discover *disc)
{
	halt(disc);
	disc->stun_port = 0;
	if (disc->d->fw.available && semnetd_fw_discovery_clear(&disc->d->fw) > 0)
		sn_info("discovery: removed table inet semnet-discovery of an earlier run");
}

void semnetd_discover_on_registry(struct semnetd_discover *disc, json_t *registry)
{
	struct semnetd *d = disc->d;
	struct sn_err err;
	int port = semnetd_stun_port_read(registry, &err);

	if (port < 0) {
		set_error(disc, "node registry: %s", err.msg);
		port = 0;
	}
	if (port == disc->stun_port)
		return;
	halt(disc);
	disc->stun_port = port;
	if (port == 0) {
		forget(disc);
		if (!err.msg[0])
			set_error(disc, "the cluster offers none (no links.stun_port)");
		return;
	}
	if (d->cfg.wg_port == 0) {
		set_error(disc, "no WireGuard (--wg-port 0): nothing to discover");
		return;
	}
	/* Nodes that start together do not ask together. */
	schedule(disc, jittered(START_MAX_MS / 2, START_MAX_MS / 2));
}

void semnetd_discover_link(const struct semnetd_discover *disc, struct sn_link_info *link)
{
	link->has_nat = disc && disc->have;
	if (!link->has_nat)
		return;
	link->nat = disc->res.nat;
	link->public_addr = disc->res.public_addr;
	link->port_preserved = disc->res.port_preserved;
}

void semnetd_discover_stop(struct semnetd_discover *disc)
{
	if (!disc)
		return;
	halt(disc);
	disc->stopped = true;
}

void semnetd_discover_free(struct semnetd_discover *disc)
{
	free(disc);
}

static json_t *endpoint_json(const struct sn_ipaddr *a, int port)
{
	char text[SN_IPADDR_STRLEN + 8], addr[SN_IPADDR_STRLEN];

	if (a->family == AF_INET6)
		snprintf(text, sizeof(text), "[%s]:%d", sn_ipaddr_format(a, addr), port);
	else
		snprintf(text, sizeof(text), "%s:%d", sn_ipaddr_format(a, addr), port);
	return json_string(text);
}

json_t *semnetd_discover_json(const struct semnetd_discover *disc)
{
	static const char *const states[] = { "idle", "waiting", "resolving", "asking" };
	char cluster[SN_IPADDR_STRLEN], pub[SN_IPADDR_STRLEN];
	json_t *o, *mapped = json_array();

	if (!disc || !mapped) {
		json_decref(mapped);
		return NULL;
	}
	for (int i = 0; disc->have && i < 2; i++)
		json_array_append_new(mapped, endpoint_json(&disc->run.mapped[i],
							    disc->run.mapped_port[i]));
	o = json_pack("{s:s, s:i, s:o, s:o, s:s?, s:s?, s:o, s:o, s:o, s:s?, s:s?,"
		      " s:I, s:I, s:I, s:I, s:I, s:I}",
		"state", states[disc->state], "stun_port", disc->stun_port,
		"cluster", sn_ipaddr_is_set(&disc->cluster) ?
			   json_string(sn_ipaddr_format(&disc->cluster, cluster)) : json_null(),
		"local", disc->sock_port ? endpoint_json(&disc->local, disc->d->cfg.wg_port) :
			 json_null(),
		"nat", disc->have ? sn_link_nat_name(disc->res.nat) : NULL,
		"public_addr", disc->have ? sn_ipaddr_format(&disc->res.public_addr, pub) : NULL,
		"port_preserved", disc->have ? json_boolean(disc->res.port_preserved) : json_null(),
		"mapped", mapped,
		"at", disc->have ? json_integer(disc->at) : json_null(),
		"error", disc->error[0] ? disc->error : NULL,
		"last_ignored", disc->ignored_why[0] ? disc->ignored_why : NULL,
		"runs", (json_int_t)disc->runs, "requests", (json_int_t)disc->requests,
		"answers", (json_int_t)disc->answers, "ignored", (json_int_t)disc->ignored,
		"failures", (json_int_t)disc->failures, "changes", (json_int_t)disc->changes);
	return o;
}

void semnetd_discover_metrics(const struct semnetd_discover *disc, FILE *f)
{
	static const struct semnetd_metric_counter c[] = {
		{ "semnetd_discovery_runs_total", "endpoint discovery runs started",
		  offsetof(struct semnetd_discover, runs) },
		{ "semnetd_discovery_requests_total", "discovery requests sent",
		  offsetof(struct semnetd_discover, requests) },
		{ "semnetd_discovery_answers_total", "discovery answers taken",
		  offsetof(struct semnetd_discover, answers) },
		{ "semnetd_discovery_ignored_total",
		  "datagrams on the discovery socket ignored (another nonce, another source)",
		  offsetof(struct semnetd_discover, ignored) },
		{ "semnetd_discovery_failures_total", "discovery runs that found nothing",
		  offsetof(struct semnetd_discover, failures) },
	};

	if (disc)
		semnetd_metric_counters(f, disc, c, sizeof(c) / sizeof(c[0]));
}
