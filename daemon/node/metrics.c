// SPDX-License-Identifier: GPL-2.0
/* GET /metrics: the kernel's counters and semnetd's own, in Prometheus'
 * text exposition format (version 0.0.4). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <uapi/linux/semnet.h>

#include "kernel.h"
#include "peer_parse.h"
#include "discover.h"
#include "probe.h"
#include "semnetd.h"
#include "wgrefused.h"

static const char *const drop_reasons[] = {
	[SEMNET_DROP_NO_INSTANCE] = "no_instance",
	[SEMNET_DROP_FLOW_TABLE_FULL] = "flow_table_full",
	[SEMNET_DROP_NO_PORT] = "no_port",
	[SEMNET_DROP_SPOOFED_SOURCE] = "spoofed_source",
	[SEMNET_DROP_MALFORMED] = "malformed",
	[SEMNET_DROP_NOMEM] = "nomem",
	[SEMNET_DROP_UNKNOWN_ADDRESS] = "unknown_address",
	[SEMNET_DROP_UNKNOWN_PEER] = "unknown_peer",
	[SEMNET_DROP_PEER_SPOOFED] = "peer_spoofed",
	[SEMNET_DROP_NO_PEER] = "no_peer",
	[SEMNET_DROP_BAD_ENCAP] = "bad_encap",
	[SEMNET_DROP_TOO_BIG] = "too_big",
	[SEMNET_DROP_HOLD_FULL] = "hold_full",
	[SEMNET_DROP_HOLD_EXPIRED] = "hold_expired",
	[SEMNET_DROP_NOT_OURS] = "not_ours",
	[SEMNET_DROP_UNREPLIED_LIMIT] = "unreplied_limit",
	[SEMNET_DROP_TAGGED] = "tagged",
	[SEMNET_DROP_NOT_VIA_DEVICE] = "not-via-device",
};

void semnetd_metric_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void semnetd_metric_counters(FILE *f, const void *base, const struct semnetd_metric_counter *c,
			     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		semnetd_metric_head(f, c[i].name, "counter", c[i].help);
		fprintf(f, "%s %" PRIu64 "\n", c[i].name,
			*(const uint64_t *)((const char *)base + c[i].off));
	}
}

/* A metric with one unlabelled sample. */
struct scalar {
	const char *name, *type, *help;
	uint64_t value;
};

#define NSCALARS(a) (sizeof(a) / sizeof((a)[0]))

static void scalars(FILE *f, const struct scalar *s, size_t n)
{
	for (; n--; s++) {
		semnetd_metric_head(f, s->name, s->type, s->help);
		fprintf(f, "%s %" PRIu64 "\n", s->name, s->value);
	}
}

/* The labels of a peer's samples, in @buf. */
static const char *peer_labels(const struct semnetd_kpeer *p, char *buf, size_t size)
{
	char subnet[SN_CIDR6_STRLEN], node[SN_IPV6_STRLEN];

	if (p->is6)
		sn_prefix6_format(&p->subnet6, subnet);
	else
		sn_prefix_format(&p->subnet, subnet);
	if (p->addr)
		sn_ipv4_format(p->addr, node);
	else
		sn_ipv6_format(&p->addr6, node);
	snprintf(buf, size, "subnet=\"%s\",node=\"%s\",encap=\"%s\"", subnet, node,
		 semnetd_encap_name(p->encap));
	return buf;
}

/* The three counters every service and instance has, by field number. */
static const char *const counter_names[] = { "packets", "bytes", "flows" };
static const char *const counter_help[] = { "packets, both directions",
					    "bytes, both directions", "flows created" };

static void counters(FILE *f, const char *what, const char *labels,
		     const struct semnetd_counters *c, int field)
{
	uint64_t v = field == 0 ? c->packets : field == 1 ? c->bytes : c->flows;

	fprintf(f, "semnet_%s_%s_total{%s} %" PRIu64 "\n", what, counter_names[field], labels, v);
}

/* HELP and TYPE of semnet_WHAT_FIELD_total. */
static void counters_head(FILE *f, const char *what, const char *per, int field)
{
	char name[64], help[96];

	snprintf(name, sizeof(name), "semnet_%s_%s_total", what, counter_names[field]);
	snprintf(help, sizeof(help), "per %s: %s", per, counter_help[field]);
	semnetd_metric_head(f, name, "counter", help);
}

char *semnetd_metrics_text(struct semnetd *d)
{
	struct semnetd_kservice *ks = NULL;
	struct semnetd_kinstance *ki = NULL;
	struct semnetd_kpeer *kp = NULL;
	struct semnetd_kstats st;
	size_t nks = 0, nki = 0, nkp = 0, size = 0;
	char *text = NULL, labels[384], a[SN_IPV6_STRLEN];
	bool kernel = d->state == SEMNETD_READY;
	FILE *f;

	if (kernel && (semnetd_kernel_stats(&d->genl, &st) < 0 ||
		       semnetd_kernel_services(&d->genl, &ks, &nks) < 0 ||
		       semnetd_kernel_instances(&d->genl, &ki, &nki) < 0 ||
		       semnetd_kernel_peers(&d->genl, &kp, &nkp) < 0)) {
		free(ks);
		free(ki);
		return NULL;
	}
	if (!(f = open_memstream(&text, &size))) {
		free(ks);
		free(ki);
		free(kp);
		return NULL;
	}
	const struct scalar node[] = {
		{ "semnetd_ready", "gauge", "1 when the node is registered and its network set up",
		  d->state == SEMNETD_READY },
		{ "semnetd_leases", "gauge", "nsIP leases of local instances",
		  semnetd_leases_capacity(&d->leases) - semnetd_leases_free(&d->leases) },
		{ "semnetd_leases_free", "gauge", "nsIPs left in the node's subnet",
		  semnetd_leases_free(&d->leases) },
		{ "semnetd_leases6", "gauge", "IPv6 nsIP leases of local instances",
		  semnetd_leases6_capacity(&d->leases6) - semnetd_leases6_free(&d->leases6) },
		{ "semnetd_leases6_free", "gauge", "IPv6 nsIPs left in the node's IPv6 subnet",
		  semnetd_leases6_free(&d->leases6) },
		{ "semnetd_services_known", "gauge", "services this node keeps in the kernel",
		  semnetd_services_count(&d->services) },
		{ "semnetd_table_queries_total", "counter", "table queries sent to the cluster",
		  d->up.queries },
		{ "semnetd_table_answers_total", "counter", "table-query answers received",
		  d->up.answers },
		{ "semnetd_table_errors_total", "counter", "table-query answers with an error",
		  d->up.errors },
	}, upstream[] = {
		{ "semnetd_upstream_latency_ms_max", "gauge", "slowest table-query answer, ms",
		  d->up.latency_ms_max },
		{ "semnetd_miss_events_total", "counter", "kernel miss events received",
		  d->up.misses },
		{ "semnetd_updates_total", "counter", "updates_available messages received",
		  d->up.updates },
		{ "semnetd_kernel_installs_total", "counter",
		  "services and instances sent to the kernel in batches", d->kw.objects },
		{ "semnetd_kernel_install_requests_total", "counter",
		  "genl requests those took", d->kw.requests },
	};

	scalars(f, node, NSCALARS(node));
	semnetd_metric_head(f, "semnetd_upstream_latency_ms", "summary", "table query to answer, milliseconds");
	fprintf(f, "semnetd_upstream_latency_ms_sum %" PRIu64 "\n", d->up.latency_ms_sum);
	fprintf(f, "semnetd_upstream_latency_ms_count %" PRIu64 "\n", d->up.answers);
	scalars(f, upstream, NSCALARS(upstream));
	semnetd_probe_metrics(d->probe, f);
	semnetd_discover_metrics(d->discover, f);
	semnetd_relaylinks_metrics(d, f);
	semnetd_wgrefused_metrics(d, f);
	if (!kernel)
		goto out;

	/* What the kernel holds (the closest policy's input), next to
	 * semnetd's measurements above. */
	semnetd_metric_head(f, "semnet_peer_cost", "gauge", "a peer's cost in the kernel (semnetd: smoothed RTT, us); absent while unmeasured");
	for (size_t i = 0; i < nkp; i++)
		if (kp[i].has_cost && kp[i].cost != SEMNET_PEER_COST_UNKNOWN)
			fprintf(f, "semnet_peer_cost{%s} %" PRIu32 "\n",
				peer_labels(&kp[i], labels, sizeof(labels)), kp[i].cost);
	semnetd_metric_head(f, "semnet_peer_down", "gauge", "1 when the kernel holds a peer for down");
	for (size_t i = 0; i < nkp; i++)
		if (kp[i].has_cost)
			fprintf(f, "semnet_peer_down{%s} %d\n",
				peer_labels(&kp[i], labels, sizeof(labels)), kp[i].down);

	const struct scalar module[] = {
		{ "semnet_flows", "gauge", "translated connections now", st.flows },
		{ "semnet_flows_created_total", "counter", "flows created", st.flows_created },
		{ "semnet_flows_expired_total", "counter", "flows expired", st.flows_expired },
		{ "semnet_packets_total", "counter", "packets translated", st.packets },
		{ "semnet_misses_total", "counter", "packets to unknown addresses", st.misses },
		{ "semnet_held_packets", "gauge", "packets held while their address is resolved",
		  st.held },
		{ "semnet_released_total", "counter", "held packets sent on once resolved",
		  st.released },
		{ "semnet_closest_purged_total", "counter",
		  "closest flows removed because their node went down", st.closest_purged },
	};

	scalars(f, module, NSCALARS(module));
	semnetd_metric_head(f, "semnet_drops_total", "counter", "packets dropped, by reason");
	for (size_t r = 1; r < sizeof(drop_reasons) / sizeof(drop_reasons[0]); r++)
		if (drop_reasons[r])
			fprintf(f, "semnet_drops_total{reason=\"%s\"} %" PRIu64 "\n", drop_reasons[r],
				st.drops[r]);
	for (int field = 0; field < 3; field++) {
		counters_head(f, "service", "ServiceIP", field);
		for (size_t i = 0; i < nks; i++) {
			semnetd_kservice_addr_fmt(&ks[i], a);
			snprintf(labels, sizeof(labels), "service=\"%s\",address=\"%s\"", ks[i].name, a);
			counters(f, "service", labels, &ks[i].c, field);
		}
		counters_head(f, "instance", "InstanceIP", field);
		for (size_t i = 0; i < nki; i++) {
			char nsip[SN_IPV6_STRLEN];

			semnetd_kinstance_addr_fmt(&ki[i], a);
			semnetd_kinstance_nsip_fmt(&ki[i], nsip);
			snprintf(labels, sizeof(labels), "service=\"%s\",instance=\"%s\",nsip=\"%s\",local=\"%d\"",
				 ki[i].service, a, nsip, ki[i].local);
			counters(f, "instance", labels, &ki[i].c, field);
		}
	}
out:
	free(ks);
	free(ki);
	free(kp);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
