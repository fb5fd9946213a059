// SPDX-License-Identifier: GPL-2.0
/* semnetd as a relay node (relaylinks.h). */
#include "relaylinks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "peer_parse.h"
#include "relay.h"
#include "semnetd.h"
#include "sn_log.h"

bool semnetd_relaylinks_offered(struct semnetd *d)
{
	return d->cfg.relay && semnetd_wglinks_up(d);
}

void semnetd_relaylinks_on_registry(struct semnetd *d, const struct semnetd_node_entry *self,
				    const struct semnetd_node_entry *peers, size_t n)
{
	struct semnetd_relaylinks *rl = &d->relay;
	struct semnetd_relay_member *m;
	struct semnetd_relay_member_of of;
	struct semnetd_relay_view view;
	char addr[SN_IPADDR_STRLEN], why[160];
	size_t k = 0, left = 0;
	struct sn_err err;
	int base;

	if (!semnetd_relaylinks_offered(d))
		return;
	if (!self) {
		snprintf(rl->error, sizeof(rl->error), "this node is not in the registry yet");
		return;
	}
	base = semnetd_relay_base(self);
	if (base < 0) {
		snprintf(rl->error, sizeof(rl->error), "the registry has no WireGuard port of ours yet");
		return;
	}
	if (!rl->relay && !(rl->relay = semnetd_relay_new(d->loop))) {
		snprintf(rl->error, sizeof(rl->error), "out of memory");
		return;
	}
	/* Each node's sharing of its address from one sort of the
	 * registry, not a scan of it per node (O(n²)). */
	if (semnetd_relay_view_init(&view, self, peers, n, &d->cfg.platform) < 0 ||
	    !(m = calloc(n ? n : 1, sizeof(*m)))) {
		semnetd_relay_view_free(&view);
		snprintf(rl->error, sizeof(rl->error), "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char key[sizeof(why) + 32];

		if (semnetd_relay_view_serves(&view, &peers[i], &of, why, sizeof(why))) {
			m[k].addr = of.addr;
			m[k].port_base = of.port_base;
			m[k++].slot = of.slot;
			continue;
		}
		if (!peers[i].has_link || (peers[i].subnet.addr == self->subnet.addr &&
					   peers[i].subnet.len == self->subnet.len))
			continue;	/* itself, or an Oakestra node: nothing to say */
		left++;
		snprintf(key, sizeof(key), "relay: %s", why);
		if (!semnetd_peers_said(&d->peers, key))
			sn_warn("%s: not served", key);
	}
	sn_ipaddr_format(&d->underlay.addr, addr);
	if (semnetd_relay_set(rl->relay, addr, base, m, k, &err) < 0) {
		snprintf(rl->error, sizeof(rl->error), "%s", err.msg);
		if (!semnetd_peers_said(&d->peers, err.msg))
			sn_warn("%s: the relay serves the nodes it did before", err.msg);
	} else {
		if (rl->members != k || rl->base != base || rl->error[0])
			sn_info("relay: %zu node(s) served on %s ports %d + slot", k, addr, base);
		rl->error[0] = '\0';
		rl->members = k;
		rl->left_out = left;
		rl->base = base;
	}
	semnetd_relay_view_free(&view);
	free(m);
}

json_t *semnetd_relaylinks_json(struct semnetd *d)
{
	struct semnetd_relaylinks *rl = &d->relay;
	json_t *o;

	if (!d->cfg.relay)
		return json_null();
	o = rl->relay ? semnetd_relay_json(rl->relay) : json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "offered", json_boolean(semnetd_relaylinks_offered(d)));
	json_object_set_new(o, "left_out", json_integer((json_int_t)rl->left_out));
	json_object_set_new(o, "error", rl->error[0] ? json_string(rl->error) : json_null());
	return o;
}

void semnetd_relaylinks_metrics(struct semnetd *d, FILE *f)
{
	static const struct semnetd_metric_counter c[] = {
		{ "semnetd_relay_forwarded_total", "datagrams the relay forwarded",
		  offsetof(struct semnetd_relay_stats, forwarded) },
		{ "semnetd_relay_forwarded_bytes_total", "bytes the relay forwarded",
		  offsetof(struct semnetd_relay_stats, forwarded_bytes) },
		{ "semnetd_relay_unknown_source_total", "datagrams from no served node, dropped",
		  offsetof(struct semnetd_relay_stats, unknown_source) },
		{ "semnetd_relay_unprimed_total",
		  "datagrams for a node that had not sent for their sender yet, dropped",
		  offsetof(struct semnetd_relay_stats, unprimed) },
		{ "semnetd_relay_limited_total", "datagrams over the rate, dropped",
		  offsetof(struct semnetd_relay_stats, limited) },
	};
	const struct semnetd_relay_stats *s;

	if (!d->relay.relay)
		return;
	s = semnetd_relay_stats(d->relay.relay);
	semnetd_metric_head(f, "semnetd_relay_members", "gauge", "nodes the relay serves");
	fprintf(f, "semnetd_relay_members %zu\n", d->relay.members);
	semnetd_metric_counters(f, s, c, sizeof(c) / sizeof(c[0]));
	semnetd_metric_head(f, "semnetd_relay_dropped_other_total", "counter",
			    "datagrams dropped otherwise (to self, table full, malformed, send failed)");
	fprintf(f, "semnetd_relay_dropped_other_total %" PRIu64 "\n",
		s->to_self + s->table_full + s->malformed + s->send_failed);
}

void semnetd_relaylinks_free(struct semnetd *d)
{
	semnetd_relay_free(d->relay.relay);
	d->relay.relay = NULL;
}
