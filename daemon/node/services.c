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
}

size_t semnetd_services_count(const struct semnetd_services *ss)
{
	size_t n = 0;

	for (const struct semnetd_svc *s = ss->head; s; s = s->next)
		n++;
	return n;
}

struct semnetd_svc *semnetd_services_find(struct semnetd_services *ss, const char *name)
{
	for (struct semnetd_svc *s = ss->head; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
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

static void update_topic(const char *name, char topic[TOPIC_MAX])
{
	snprintf(topic, TOPIC_MAX, "jobs/%s/updates_available", name);
}

struct semnetd_svc *semnetd_services_add(struct semnetd *d, const char *name)
{
	struct semnetd_svc *s = calloc(1, sizeof(*s));
	char topic[TOPIC_MAX];

	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->active_ms = uv_now(d->loop);
	s->next = d->services.head;
	d->services.head = s;
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
	return svcs;
}
