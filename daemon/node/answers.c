// SPDX-License-Identifier: GPL-2.0
/* Table answers into the kernel (answers.h). */
#include "answers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semnetd.h"
#include "sn_log.h"

/* One instance of an answer is local: 0 and its veth in *ifindex when
 * its lease stands (the lease is the truth: the answer may predate it),
 * -1 when it was undeployed meanwhile or the answer is stale. */
static int local_instance(struct semnetd *d, const char *job_name,
			  const struct sn_oak_instance *in, int *ifindex)
{
	struct semnetd_lease l;

	if (semnetd_store_lease_get(&d->db, job_name, in->number, &l) != 1 || !l.ifindex ||
	    l.nsip != in->ns_ip)
		return -1;
	if (l.instance_ip != in->instance_ip &&
	    semnetd_store_lease_set_instance_ip(&d->db, job_name, in->number,
						in->instance_ip) < 0)
		sn_error("cannot store the InstanceIP of %s/%d", job_name, in->number);
	*ifindex = l.ifindex;
	return 0;
}

/* One instance of an answer is on another node: 0 and its underlay
 * address in *host once a peer leads there. */
static int remote_instance(struct semnetd *d, const char *job_name,
			   const struct sn_oak_instance *in, uint32_t *host)
{
	struct sn_prefix subnet = {
		.addr = in->ns_ip & sn_prefix_mask(d->id.subnet.len),
		.len = d->id.subnet.len,
	};
	struct semnetd_peer *p;

	if (!sn_ipv4_parse(in->host_ip, host) || strcmp(in->tunnel, "gre-udp")) {
		sn_warn("instance %d of %s: unusable node address %s (%s)", in->number, job_name,
			in->host_ip, in->tunnel);
		return -1;
	}
	p = semnetd_peers_find(&d->peers, &subnet);
	if (!p || p->addr != *host)
		p = semnetd_peers_set(d, &subnet, *host, in->host_port);
	if (p && !p->from_registry)
		p->from_table = true;
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
	const char *what = s && s->closest_ip == p->addr ? "Closest" : "RR";

	if (!why[0])
		why = strerror(-err);
	if (!p->service) {
		sn_warn("instance %d of %s: the kernel refused it: %s", p->number, p->name, why);
		/* Nor may an older version of it stay there, out of the cache. */
		semnetd_kernel_instance_del(&d->genl, p->addr);
		for (size_t i = 0; s && i < s->ninst; i++) {
			if (s->inst[i].instance_ip == p->addr) {
				s->inst[i] = s->inst[--s->ninst];
				break;
			}
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
	sn_warn("%s address of %s: the kernel refused it: %s", what, p->name, why);
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

static void apply_instances(struct semnetd *d, struct semnetd_svc *s, const struct sn_oak_table *t)
{
	struct semnetd_svc_instance *next = calloc(t->ninstances + s->ninst + 1, sizeof(*next));
	size_t n = 0;

	if (!next) {
		sn_error("out of memory applying %s", s->name);
		return;
	}
	for (size_t i = 0; i < t->ninstances; i++) {
		const struct sn_oak_instance *in = &t->instances[i];
		struct semnetd_svc_instance *si = &next[n];
		struct semnetd_kput p = { .number = in->number };
		uint32_t host = 0;
		int ifindex = 0;

		if (!in->instance_ip || !in->ns_ip)
			continue;
		si->number = in->number;
		si->instance_ip = in->instance_ip;
		si->nsip = in->ns_ip;
		if (sn_prefix_contains(&d->id.subnet, in->ns_ip)) {
			if (local_instance(d, t->app_name, in, &ifindex) < 0)
				continue;
		} else if (remote_instance(d, t->app_name, in, &host) < 0) {
			continue;
		}
		si->node = host;
		p.addr = si->instance_ip;
		p.nsip = si->nsip;
		p.node = host;
		p.ifindex = ifindex;
		snprintf(p.name, sizeof(p.name), "%s", t->app_name);
		if (queue(d, &p) < 0)
			continue;
		n++;
	}
	/* Instances the answer no longer lists leave the kernel, except local
	 * ones: the answer may predate their deployment, and undeploy removes
	 * them. */
	for (size_t i = 0; i < s->ninst; i++) {
		bool kept = false;

		for (size_t j = 0; j < n && !kept; j++)
			kept = next[j].instance_ip == s->inst[i].instance_ip;
		if (!kept && sn_prefix_contains(&d->id.subnet, s->inst[i].nsip)) {
			next[n++] = s->inst[i];
			kept = true;
		}
		if (kept)
			continue;
		/* After what is queued: that may hold this very instance. */
		semnetd_answers_flush(d);
		if (semnetd_kernel_instance_del(&d->genl, s->inst[i].instance_ip) < 0)
			sn_debug("instance %u of %s was not in the kernel", s->inst[i].number,
				 s->name);
	}
	free(s->inst);
	s->inst = next;
	s->ninst = n;
}

/* @policy: "rr" for the RR address, "closest" for the Closest address. */
static void apply_service_addr(struct semnetd *d, struct semnetd_svc *s, uint32_t *have,
			       uint32_t want, const char *policy)
{
	struct semnetd_kput p = { .service = true, .addr = want };

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
	if (!sn_oak_job_name_valid(t.app_name)) {	/* it names MQTT topics */
		d->up.errors++;
		sn_warn("table answer for %s ignored: app_name is not app.appns.svc.svcns",
			key ? key : "?");
		sn_oak_table_free(&t);
		goto out;
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
	s->active_ms = now;
	sn_info("service %s: %zu instances installed (query %s, %llu ms)", s->name, s->ninst,
		key ? key : "-", sent ? (unsigned long long)(now - sent) : 0ULL);
	sn_oak_table_free(&t);
out:
	json_decref(msg);
}
