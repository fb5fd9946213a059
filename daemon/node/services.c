// SPDX-License-Identifier: GPL-2.0
/* The cache of known services (services.h). */
#include "services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semnetd.h"

#define TOPIC_MAX 256

void semnetd_svc_free(struct semnetd_svc *s)
{
	free(s->inst);
	free(s);
}

void semnetd_services_free(struct semnetd_services *ss)
{
	while (ss->head) {
		struct semnetd_svc *s = ss->head;

		ss->head = s->next;
		semnetd_svc_free(s);
	}
	free(ss->buckets);
	ss->buckets = NULL;
	ss->nbuckets = ss->count = 0;
}

size_t semnetd_services_count(const struct semnetd_services *ss)
{
	return ss->count;
}

/* FNV-1a: names are short and chosen by operators, not by attackers. */
size_t semnetd_name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static struct semnetd_svc **bucket(struct semnetd_services *ss, const char *name)
{
	return &ss->buckets[semnetd_name_hash(name) & (ss->nbuckets - 1)];
}

/* Keeps at most one service per bucket on average; on allocation failure
 * the index keeps its size (longer chains, still correct). */
static void index_grow(struct semnetd_services *ss)
{
	size_t n = ss->nbuckets ? 2 * ss->nbuckets : 64;
	struct semnetd_svc **old = ss->buckets, **nb = calloc(n, sizeof(*nb));
	size_t oldn = ss->nbuckets;

	if (!nb)
		return;
	ss->buckets = nb;
	ss->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		while (old[i]) {
			struct semnetd_svc *s = old[i], **b = bucket(ss, s->name);

			old[i] = s->hnext;
			s->hnext = *b;
			*b = s;
		}
	}
	free(old);
}

struct semnetd_svc *semnetd_services_find(struct semnetd_services *ss, const char *name)
{
	if (!ss->nbuckets)
		return NULL;
	for (struct semnetd_svc *s = *bucket(ss, name); s; s = s->hnext)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

struct semnetd_svc *semnetd_services_remove(struct semnetd_services *ss, struct semnetd_svc **ps)
{
	struct semnetd_svc *s = *ps, **b = bucket(ss, s->name);

	*ps = s->next;
	while (*b != s)
		b = &(*b)->hnext;
	*b = s->hnext;
	ss->count--;
	return s;
}

struct semnetd_svc *semnetd_services_by_addr(struct semnetd_services *ss, uint32_t addr)
{
	for (struct semnetd_svc *s = ss->head; s; s = s->next) {
		if (s->rr_ip == addr || s->closest_ip == addr)
			return s;
		for (size_t i = 0; i < s->ninst; i++)
			if (s->inst[i].instance_ip == addr)
				return s;
	}
	return NULL;
}

struct semnetd_svc *semnetd_services_by_addr6(struct semnetd_services *ss,
					      const struct in6_addr *addr)
{
	if (sn_ipv6_is_zero(addr))
		return NULL;
	for (struct semnetd_svc *s = ss->head; s; s = s->next) {
		if (!sn_ipv6_cmp(&s->rr_ip6, addr) || !sn_ipv6_cmp(&s->closest_ip6, addr))
			return s;
		for (size_t i = 0; i < s->ninst; i++)
			if (!sn_ipv6_cmp(&s->inst[i].instance_ip6, addr))
				return s;
	}
	return NULL;
}

static void update_topic(const char *name, char topic[TOPIC_MAX])
{
	snprintf(topic, TOPIC_MAX, "jobs/%s/updates_available", name);
}

struct semnetd_svc *semnetd_services_add(struct semnetd *d, const char *name)
{
	size_t len = strlen(name);
	struct semnetd_svc *s = calloc(1, sizeof(*s) + len + 1);
	struct semnetd_services *ss = &d->services;
	struct semnetd_svc **b;
	char topic[TOPIC_MAX];

	if (!s)
		return NULL;
	if (ss->count >= ss->nbuckets)
		index_grow(ss);
	if (!ss->nbuckets) {
		free(s);
		return NULL;
	}
	memcpy(s->name, name, len + 1);
	s->active_ms = uv_now(d->loop);
	s->next = ss->head;
	ss->head = s;
	b = bucket(ss, s->name);
	s->hnext = *b;
	*b = s;
	ss->count++;
	update_topic(name, topic);
	semnetd_upstream_subscribe(d, topic);
	return s;
}

void semnetd_services_unsubscribe(struct semnetd *d, const struct semnetd_svc *s)
{
	char topic[TOPIC_MAX];

	update_topic(s->name, topic);
	semnetd_upstream_unsubscribe(d, topic);
}

void semnetd_services_subscribe_all(struct semnetd *d)
{
	char topic[TOPIC_MAX];

	for (struct semnetd_svc *s = d->services.head; s; s = s->next) {
		update_topic(s->name, topic);
		semnetd_upstream_subscribe(d, topic);
	}
}

json_t *semnetd_services_json(struct semnetd *d)
{
	json_t *svcs = json_array();
	uint64_t now = uv_now(d->loop);

	if (!svcs)
		return NULL;
	for (struct semnetd_svc *s = d->services.head; s; s = s->next) {
		json_t *inst = json_array();

		for (size_t i = 0; i < s->ninst; i++) {
			char node[SN_IPADDR_STRLEN];

			sn_ipaddr_format(&s->inst[i].node, node);
			/* null for a family the instance lacks (one adopted
			 * from the kernel has one family only). */
			json_array_append_new(inst, json_pack("{s:i, s:o, s:o, s:o, s:o, s:s?}",
				"instance_number", s->inst[i].number, "instance_ip",
				s->inst[i].instance_ip ? sn_json_ipv4_string(s->inst[i].instance_ip) :
							 json_null(),
				"nsip", s->inst[i].nsip ? sn_json_ipv4_string(s->inst[i].nsip) :
							 json_null(),
				"instance_ip_v6", sn_json_ipv6_string(&s->inst[i].instance_ip6),
				"nsip_v6", sn_json_ipv6_string(&s->inst[i].nsip6), "node",
				node[0] ? node : NULL));
		}
		json_array_append_new(svcs, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:I}", "name",
			s->name, "rr_ip", s->rr_ip ? sn_json_ipv4_string(s->rr_ip) : json_null(),
			"closest_ip", s->closest_ip ? sn_json_ipv4_string(s->closest_ip) : json_null(),
			"rr_ip_v6", sn_json_ipv6_string(&s->rr_ip6), "closest_ip_v6",
			sn_json_ipv6_string(&s->closest_ip6), "instances", inst, "idle_ms",
			(json_int_t)(now - s->active_ms)));
	}
	return svcs;
}
