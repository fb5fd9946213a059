// SPDX-License-Identifier: GPL-2.0
/* Table answers into the kernel (answers.h). */
#include "answers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_parse.h"
#include "semnetd.h"
#include "sn_log.h"

/*
 * One instance of an answer is local: 0 and its veth in *ifindex when
 * its lease stands (the lease is the truth: the answer may predate it),
 * -1 when it was undeployed meanwhile or the answer is stale. Each family
 * the answer gives (*has4, *has6) must be the lease's nsIP; an IPv6 one
 * that is not only loses the IPv6 side (*has6 false).
 */
static int local_instance(struct semnetd *d, const char *job_name,
			  const struct sn_oak_instance *in, bool *has4, bool *has6, int *ifindex)
{
	struct semnetd_lease l;

	if (semnetd_store_lease_get(&d->db, job_name, in->number, &l) != 1 || !l.ifindex ||
	    (*has4 && l.nsip != in->ns_ip))
		return -1;
	if (*has6 && sn_ipv6_cmp(&l.nsip6, &in->ns_ip6))
		*has6 = false;
	if (!*has4 && !*has6)
		return -1;
	if (*has4 && l.instance_ip != in->instance_ip &&
	    semnetd_store_lease_set_instance_ip(&d->db, job_name, in->number,
						in->instance_ip) < 0)
		sn_error("cannot store the InstanceIP of %s/%d", job_name, in->number);
	if (*has6 && sn_ipv6_cmp(&l.instance_ip6, &in->instance_ip6) &&
	    semnetd_store_lease_set_instance_ip6(&d->db, job_name, in->number,
						 &in->instance_ip6) < 0)
		sn_error("cannot store the IPv6 InstanceIP of %s/%d", job_name, in->number);
	*ifindex = l.ifindex;
	return 0;
}

/*
 * One instance of an answer is on another node: 0 and its underlay
 * address (either family) in *host once a peer leads there, for each
 * family it has (its nsIP's subnet, of this node's plan's length: every
 * node's subnet has the same). No IPv6 peer (the kernel refused it): the
 * IPv6 side is left out (*has6 false), a balanced address must not pick
 * an unreachable one; nor the whole instance on a node this one cannot
 * peer with (an underlay of the other family: -1, said once).
 */
static int remote_instance(struct semnetd *d, const char *job_name,
			   const struct sn_oak_instance *in, bool has4, bool *has6,
			   struct sn_ipaddr *host)
{
	/* The parser took only "gre-udp" or "ipudp" (none: by the port). */
	int encap = semnetd_encap_of(in->tunnel, in->host_port);
	struct semnetd_peer *p;

	if (!sn_ipaddr_parse(in->host_ip, host) || encap < 0) {
		char key[SN_OAK_JOB_NAME_MAX + 128];

		snprintf(key, sizeof(key), "instance %d of %s: unusable node address '%.64s' (%s)",
			 in->number, job_name, in->host_ip, in->tunnel);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s", key);
		return -1;
	}
	if (!semnetd_peers_reachable(d, host, NULL))
		return -1;
	if (has4) {
		struct sn_prefix subnet = {
			.addr = in->ns_ip & sn_prefix_mask(d->id.subnet.len),
			.len = d->id.subnet.len,
		};

		/* Where the instance is now: a peer that moved, or changed
		 * its port or encapsulation, is put again. */
		p = semnetd_peers_set(d, &subnet, host, in->host_port, encap, NULL);
		if (p && !p->from_registry)
			p->from_table = true;
	}
	if (*has6) {
		struct sn_prefix6 subnet6 = { in->ns_ip6, d->id.subnet6.len };

		sn_ipv6_mask(&subnet6.addr, subnet6.len);
		p = semnetd_peers_set6(d, &subnet6, host, in->host_port, encap, NULL);
		if (p && !p->from_registry)
			p->from_table = true;
		*has6 = p != NULL;
	}
	return 0;
}

/* --- into the kernel, batched ----------------------------------------- */

_Static_assert(SN_OAK_JOB_NAME_MAX < SEMNET_NAME_MAX, "a job name fits a kernel object's");

static void on_flush_due(uv_check_t *check)
{
	struct semnetd *d = check->data;

	uv_check_stop(check);
	semnetd_answers_flush(d);
}

/*
 * Queues @p; the flush comes at the end of this turn of the loop (after
 * every message read in it: their objects share requests), before any
 * timer or delete that must see them. 0, or -1 (said in the log).
 */
static int queue(struct semnetd *d, const struct semnetd_kput *p)
{
	int rc = semnetd_kwriter_put(&d->kw, p);

	if (rc < 0) {
		sn_warn("%s %s: not installed: %s", p->service ? "service" : "an instance of",
			p->name, strerror(-rc));
		return -1;
	}
	if (!uv_is_active((uv_handle_t *)&d->kw_check))
		uv_check_start(&d->kw_check, on_flush_due);
	return 0;
}

/* The kernel refused @p (a flush sent the others): the cache forgets it. */
static void on_refused(void *arg, const struct semnetd_kput *p, int err, const char *why)
{
	static bool warned;
	struct semnetd *d = arg;
	struct semnetd_svc *s = semnetd_services_find(&d->services, p->name);
	const char *what = s && (p->v6 ? !sn_ipv6_cmp(&s->closest_ip6, &p->addr6) :
					 s->closest_ip == p->addr) ? "Closest" : "RR";

	if (!why[0])
		why = strerror(-err);
	if (!p->service) {
		sn_warn("instance %d of %s%s: the kernel refused it: %s", p->number, p->name,
			p->v6 ? " (IPv6)" : "", why);
		/* Nor may an older version of it stay there, out of the cache
		 * (its other family stays). */
		if (p->v6)
			semnetd_kernel_instance_del6(&d->genl, &p->addr6);
		else
			semnetd_kernel_instance_del(&d->genl, p->addr);
		for (size_t i = 0; s && i < s->ninst; i++) {
			struct semnetd_svc_instance *si = &s->inst[i];

			if (p->v6 && !sn_ipv6_cmp(&si->instance_ip6, &p->addr6)) {
				memset(&si->instance_ip6, 0, sizeof(si->instance_ip6));
				memset(&si->nsip6, 0, sizeof(si->nsip6));
			} else if (!p->v6 && si->instance_ip == p->addr) {
				si->instance_ip = si->nsip = 0;
			} else {
				continue;
			}
			if (!si->instance_ip && sn_ipv6_is_zero(&si->instance_ip6))
				s->inst[i] = s->inst[--s->ninst];
			break;
		}
		return;
	}
	if (err == -EINVAL && !strcmp(p->policy, "closest")) {
		/* An older semnet.ko without the closest policy: the address
		 * balances round robin rather than missing for ever. */
		struct semnetd_kput rr = *p;

		if (!warned)
			sn_warn("the kernel refused policy closest (%s): Closest addresses balance round robin",
				why);
		warned = true;
		snprintf(rr.policy, sizeof(rr.policy), "rr");
		if (semnetd_kwriter_put(&d->kw, &rr) == 0)
			return;	/* the flush that called us sends it */
	}
	sn_warn("%s address of %s%s: the kernel refused it: %s", what, p->name,
		p->v6 ? " (IPv6)" : "", why);
	if (s && p->v6) {
		if (!sn_ipv6_cmp(&s->rr_ip6, &p->addr6))
			memset(&s->rr_ip6, 0, sizeof(s->rr_ip6));
		if (!sn_ipv6_cmp(&s->closest_ip6, &p->addr6))
			memset(&s->closest_ip6, 0, sizeof(s->closest_ip6));
		return;
	}
	if (s && s->rr_ip == p->addr)
		s->rr_ip = 0;
	if (s && s->closest_ip == p->addr)
		s->closest_ip = 0;
}

int semnetd_answers_init(struct semnetd *d)
{
	int rc = semnetd_kwriter_init(&d->kw, &d->genl, on_refused, d);

	if (rc < 0)
		return rc;
	uv_check_init(d->loop, &d->kw_check);
	d->kw_check.data = d;
	return 0;
}

void semnetd_answers_flush(struct semnetd *d)
{
	if (semnetd_kwriter_pending(&d->kw))
		semnetd_kwriter_flush(&d->kw);
}

void semnetd_answers_free(struct semnetd *d)
{
	semnetd_kwriter_free(&d->kw);
}

/* Does @si's nsIP (either family) lie in this node's subnets? */
static bool is_local(const struct semnetd *d, const struct semnetd_svc_instance *si)
{
	return (si->nsip && sn_prefix_contains(&d->id.subnet, si->nsip)) ||
	       (!sn_ipv6_is_zero(&si->nsip6) && d->id.subnet6.len &&
		sn_prefix6_contains(&d->id.subnet6, &si->nsip6));
}

/*
 * One instance of the answer into the kernel: a kernel instance per
 * family it has there (IPv6 only on a node with an IPv6 side). Fills @si;
 * false when nothing of it was installed.
 */
static bool apply_instance(struct semnetd *d, const struct sn_oak_table *t,
			   const struct sn_oak_instance *in, struct semnetd_svc_instance *si)
{
	bool has4 = in->instance_ip && in->ns_ip;
	bool has6 = d->v6 && sn_json_ipv6_set(&in->instance_ip6) && sn_json_ipv6_set(&in->ns_ip6);
	struct semnetd_kput p = { .number = in->number };
	struct sn_ipaddr host = { 0 };
	int ifindex = 0;
	bool local;

	memset(si, 0, sizeof(*si));
	si->number = in->number;
	if (!has4 && !has6)
		return false;
	local = has4 ? sn_prefix_contains(&d->id.subnet, in->ns_ip) :
		       sn_prefix6_contains(&d->id.subnet6, &in->ns_ip6);
	if (local ? local_instance(d, t->app_name, in, &has4, &has6, &ifindex) < 0 :
		    remote_instance(d, t->app_name, in, has4, &has6, &host) < 0)
		return false;
	si->node = host;
	/* The kernel's node attribute is IPv4 (and informational): an
	 * instance on an IPv6-underlay node has none there. */
	p.node = host.family == AF_INET ? host.v4 : 0;
	p.ifindex = ifindex;
	snprintf(p.name, sizeof(p.name), "%s", t->app_name);
	if (has4) {
		p.addr = in->instance_ip;
		p.nsip = in->ns_ip;
		if (queue(d, &p) == 0) {
			si->instance_ip = in->instance_ip;
			si->nsip = in->ns_ip;
		}
	}
	if (has6) {
		p.v6 = true;
		p.addr = p.nsip = 0;
		p.addr6 = in->instance_ip6;
		p.nsip6 = in->ns_ip6;
		if (queue(d, &p) == 0) {
			si->instance_ip6 = in->instance_ip6;
			si->nsip6 = in->ns_ip6;
		}
	}
	return si->instance_ip || !sn_ipv6_is_zero(&si->instance_ip6);
}

static void apply_instances(struct semnetd *d, struct semnetd_svc *s, const struct sn_oak_table *t)
{
	struct semnetd_svc_instance *next = calloc(t->ninstances + s->ninst + 1, sizeof(*next));
	size_t n = 0;

	if (!next) {
		sn_error("out of memory applying %s", s->name);
		return;
	}
	for (size_t i = 0; i < t->ninstances; i++)
		if (apply_instance(d, t, &t->instances[i], &next[n]))
			n++;
	/* Instances the answer no longer lists leave the kernel (each family
	 * on its own), except local ones: the answer may predate their
	 * deployment, and undeploy removes them. */
	for (size_t i = 0; i < s->ninst; i++) {
		const struct semnetd_svc_instance *old = &s->inst[i];
		bool kept4 = !old->instance_ip, kept6 = sn_ipv6_is_zero(&old->instance_ip6);

		for (size_t j = 0; j < n; j++) {
			kept4 |= next[j].instance_ip == old->instance_ip;
			kept6 |= !sn_ipv6_cmp(&next[j].instance_ip6, &old->instance_ip6);
		}
		if (kept4 && kept6)
			continue;
		if (is_local(d, old)) {
			if (!kept4 && !kept6)
				next[n++] = *old;
			continue;
		}
		/* After what is queued: that may hold this very instance. */
		semnetd_answers_flush(d);
		if (!kept4 && semnetd_kernel_instance_del(&d->genl, old->instance_ip) < 0)
			sn_debug("instance %d of %s was not in the kernel", old->number, s->name);
		if (!kept6 && semnetd_kernel_instance_del6(&d->genl, &old->instance_ip6) < 0)
			sn_debug("instance %d of %s (IPv6) was not in the kernel", old->number,
				 s->name);
	}
	free(s->inst);
	s->inst = next;
	s->ninst = n;
}

/* @policy: "rr" for the RR address, "closest" for the Closest address. */
/* The same for an IPv6 address (:: for none). */
static void apply_service_addr6(struct semnetd *d, struct semnetd_svc *s, struct in6_addr *have,
				const struct in6_addr *want, const char *policy)
{
	struct semnetd_kput p = { .service = true, .v6 = true, .addr6 = *want };

	if (!sn_ipv6_is_zero(want) && !sn_ipv6_cmp(have, want))
		return;		/* installed: see apply_service_addr() */
	if (!sn_ipv6_is_zero(have) && sn_ipv6_cmp(have, want)) {
		semnetd_answers_flush(d);	/* it may be queued */
		semnetd_kernel_service_del6(&d->genl, have);
	}
	memset(have, 0, sizeof(*have));
	if (sn_ipv6_is_zero(want))
		return;
	snprintf(p.name, sizeof(p.name), "%s", s->name);
	snprintf(p.policy, sizeof(p.policy), "%s", policy);
	if (queue(d, &p) == 0)
		*have = *want;
}

static void apply_service_addr(struct semnetd *d, struct semnetd_svc *s, uint32_t *have,
			       uint32_t want, const char *policy)
{
	struct semnetd_kput p = { .service = true, .addr = want };

	/*
	 * Installed already (by an answer, or in the kernel at a restart):
	 * left alone, since the kernel replaces a service as a new object and
	 * drops the flows the old one picked. A miss for it (the kernel lost
	 * it) clears *have first (misses.c).
	 */
	if (want && *have == want)
		return;
	if (*have && *have != want) {
		semnetd_answers_flush(d);	/* it may be queued */
		semnetd_kernel_service_del(&d->genl, *have);
	}
	*have = 0;
	if (!want)
		return;
	snprintf(p.name, sizeof(p.name), "%s", s->name);
	snprintf(p.policy, sizeof(p.policy), "%s", policy);
	if (queue(d, &p) == 0)
		*have = want;
}

void semnetd_answers_on_result(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	struct sn_oak_table t;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err);
	const char *key, *error;
	uint64_t sent, now = uv_now(d->loop);
	struct semnetd_svc *s;

	if (!msg) {
		sn_warn("table answer ignored: %s", err.msg);
		d->up.errors++;
		return;
	}
	key = json_string_value(json_object_get(msg, "query_key"));
	error = json_string_value(json_object_get(msg, "error"));
	sent = key ? semnetd_queries_done(&d->queries, key) : 0;
	if (sent) {
		d->up.answers++;
		d->up.latency_ms_sum += now - sent;
		if (now - sent > d->up.latency_ms_max)
			d->up.latency_ms_max = now - sent;
	}
	if (error) {
		d->up.errors++;
		sn_info("table query %s: the cluster says: %s", key ? key : "?", error);
		goto out;
	}
	if (d->state != SEMNETD_READY)
		goto out;
	if (sn_oak_table_parse(msg, &t, &err) < 0) {
		d->up.errors++;
		sn_warn("table answer for %s ignored: %s", key ? key : "?", err.msg);
		goto out;
	}
	if (t.malformed) {
		/* A bad host_port or tunnel: that instance is left out, the
		 * others go in. Said once per service and reason. */
		char said[sizeof(t.app_name) + sizeof(t.malformed_why.msg) + 8];

		snprintf(said, sizeof(said), "%s: %s", t.app_name, t.malformed_why.msg);
		if (!semnetd_peers_said(&d->peers, said))
			sn_warn("table answer for %s: %zu located instance%s left out (the first, %s)",
				t.app_name, t.malformed, t.malformed == 1 ? "" : "s",
				t.malformed_why.msg);
	}
	s = semnetd_services_find(&d->services, t.app_name);
	if (!s && !(s = semnetd_services_add(d, t.app_name))) {
		sn_oak_table_free(&t);
		goto out;
	}
	/* Instances first: the service address must find them at once, so a
	 * held packet is released towards an instance. */
	apply_instances(d, s, &t);
	apply_service_addr(d, s, &s->rr_ip, t.rr_ip, "rr");
	apply_service_addr(d, s, &s->closest_ip, t.closest_ip, "closest");
	if (d->v6) {
		apply_service_addr6(d, s, &s->rr_ip6, &t.rr_ip6, "rr");
		apply_service_addr6(d, s, &s->closest_ip6, &t.closest_ip6, "closest");
	}
	s->active_ms = now;
	sn_info("service %s: %zu instances installed (query %s, %llu ms)", s->name, s->ninst,
		key ? key : "-", sent ? (unsigned long long)(now - sent) : 0ULL);
	sn_oak_table_free(&t);
	/* An earlier run's peers kept for this answer (peers.h). */
	semnetd_peers_sweep_kernel(d);
out:
	json_decref(msg);
}
