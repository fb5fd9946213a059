// SPDX-License-Identifier: GPL-2.0
/* Which services the node keeps, and when it forgets one (interest.h). */
#include "interest.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "semnetd.h"
#include "sn_log.h"

void semnetd_interest_on_update(struct semnetd *d, const char *job_name)
{
	d->up.updates++;
	if (semnetd_services_find(&d->services, job_name))
		semnetd_query_name(d, job_name);
}

/* An idle connection (no packets for a while) still needs its service,
 * in either family. */
static bool has_flows(struct semnetd *d, const struct semnetd_svc *s)
{
	size_t n = 0;

	if (s->rr_ip && semnetd_kernel_flow_count(&d->genl, s->rr_ip, 0, &n) == 0 && n)
		return true;
	if (s->closest_ip && semnetd_kernel_flow_count(&d->genl, s->closest_ip, 0, &n) == 0 && n)
		return true;
	if (!sn_ipv6_is_zero(&s->rr_ip6) &&
	    semnetd_kernel_flow_count6(&d->genl, &s->rr_ip6, NULL, &n) == 0 && n)
		return true;
	if (!sn_ipv6_is_zero(&s->closest_ip6) &&
	    semnetd_kernel_flow_count6(&d->genl, &s->closest_ip6, NULL, &n) == 0 && n)
		return true;
	for (size_t i = 0; i < s->ninst; i++) {
		if (s->inst[i].instance_ip &&
		    semnetd_kernel_flow_count(&d->genl, 0, s->inst[i].instance_ip, &n) == 0 && n)
			return true;
		if (!sn_ipv6_is_zero(&s->inst[i].instance_ip6) &&
		    semnetd_kernel_flow_count6(&d->genl, NULL, &s->inst[i].instance_ip6, &n) == 0 &&
		    n)
			return true;
	}
	return false;
}

static void forget(struct semnetd *d, struct semnetd_svc *s)
{
	json_t *msg;

	for (size_t i = 0; i < s->ninst; i++) {
		if (s->inst[i].instance_ip)
			semnetd_kernel_instance_del(&d->genl, s->inst[i].instance_ip);
		if (!sn_ipv6_is_zero(&s->inst[i].instance_ip6))
			semnetd_kernel_instance_del6(&d->genl, &s->inst[i].instance_ip6);
	}
	if (s->rr_ip)
		semnetd_kernel_service_del(&d->genl, s->rr_ip);
	if (s->closest_ip)
		semnetd_kernel_service_del(&d->genl, s->closest_ip);
	if (!sn_ipv6_is_zero(&s->rr_ip6))
		semnetd_kernel_service_del6(&d->genl, &s->rr_ip6);
	if (!sn_ipv6_is_zero(&s->closest_ip6))
		semnetd_kernel_service_del6(&d->genl, &s->closest_ip6);
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

/* The tick's sums of the kernel's counters, per service: [0] from its
 * service addresses, [1] from its instances (each dump may restart). */
static void sum_service(void *arg, const struct semnetd_kservice *k)
{
	struct semnetd_svc *s = semnetd_services_find(arg, k->name);

	if (s)
		s->tick_packets[0] += k->c.packets;
}

static void sum_instance(void *arg, const struct semnetd_kinstance *k)
{
	struct semnetd_svc *s = semnetd_services_find(arg, k->service);

	if (s)
		s->tick_packets[1] += k->c.packets;
}

static void reset_sums(struct semnetd_services *ss, int which)
{
	for (struct semnetd_svc *s = ss->head; s; s = s->next)
		s->tick_packets[which] = 0;
}

static void reset_services(void *arg)
{
	reset_sums(arg, 0);
}

static void reset_instances(void *arg)
{
	reset_sums(arg, 1);
}

/* At most this many services are forgotten a tick (each costs a few
 * kernel round trips and a store query): the rest wait for the next. */
#define FORGET_MAX 256

/*
 * Reads the kernel's counters into the services' packets: true when they
 * were read. The kernel counts a packet in its netns-wide total exactly
 * when it counts it for a service or an instance: while that total stands
 * still, no service moved and the dumps (30,000 objects with 10,000
 * services) are skipped.
 */
static bool read_counters(struct semnetd *d)
{
	struct semnetd_services *ss = &d->services;
	struct semnetd_kstats st;
	bool total = semnetd_kernel_stats(&d->genl, &st) == 0;

	if (total && d->kpackets_valid && st.packets == d->kpackets)
		return false;
	reset_sums(ss, 0);
	reset_sums(ss, 1);
	if (semnetd_kernel_services_each(&d->genl, sum_service, reset_services, ss) < 0 ||
	    semnetd_kernel_instances_each(&d->genl, sum_instance, reset_instances, ss) < 0) {
		d->kpackets_valid = false;
		return false;
	}
	/* The total read before the dumps: a packet counted meanwhile only
	 * makes the next tick read again. */
	d->kpackets = st.packets;
	d->kpackets_valid = total;
	return true;
}

/*
 * O(services) a tick, and O(kernel objects) only when traffic moved the
 * counters; no copy of the kernel's tables: with 10,000 services the dumps
 * hold 30,000 objects, which as arrays took 5 MB at every tick (and per
 * service scans of them, 10^8 name compares).
 */
void semnetd_interest_tick(struct semnetd *d)
{
	struct semnetd_services *ss = &d->services;
	uint64_t now = uv_now(d->loop);
	bool moved;
	int forgotten = 0;

	if (d->state != SEMNETD_READY)
		return;
	/* The counters and deletes below concern what answers queued. */
	semnetd_answers_flush(d);
	/* A local instance whose InstanceIP the cluster did not list yet (its
	 * report reached the root after our query): ask until it does. */
	semnetd_store_lease_each(&d->db, query_if_unnamed, d);
	if (!ss->head)
		return;
	moved = read_counters(d);
	for (struct semnetd_svc **ps = &ss->head; *ps;) {
		struct semnetd_svc *s = *ps;
		uint64_t packets = s->tick_packets[0] + s->tick_packets[1];

		if (moved && packets != s->packets) {
			s->packets = packets;
			s->active_ms = now;
		}
		/* The store is asked only about an idle service. */
		if (forgotten < FORGET_MAX &&
		    now - s->active_ms >= (uint64_t)d->cfg.interest_idle_ms &&
		    semnetd_store_job_is_local(&d->db, s->name) == 0 && !has_flows(d, s)) {
			semnetd_services_remove(ss, ps);
			forget(d, s);
			semnetd_svc_free(s);
			forgotten++;
			continue;
		}
		ps = &s->next;
	}
}

/*
 * glibc keeps freed memory in the heap for later: after a peak (GET /status
 * of 10,000 services builds 20 MB of JSON; a restart adopts the kernel's
 * tables and re-asks for every service) semnetd would keep its peak size
 * for good. Each tick gives back what is free beyond 1 MB.
 */
static void trim(void)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks > (1u << 20))
		malloc_trim(0);
}

/*
 * The next tick comes interest_check_ms after this one ended, and later
 * when the tick took long (a table of tens of thousands of objects under
 * traffic): ticks take at most a tenth of the loop's time, so that table
 * answers, the API and misses are never starved by them. A repeating
 * timer whose callback outlasts its period is due again at once: the loop
 * then ran one tick per turn and read one MQTT message between them.
 */
#define TICK_SHARE 10

static void on_interest_timer(uv_timer_t *timer)
{
	struct semnetd *d = timer->data;
	uint64_t t0 = uv_hrtime(), took_ms, next = (uint64_t)d->cfg.interest_check_ms;

	semnetd_interest_tick(d);
	trim();
	took_ms = (uv_hrtime() - t0) / 1000000;
	if (took_ms * TICK_SHARE > next)
		next = took_ms * TICK_SHARE;
	uv_update_time(d->loop);
	uv_timer_start(timer, on_interest_timer, next, 0);
}

void semnetd_interest_start(struct semnetd *d)
{
	uv_timer_start(&d->interest_timer, on_interest_timer, (uint64_t)d->cfg.interest_check_ms,
		       0);
}
