// SPDX-License-Identifier: GPL-2.0
/* Kernel miss events into table queries (misses.h). */
#include "misses.h"

#include <errno.h>
#include <string.h>
#include <uapi/linux/semnet.h>

#include "semnetd.h"
#include "sn_log.h"

void semnetd_misses_on_miss(struct semnetd *d, const struct semnetd_miss *m)
{
	char text[SN_IPV6_STRLEN];
	struct semnetd_svc *s;

	d->up.misses++;
	if (m->family == AF_INET6)
		sn_ipv6_format(&m->addr6, text);
	else
		sn_ipv4_format(m->addr, text);
	if (m->kind == SEMNET_MISS_PEER) {
		/* Peers come from the registry; a node it lacks is not ours. */
		sn_info("miss: no peer for %s (not in the cluster's node registry)", text);
		return;
	}
	s = m->family == AF_INET6 ? semnetd_services_by_addr6(&d->services, &m->addr6) :
				    semnetd_services_by_addr(&d->services, m->addr);
	sn_debug("miss: %s (%u held)%s", text, m->held, s ? ", known service: re-query" : "");
	if (s) {
		/* A service address the cache has but the kernel misses: the
		 * answer must install it again (answers.c leaves installed
		 * ones alone). */
		if (m->family == AF_INET6) {
			if (!sn_ipv6_cmp(&s->rr_ip6, &m->addr6))
				memset(&s->rr_ip6, 0, sizeof(s->rr_ip6));
			if (!sn_ipv6_cmp(&s->closest_ip6, &m->addr6))
				memset(&s->closest_ip6, 0, sizeof(s->closest_ip6));
		} else {
			if (s->rr_ip == m->addr)
				s->rr_ip = 0;
			if (s->closest_ip == m->addr)
				s->closest_ip = 0;
		}
		semnetd_query_name(d, s->name);
	} else if (m->family == AF_INET6)
		semnetd_query_addr6(d, &m->addr6);
	else
		semnetd_query_addr(d, m->addr);
}

static int on_event(uint8_t cmd, struct nlattr **attrs, void *arg)
{
	struct semnetd_miss m;

	if (cmd == SEMNET_CMD_MISS && semnetd_kernel_parse_miss(attrs, &m) == 0)
		semnetd_misses_on_miss(arg, &m);
	return 0;
}

static void on_events(uv_poll_t *poll, int status, int events)
{
	struct semnetd *d = poll->data;
	int rc;

	(void)events;
	if (status < 0)
		return;
	for (int batch = 0; batch < 64; batch++) {
		rc = sn_genl_recv_events(&d->events, on_event, d);
		if (rc == -EAGAIN)
			return;
		if (rc == -ENOBUFS) {
			/* Events were lost: what missed will miss again (the
			 * kernel rate-limits, it does not stop); refresh the rest. */
			sn_warn("kernel miss events were dropped (socket full)");
			semnetd_queries_requery_all(d);
		} else if (rc < 0) {
			sn_warn("reading kernel events: %s", strerror(-rc));
			return;
		}
	}
}

int semnetd_misses_start(struct semnetd *d)
{
	int rc;

	if (d->events_polling)
		return 0;
	if ((rc = sn_genl_open(&d->events)) < 0)
		return rc;
	if ((rc = semnetd_kernel_subscribe_misses(&d->events)) < 0) {
		sn_genl_close(&d->events);
		return rc;
	}
	if (uv_poll_init(d->loop, &d->events_poll, sn_genl_fd(&d->events)) < 0) {
		sn_genl_close(&d->events);
		return -EIO;
	}
	d->events_poll.data = d;
	uv_poll_start(&d->events_poll, UV_READABLE, on_events);
	d->events_polling = true;
	return 0;
}
