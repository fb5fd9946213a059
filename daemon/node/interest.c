// SPDX-License-Identifier: GPL-2.0
/* Which services the node keeps, and when it forgets one (interest.h). */
#include "interest.h"

#include <stdlib.h>
#include <string.h>

#include "semnetd.h"
#include "sn_log.h"

void semnetd_interest_on_update(struct semnetd *d, const char *job_name)
{
	d->up.updates++;
	if (semnetd_services_find(&d->services, job_name))
		semnetd_query_name(d, job_name);
}

/* An idle connection (no packets for a while) still needs its service. */
static bool has_flows(struct semnetd *d, const struct semnetd_svc *s)
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

static void forget(struct semnetd *d, struct semnetd_svc *s)
{
	json_t *msg;

	for (size_t i = 0; i < s->ninst; i++)
		semnetd_kernel_instance_del(&d->genl, s->inst[i].instance_ip);
	if (s->rr_ip)
		semnetd_kernel_service_del(&d->genl, s->rr_ip);
	if (s->closest_ip)
		semnetd_kernel_service_del(&d->genl, s->closest_ip);
	semnetd_services_unsubscribe(d, s);
	msg = json_pack("{s:s}", "appname", s->name);
	if (msg) {
		semnetd_upstream_publish(d, "interest/remove", msg);
		json_decref(msg);
	}
	sn_info("service %s unused for %d ms: forgotten", s->name, d->cfg.interest_idle_ms);
}

static void query_if_unnamed(void *arg, const struct semnetd_lease *l)
{
	if (!l->instance_ip)
		semnetd_query_name(arg, l->job_name);
}

void semnetd_interest_tick(struct semnetd *d)
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
	if (!d->services.head)
		return;
	if (semnetd_kernel_services(&d->genl, &ks, &nks) < 0)
		return;
	if (semnetd_kernel_instances(&d->genl, &ki, &nki) < 0) {
		free(ks);
		return;
	}
	for (struct semnetd_svc **ps = &d->services.head; *ps;) {
		struct semnetd_svc *s = *ps;
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
			semnetd_svc_free(s);
			continue;
		}
		ps = &s->next;
	}
	free(ks);
	free(ki);
}

static void on_interest_timer(uv_timer_t *timer)
{
	semnetd_interest_tick(timer->data);
}

void semnetd_interest_start(struct semnetd *d)
{
	uv_timer_start(&d->interest_timer, on_interest_timer, (uint64_t)d->cfg.interest_check_ms,
		       (uint64_t)d->cfg.interest_check_ms);
}
