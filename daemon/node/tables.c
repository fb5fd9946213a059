// SPDX-License-Identifier: GPL-2.0
#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uapi/linux/semnet.h>

#include "probe.h"
#include "semnetd.h"
#include "sn_log.h"
#include "sn_oak.h"

#define QUERY_RETRY_MS 3000	/* an unanswered query may be asked again */
#define TOPIC_MAX 256

struct svc_instance {
	int number;
	uint32_t instance_ip;
	uint32_t nsip;
	uint32_t node;		/* underlay address, 0 for a local instance */
};

struct svc {
	char name[SN_OAK_JOB_NAME_MAX + 1];
	uint32_t rr_ip, closest_ip;
	struct svc_instance *inst;
	size_t ninst;
	uint64_t packets;	/* kernel counters last seen */
	uint64_t active_ms;	/* when traffic or a query last touched it */
	struct svc *next;
};

struct query {
	char key[SN_OAK_JOB_NAME_MAX + 1];	/* sname or sip, as asked */
	uint64_t sent_ms;
	struct query *next;
};

struct peer {
	struct sn_prefix subnet;
	uint32_t addr;
	int port;
	bool from_registry;
	bool from_table;
	struct peer *next;
};

struct semnetd_tables {
	struct svc *svcs;
	struct query *queries;
	struct peer *peers;
	int64_t registry_version;
};

struct semnetd_tables *semnetd_tables_new(void)
{
	struct semnetd_tables *t = calloc(1, sizeof(*t));

	if (t)
		t->registry_version = -1;
	return t;
}

static void svc_free(struct svc *s)
{
	free(s->inst);
	free(s);
}

void semnetd_tables_free(struct semnetd_tables *t)
{
	if (!t)
		return;
	while (t->svcs) {
		struct svc *s = t->svcs;

		t->svcs = s->next;
		svc_free(s);
	}
	while (t->queries) {
		struct query *q = t->queries;

		t->queries = q->next;
		free(q);
	}
	while (t->peers) {
		struct peer *p = t->peers;

		t->peers = p->next;
		free(p);
	}
	free(t);
}

size_t semnetd_tables_count(const struct semnetd_tables *t)
{
	size_t n = 0;

	for (const struct svc *s = t->svcs; s; s = s->next)
		n++;
	return n;
}

size_t semnetd_tables_pending(const struct semnetd_tables *t)
{
	size_t n = 0;

	for (const struct query *q = t->queries; q; q = q->next)
		n++;
	return n;
}

static struct svc *svc_find(struct semnetd_tables *t, const char *name)
{
	for (struct svc *s = t->svcs; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static struct svc *svc_by_addr(struct semnetd_tables *t, uint32_t addr)
{
	for (struct svc *s = t->svcs; s; s = s->next) {
		if (s->rr_ip == addr || s->closest_ip == addr)
			return s;
		for (size_t i = 0; i < s->ninst; i++)
			if (s->inst[i].instance_ip == addr)
				return s;
	}
	return NULL;
}

static void update_topic(const char *name, char topic[TOPIC_MAX])
{
	snprintf(topic, TOPIC_MAX, "jobs/%s/updates_available", name);
}

static struct svc *svc_add(struct semnetd *d, const char *name)
{
	struct svc *s = calloc(1, sizeof(*s));
	char topic[TOPIC_MAX];

	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->active_ms = uv_now(d->loop);
	s->next = d->tables->svcs;
	d->tables->svcs = s;
	update_topic(name, topic);
	semnetd_subscribe(d, topic);
	return s;
}

/* --- queries ----------------------------------------------------------- */

static void query(struct semnetd *d, const char *key, bool by_name)
{
	struct semnetd_tables *t = d->tables;
	uint64_t now = uv_now(d->loop);
	struct query *q;
	json_t *msg;

	for (q = t->queries; q; q = q->next)
		if (!strcmp(q->key, key))
			break;
	if (q && now - q->sent_ms < QUERY_RETRY_MS)
		return;	/* asked already; the answer serves both */
	if (!q) {
		if (!(q = calloc(1, sizeof(*q))))
			return;
		snprintf(q->key, sizeof(q->key), "%s", key);
		q->next = t->queries;
		t->queries = q;
	}
	q->sent_ms = now;
	msg = json_pack("{s:s, s:s}", "sname", by_name ? key : "", "sip", by_name ? "" : key);
	if (msg) {
		semnetd_publish(d, "tablequery/request", msg);
		json_decref(msg);
	}
	d->up.queries++;
	sn_debug("table query for %s", key);
}

void semnetd_tables_query_name(struct semnetd *d, const char *job_name)
{
	query(d, job_name, true);
}

void semnetd_tables_query_addr(struct semnetd *d, uint32_t addr)
{
	char text[SN_IPV4_STRLEN];

	sn_ipv4_format(addr, text);
	query(d, text, false);
}

void semnetd_tables_requery_all(struct semnetd *d)
{
	for (struct query *q = d->tables->queries; q; q = q->next)
		q->sent_ms = 0;	/* lost with the connection: ask again */
	for (struct svc *s = d->tables->svcs; s; s = s->next)
		query(d, s->name, true);
}

void semnetd_tables_subscribe_all(struct semnetd *d)
{
	char topic[TOPIC_MAX];

	for (struct svc *s = d->tables->svcs; s; s = s->next) {
		update_topic(s->name, topic);
		semnetd_subscribe(d, topic);
	}
}

/* Removes the pending query @key; returns when it was sent (0: unknown). */
static uint64_t query_done(struct semnetd_tables *t, const char *key)
{
	for (struct query **pq = &t->queries; *pq; pq = &(*pq)->next) {
		struct query *q = *pq;

		if (!strcmp(q->key, key)) {
			uint64_t sent = q->sent_ms;

			*pq = q->next;
			free(q);
			return sent;
		}
	}
	return 0;
}

/* --- peers ------------------------------------------------------------- */

static struct peer *peer_find(struct semnetd_tables *t, const struct sn_prefix *subnet)
{
	for (struct peer *p = t->peers; p; p = p->next)
		if (p->subnet.addr == subnet->addr && p->subnet.len == subnet->len)
			return p;
	return NULL;
}

/* Makes the kernel send @subnet to @addr:@port. */
static struct peer *peer_set(struct semnetd *d, const struct sn_prefix *subnet, uint32_t addr,
			     int port)
{
	struct peer *p = peer_find(d->tables, subnet);
	char text[SN_CIDR_STRLEN];
	int rc;

	if (p && p->addr == addr && p->port == port)
		return p;
	sn_prefix_format(subnet, text);
	rc = semnetd_kernel_peer_put(&d->genl, subnet, addr, port);
	if (rc < 0) {
		sn_warn("peer %s: the kernel refused it: %s", text,
			d->genl.error[0] ? d->genl.error : strerror(-rc));
		return NULL;
	}
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return NULL;
		p->subnet = *subnet;
		p->next = d->tables->peers;
		d->tables->peers = p;
	}
	p->addr = addr;
	p->port = port;
	semnetd_probe_peer_added(d->probe, addr);
	sn_info("peer %s at %u.%u.%u.%u:%d", text, addr >> 24, (addr >> 16) & 255,
		(addr >> 8) & 255, addr & 255, port);
	return p;
}

static void peer_drop(struct semnetd *d, struct peer *p)
{
	char text[SN_CIDR_STRLEN];

	for (struct peer **pp = &d->tables->peers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	sn_prefix_format(&p->subnet, text);
	if (semnetd_kernel_peer_del(&d->genl, &p->subnet) < 0)
		sn_debug("peer %s was not in the kernel", text);
	sn_info("peer %s removed", text);
	free(p);
	semnetd_probe_peers_changed(d->probe);
}

void semnetd_tables_peer_each(const struct semnetd_tables *t,
			      void (*fn)(void *arg, const struct sn_prefix *subnet, uint32_t addr),
			      void *arg)
{
	for (const struct peer *p = t->peers; p; p = p->next)
		fn(arg, &p->subnet, p->addr);
}

void semnetd_tables_on_registry(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err), *nodes, *n;
	json_int_t version;
	size_t i;

	if (!msg) {
		sn_warn("node registry ignored: %s", err.msg);
		return;
	}
	if (d->state != SEMNETD_READY)
		goto out;	/* the retained copy comes again after setup */
	nodes = json_object_get(msg, "nodes");
	version = json_integer_value(json_object_get(msg, "version"));
	if (!json_is_array(nodes)) {
		sn_warn("node registry ignored: no 'nodes' list");
		goto out;
	}
	for (struct peer *p = d->tables->peers; p; p = p->next)
		p->from_registry = false;
	json_array_foreach(nodes, i, n) {
		const char *subnet_text = json_string_value(json_object_get(n, "subnet"));
		const char *host = json_string_value(json_object_get(n, "host_ip"));
		const char *tunnel = json_string_value(json_object_get(n, "tunnel"));
		json_int_t port = json_integer_value(json_object_get(n, "host_port"));
		struct sn_prefix subnet;
		uint32_t addr;
		struct peer *p;

		if (!subnet_text || !host || !sn_prefix_parse(subnet_text, &subnet) ||
		    !sn_ipv4_parse(host, &addr) || port < 1 || port > 65535)
			continue;	/* no underlay yet, or not ours to read */
		if (subnet.addr == d->id.subnet.addr && subnet.len == d->id.subnet.len)
			continue;	/* this node */
		if (tunnel && strcmp(tunnel, "gre-udp")) {
			sn_warn("node %s speaks %s, which semnet0 does not: no peer",
				json_string_value(json_object_get(n, "node_id")), tunnel);
			continue;
		}
		if ((p = peer_set(d, &subnet, addr, (int)port)))
			p->from_registry = true;
	}
	/* Nodes that left: unless a table answer still needs them. */
	for (struct peer *p = d->tables->peers, *next; p; p = next) {
		next = p->next;
		if (!p->from_registry && !p->from_table)
			peer_drop(d, p);
	}
	d->tables->registry_version = version;
out:
	json_decref(msg);
}

/* --- table answers ----------------------------------------------------- */

/* The veth ifindex of a local instance (0 when unknown). */
static int local_ifindex(struct semnetd *d, const char *job_name, int number,
			 struct semnetd_lease *l)
{
	if (semnetd_store_lease_get(&d->db, job_name, number, l) != 1)
		return 0;
	return semnetd_host_ifindex(&d->host, l->veth);
}

int semnetd_tables_install_local(struct semnetd *d, const struct semnetd_lease *l)
{
	int ifindex = semnetd_host_ifindex(&d->host, l->veth);
	int rc;

	if (!l->instance_ip)
		return 0;
	rc = semnetd_kernel_instance_put(&d->genl, l->instance_ip, l->job_name, l->nsip, 0,
					 ifindex);
	if (rc < 0)
		sn_warn("instance %d of %s: the kernel refused it: %s", l->number, l->job_name,
			d->genl.error[0] ? d->genl.error : strerror(-rc));
	return rc;
}

static void apply_instances(struct semnetd *d, struct svc *s, const struct sn_oak_table *t)
{
	struct svc_instance *next = calloc(t->ninstances + s->ninst + 1, sizeof(*next));
	size_t n = 0;

	if (!next) {
		sn_error("out of memory applying %s", s->name);
		return;
	}
	for (size_t i = 0; i < t->ninstances; i++) {
		const struct sn_oak_instance *in = &t->instances[i];
		struct svc_instance *si = &next[n];
		struct semnetd_lease l;
		uint32_t host = 0;
		int rc, ifindex = 0;

		if (!in->instance_ip || !in->ns_ip)
			continue;
		si->number = in->number;
		si->instance_ip = in->instance_ip;
		si->nsip = in->ns_ip;
		if (sn_prefix_contains(&d->id.subnet, in->ns_ip)) {
			/* Ours: the lease is the truth (the answer may predate it). */
			ifindex = local_ifindex(d, t->app_name, in->number, &l);
			if (!ifindex || l.nsip != in->ns_ip)
				continue;	/* undeployed meanwhile, or stale */
			if (l.instance_ip != in->instance_ip &&
			    semnetd_store_lease_set_instance_ip(&d->db, t->app_name, in->number,
								in->instance_ip) < 0)
				sn_error("cannot store the InstanceIP of %s/%d", t->app_name,
					 in->number);
		} else {
			struct sn_prefix subnet = {
				.addr = in->ns_ip & sn_prefix_mask(d->id.subnet.len),
				.len = d->id.subnet.len,
			};
			struct peer *p;

			if (!sn_ipv4_parse(in->host_ip, &host) || strcmp(in->tunnel, "gre-udp")) {
				sn_warn("instance %d of %s: unusable node address %s (%s)", in->number,
					t->app_name, in->host_ip, in->tunnel);
				continue;
			}
			p = peer_find(d->tables, &subnet);
			if (!p || p->addr != host)
				p = peer_set(d, &subnet, host, in->host_port);
			if (p && !p->from_registry)
				p->from_table = true;
		}
		si->node = host;
		rc = semnetd_kernel_instance_put(&d->genl, si->instance_ip, t->app_name, si->nsip,
						 host, ifindex);
		if (rc < 0) {
			sn_warn("instance %d of %s: the kernel refused it: %s", in->number,
				t->app_name, d->genl.error[0] ? d->genl.error : strerror(-rc));
			continue;
		}
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
		if (!kept && semnetd_kernel_instance_del(&d->genl, s->inst[i].instance_ip) < 0)
			sn_debug("instance %u of %s was not in the kernel", s->inst[i].number,
				 s->name);
	}
	free(s->inst);
	s->inst = next;
	s->ninst = n;
}

/* @policy: "rr" for the RR address, "closest" for the Closest address. */
static void apply_service_addr(struct semnetd *d, struct svc *s, uint32_t *have, uint32_t want,
			       const char *what, const char *policy)
{
	static bool warned;
	int rc;

	if (*have && *have != want)
		semnetd_kernel_service_del(&d->genl, *have);
	*have = 0;
	if (!want)
		return;
	rc = semnetd_kernel_service_put(&d->genl, want, s->name, policy);
	if (rc == -EINVAL && !strcmp(policy, "closest")) {
		/* An older semnet.ko without the closest policy: the address
		 * balances round robin rather than missing for ever. */
		if (!warned)
			sn_warn("the kernel refused policy closest (%s): Closest addresses balance round robin",
				d->genl.error[0] ? d->genl.error : strerror(-rc));
		warned = true;
		rc = semnetd_kernel_service_put(&d->genl, want, s->name, "rr");
	}
	if (rc < 0) {
		sn_warn("%s address of %s: the kernel refused it: %s", what, s->name,
			d->genl.error[0] ? d->genl.error : strerror(-rc));
		return;
	}
	*have = want;
}

void semnetd_tables_on_result(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	struct sn_oak_table t;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err);
	const char *key, *error;
	uint64_t sent, now = uv_now(d->loop);
	struct svc *s;

	if (!msg) {
		sn_warn("table answer ignored: %s", err.msg);
		d->up.errors++;
		return;
	}
	key = json_string_value(json_object_get(msg, "query_key"));
	error = json_string_value(json_object_get(msg, "error"));
	sent = key ? query_done(d->tables, key) : 0;
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
	s = svc_find(d->tables, t.app_name);
	if (!s && !(s = svc_add(d, t.app_name))) {
		sn_oak_table_free(&t);
		goto out;
	}
	/* Instances first: the service address must find them at once, so a
	 * held packet is released towards an instance. */
	apply_instances(d, s, &t);
	apply_service_addr(d, s, &s->rr_ip, t.rr_ip, "RR", "rr");
	apply_service_addr(d, s, &s->closest_ip, t.closest_ip, "Closest", "closest");
	s->active_ms = now;
	sn_info("service %s: %zu instances installed (query %s, %llu ms)", s->name, s->ninst,
		key ? key : "-", sent ? (unsigned long long)(now - sent) : 0ULL);
	sn_oak_table_free(&t);
out:
	json_decref(msg);
}

void semnetd_tables_on_update(struct semnetd *d, const char *job_name)
{
	d->up.updates++;
	if (svc_find(d->tables, job_name))
		query(d, job_name, true);
}

void semnetd_tables_on_miss(struct semnetd *d, const struct semnetd_miss *m)
{
	char text[SN_IPV4_STRLEN];
	struct svc *s;

	d->up.misses++;
	sn_ipv4_format(m->addr, text);
	if (m->kind == SEMNET_MISS_PEER) {
		/* Peers come from the registry; a node it lacks is not ours. */
		sn_info("miss: no peer for %s (not in the cluster's node registry)", text);
		return;
	}
	s = svc_by_addr(d->tables, m->addr);
	sn_debug("miss: %s (%u held)%s", text, m->held, s ? ", known service: re-query" : "");
	if (s)
		query(d, s->name, true);
	else
		query(d, text, false);
}

void semnetd_tables_local_gone(struct semnetd *d, const struct semnetd_lease *l)
{
	struct svc *s = svc_find(d->tables, l->job_name);

	if (l->instance_ip && semnetd_kernel_instance_del(&d->genl, l->instance_ip) < 0)
		sn_debug("instance %d of %s was not in the kernel", l->number, l->job_name);
	if (!s)
		return;
	for (size_t i = 0; i < s->ninst; i++) {
		if (s->inst[i].nsip == l->nsip) {
			s->inst[i] = s->inst[--s->ninst];
			break;
		}
	}
	s->active_ms = uv_now(d->loop);	/* idles out from now if unused */
}

void semnetd_tables_adopt_kernel(struct semnetd *d)
{
	struct semnetd_kservice *ks;
	struct semnetd_kinstance *ki;
	size_t nks, nki;

	if (semnetd_kernel_services(&d->genl, &ks, &nks) < 0)
		return;
	if (semnetd_kernel_instances(&d->genl, &ki, &nki) < 0) {
		free(ks);
		return;
	}
	for (size_t i = 0; i < nks; i++) {
		struct svc *s = svc_find(d->tables, ks[i].name);

		if (!sn_oak_job_name_valid(ks[i].name))
			continue;	/* not one of ours (added by hand) */
		if (!s && !(s = svc_add(d, ks[i].name)))
			continue;
		s->packets += ks[i].c.packets;
		/* The policy tells the addresses apart; the cluster's answer
		 * re-installs both and drops what is not listed. */
		if (!strcmp(ks[i].policy, "closest") || s->rr_ip)
			s->closest_ip = ks[i].addr;
		else
			s->rr_ip = ks[i].addr;
	}
	for (size_t i = 0; i < nki; i++) {
		struct svc *s = svc_find(d->tables, ki[i].service);
		struct svc_instance *grown;

		if (!sn_oak_job_name_valid(ki[i].service))
			continue;
		if (!s && !(s = svc_add(d, ki[i].service)))
			continue;
		if (!(grown = realloc(s->inst, (s->ninst + 1) * sizeof(*grown))))
			continue;
		s->inst = grown;
		s->inst[s->ninst++] = (struct svc_instance){
			.number = -1, .instance_ip = ki[i].addr, .nsip = ki[i].nsip,
			.node = ki[i].node,
		};
		s->packets += ki[i].c.packets;
	}
	free(ks);
	free(ki);
	for (struct svc *s = d->tables->svcs; s; s = s->next)
		query(d, s->name, true);
	if (nks || nki)
		sn_info("adopted %zu service addresses and %zu instances from the kernel", nks, nki);
}

/* --- interest ---------------------------------------------------------- */

/* An idle connection (no packets for a while) still needs its service. */
static bool has_flows(struct semnetd *d, const struct svc *s)
{
	size_t n = 0;

	if (s->rr_ip && semnetd_kernel_flow_count(&d->genl, s->rr_ip, 0, &n) == 0 && n)
		return true;
	if (s->closest_ip && semnetd_kernel_flow_count(&d->genl, s->closest_ip, 0, &n) == 0 && n)
		return true;
	for (size_t i = 0; i < s->ninst; i++)
		if (semnetd_kernel_flow_count(&d->genl, 0, s->inst[i].instance_ip, &n) == 0 && n)
			return true;
	return false;
}

static void forget(struct semnetd *d, struct svc *s)
{
	char topic[TOPIC_MAX];
	json_t *msg;

	for (size_t i = 0; i < s->ninst; i++)
		semnetd_kernel_instance_del(&d->genl, s->inst[i].instance_ip);
	if (s->rr_ip)
		semnetd_kernel_service_del(&d->genl, s->rr_ip);
	if (s->closest_ip)
		semnetd_kernel_service_del(&d->genl, s->closest_ip);
	update_topic(s->name, topic);
	semnetd_unsubscribe(d, topic);
	msg = json_pack("{s:s}", "appname", s->name);
	if (msg) {
		semnetd_publish(d, "interest/remove", msg);
		json_decref(msg);
	}
	sn_info("service %s unused for %d ms: forgotten", s->name, d->cfg.interest_idle_ms);
}

static void query_if_unnamed(void *arg, const struct semnetd_lease *l)
{
	if (!l->instance_ip)
		query(arg, l->job_name, true);
}

void semnetd_tables_tick(struct semnetd *d)
{
	struct semnetd_kservice *ks;
	struct semnetd_kinstance *ki;
	size_t nks, nki;
	uint64_t now = uv_now(d->loop);

	if (d->state != SEMNETD_READY)
		return;
	/* A local instance whose InstanceIP the cluster did not list yet (its
	 * report reached the root after our query): ask until it does. */
	semnetd_store_lease_each(&d->db, query_if_unnamed, d);
	if (!d->tables->svcs)
		return;
	if (semnetd_kernel_services(&d->genl, &ks, &nks) < 0)
		return;
	if (semnetd_kernel_instances(&d->genl, &ki, &nki) < 0) {
		free(ks);
		return;
	}
	for (struct svc **ps = &d->tables->svcs; *ps;) {
		struct svc *s = *ps;
		uint64_t packets = 0;
		int local;

		for (size_t i = 0; i < nks; i++)
			if (!strcmp(ks[i].name, s->name))
				packets += ks[i].c.packets;
		for (size_t i = 0; i < nki; i++)
			if (!strcmp(ki[i].service, s->name))
				packets += ki[i].c.packets;
		if (packets != s->packets) {
			s->packets = packets;
			s->active_ms = now;
		}
		local = semnetd_store_job_is_local(&d->db, s->name);
		if (local == 0 && now - s->active_ms >= (uint64_t)d->cfg.interest_idle_ms &&
		    !has_flows(d, s)) {
			*ps = s->next;
			forget(d, s);
			svc_free(s);
			continue;
		}
		ps = &s->next;
	}
	free(ks);
	free(ki);
}

json_t *semnetd_tables_json(struct semnetd *d)
{
	json_t *o = json_object(), *svcs = json_array(), *peers = json_array();
	uint64_t now = uv_now(d->loop);

	if (!o || !svcs || !peers) {
		json_decref(o);
		json_decref(svcs);
		json_decref(peers);
		return NULL;
	}
	for (struct svc *s = d->tables->svcs; s; s = s->next) {
		json_t *inst = json_array();

		for (size_t i = 0; i < s->ninst; i++) {
			char node[SN_IPV4_STRLEN];

			sn_ipv4_format(s->inst[i].node, node);
			json_array_append_new(inst, json_pack("{s:i, s:o, s:o, s:s?}", "instance_number",
				s->inst[i].number, "instance_ip",
				sn_json_ipv4_string(s->inst[i].instance_ip), "nsip",
				sn_json_ipv4_string(s->inst[i].nsip), "node",
				s->inst[i].node ? node : NULL));
		}
		json_array_append_new(svcs, json_pack("{s:s, s:o, s:o, s:o, s:I}", "name", s->name,
			"rr_ip", s->rr_ip ? sn_json_ipv4_string(s->rr_ip) : json_null(),
			"closest_ip", s->closest_ip ? sn_json_ipv4_string(s->closest_ip) : json_null(),
			"instances", inst, "idle_ms", (json_int_t)(now - s->active_ms)));
	}
	for (struct peer *p = d->tables->peers; p; p = p->next) {
		char subnet[SN_CIDR_STRLEN];

		sn_prefix_format(&p->subnet, subnet);
		json_array_append_new(peers, json_pack("{s:s, s:o, s:i, s:b, s:b}", "subnet", subnet,
			"addr", sn_json_ipv4_string(p->addr), "port", p->port, "registry",
			p->from_registry, "table", p->from_table));
	}
	json_object_set_new(o, "services", svcs);
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "queries_pending", json_integer((json_int_t)semnetd_tables_pending(d->tables)));
	json_object_set_new(o, "registry_version", json_integer(d->tables->registry_version));
	return o;
}
