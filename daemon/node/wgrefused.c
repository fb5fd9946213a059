// SPDX-License-Identifier: GPL-2.0
/* Datagrams the WireGuard devices refused: reading them (wgrefused.h). */
#include "wgrefused.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "semnetd.h"
#include "sn_log.h"

/* rx_packets of the device @ifindex (IFLA_STATS64). */
static int rx_of(struct semnetd *d, int ifindex, uint64_t *rx)
{
	struct rtnl_link *link = NULL;

	if (ifindex <= 0 || rtnl_link_get_kernel(d->host.sk, ifindex, NULL, &link) < 0)
		return -ENODEV;
	*rx = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
	rtnl_link_put(link);
	return 0;
}

/* The listening ports of the counted devices; NULL (and *@n 0) when out
 * of memory or none. */
static int *ports_of(struct semnetd *d, size_t *n)
{
	size_t k = 0;
	int *p;

	for (struct semnetd_wgdev *v = d->wgl.devs; v; v = v->next)
		k++;
	*n = 0;
	if (!k || !(p = calloc(k, sizeof(*p))))
		return NULL;
	for (struct semnetd_wgdev *v = d->wgl.devs; v; v = v->next)
		if (v->cnt_ifindex)
			p[(*n)++] = v->listen_port;
	return p;
}

static void not_counting(struct semnetd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void not_counting(struct semnetd *d, const char *fmt, ...)
{
	struct semnetd_wglinks *w = &d->wgl;
	bool was = w->count.on || !w->count_error[0];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->count_error, sizeof(w->count_error), fmt, ap);
	va_end(ap);
	semnetd_wgcount_stop(&w->count);
	if (was)
		sn_warn("refused WireGuard datagrams not counted: %s", w->count_error);
}

/* A new epoch: every device's rx_packets, then the table made with their
 * ports and its counter at 0 (in that order: a datagram taken in between
 * is in neither). */
static int restart(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	struct sn_err err;
	size_t n;
	int *ports, rc;

	if (!d->fw.available) {
		not_counting(d, "nftables cannot be used");
		return -ENOENT;
	}
	for (struct semnetd_wgdev *v = w->devs; v; v = v->next) {
		uint64_t rx;

		v->cnt_ifindex = 0;
		if (rx_of(d, v->ifindex, &rx) == 0) {
			semnetd_wgcount_dev_join(&v->cnt, rx);
			v->cnt_ifindex = v->ifindex;
		}
	}
	ports = ports_of(d, &n);
	rc = semnetd_fw_wg_init(&d->fw, ports, n, &err);
	free(ports);
	if (rc < 0) {
		not_counting(d, "%s", err.msg);
		return rc;
	}
	if (w->count.epochs)
		sn_info("table inet semnet-wg made again: the refused WireGuard datagrams are "
			"counted on from here");
	semnetd_wgcount_start(&w->count, 0);
	w->count_stale = false;
	w->count_error[0] = '\0';
	return 0;
}

static void set_ports(struct semnetd *d)
{
	d->wgl.count_ports_due = false;
	struct sn_err err;
	size_t n;
	int *ports = ports_of(d, &n);

	if (semnetd_fw_wg_ports(&d->fw, ports, n, &err) < 0) {
		sn_warn("table inet semnet-wg: %s; made again at the next read", err.msg);
		d->wgl.count_stale = true;
	}
	free(ports);
}

void semnetd_wgrefused_start(struct semnetd *d)
{
	if (semnetd_fw_wg_clear(&d->fw) > 0)
		sn_info("removed table inet semnet-wg of an earlier run");
	restart(d);
}

void semnetd_wgrefused_dev_ready(struct semnetd *d, struct semnetd_wgdev *v)
{
	struct semnetd_wgcount *c = &d->wgl.count;
	uint64_t rx;

	if (!c->on)
		return;
	if (v->cnt_ifindex && v->cnt_ifindex != v->ifindex) {
		/* Made again since (deleted behind our back): the old one's
		 * count stays, the new one's is all of this epoch. */
		semnetd_wgcount_dev_gone(c, &v->cnt);
		semnetd_wgcount_dev_join(&v->cnt, 0);
		v->cnt_ifindex = v->ifindex;
	} else if (!v->cnt_ifindex) {
		/* Before its port is counted. */
		if (rx_of(d, v->ifindex, &rx) < 0)
			return;
		semnetd_wgcount_dev_join(&v->cnt, rx);
		v->cnt_ifindex = v->ifindex;
	}
	/* In a registry pass the set is written once, at its end (a pass
	 * may set up a device per node), else now. */
	if (d->wgl.in_pass)
		d->wgl.count_ports_due = true;
	else
		set_ports(d);
}

void semnetd_wgrefused_pass_end(struct semnetd *d)
{
	if (d->wgl.count_ports_due && d->wgl.count.on)
		set_ports(d);
	d->wgl.count_ports_due = false;
}

void semnetd_wgrefused_dev_removing(struct semnetd *d, struct semnetd_wgdev *v)
{
	struct semnetd_wgcount *c = &d->wgl.count;
	int ifindex = v->cnt_ifindex;
	uint64_t rx;

	if (!c->on || !ifindex)
		return;
	/* Its port out first: what the counter has then, the device had
	 * (the set written now has the ports of devices this pass joined). */
	v->cnt_ifindex = 0;
	set_ports(d);
	if (rx_of(d, ifindex, &rx) == 0)
		semnetd_wgcount_dev_seen(c, &v->cnt, rx);
	semnetd_wgcount_dev_gone(c, &v->cnt);
}

void semnetd_wgrefused_read(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	uint64_t counter, accepted = 0;
	bool lost = false;
	struct sn_err err;

	if (!w->up)
		return;
	if ((!w->count.on || w->count_stale) && restart(d) < 0)
		return;
	semnetd_wgrefused_pass_end(d);	/* a pass's devices, if not yet */
	/* The counter first, then the devices (wgcount.h). */
	if (semnetd_fw_wg_read(&d->fw, &counter, &err) < 0) {
		sn_warn("table inet semnet-wg: %s; made again", err.msg);
		restart(d);
		return;
	}
	for (struct semnetd_wgdev *v = w->devs; v; v = v->next) {
		uint64_t rx;

		if (!v->cnt_ifindex)
			continue;
		if (rx_of(d, v->cnt_ifindex, &rx) < 0) {
			/* Gone behind our back: what it took since the last
			 * read is lost (counted as refused, wgrefused.h). */
			semnetd_wgcount_dev_gone(&w->count, &v->cnt);
			v->cnt_ifindex = 0;
			lost = true;
			continue;
		}
		semnetd_wgcount_dev_seen(&w->count, &v->cnt, rx);
		accepted += semnetd_wgcount_dev_accepted(&v->cnt);
	}
	if (!semnetd_wgcount_update(&w->count, counter, accepted)) {
		sn_warn("table inet semnet-wg's counter went back (made again by someone): "
			"made anew");
		restart(d);
		return;
	}
	if (lost)
		set_ports(d);
}

void semnetd_wgrefused_metrics(struct semnetd *d, FILE *f)
{
	static const struct semnetd_metric_counter c[] = {
		{ "semnetd_wg_datagrams_total",
		  "UDP datagrams that reached the listening ports of semnetd's WireGuard devices",
		  offsetof(struct semnetd_wgcount, datagrams) },
		{ "semnetd_wg_accepted_datagrams_total",
		  "of them, taken by WireGuard (the devices' rx_packets)",
		  offsetof(struct semnetd_wgcount, accepted) },
		{ "semnetd_wg_refused_datagrams_total",
		  "of them, refused by WireGuard (bad MAC, replayed nonce, unknown index, ...)",
		  offsetof(struct semnetd_wgcount, refused) },
	};

	semnetd_wgrefused_read(d);
	if (d->wgl.count.on)
		semnetd_metric_counters(f, &d->wgl.count, c, sizeof(c) / sizeof(c[0]));
}

json_t *semnetd_wgrefused_json(struct semnetd *d)
{
	struct semnetd_wglinks *w = &d->wgl;
	json_t *o, *ports;

	if (!w->up)
		return json_null();
	semnetd_wgrefused_read(d);
	if (!w->count.on)
		return json_pack("{s:b, s:s}", "counting", false, "error", w->count_error);
	if (!(ports = json_array()))
		return json_null();
	for (struct semnetd_wgdev *v = w->devs; v; v = v->next)
		if (v->cnt_ifindex)
			json_array_append_new(ports, json_integer(v->listen_port));
	o = json_pack("{s:b, s:o, s:I, s:I, s:I}", "counting", true, "ports", ports, "datagrams",
		      (json_int_t)w->count.datagrams, "accepted", (json_int_t)w->count.accepted,
		      "refused", (json_int_t)w->count.refused);
	return o ? o : json_null();
}

void semnetd_wgrefused_stop(struct semnetd *d)
{
	if (d->wgl.tried && d->fw.available && semnetd_fw_wg_clear(&d->fw) < 0)
		sn_warn("cannot remove table inet semnet-wg");
	semnetd_wgcount_stop(&d->wgl.count);
}
