// SPDX-License-Identifier: GPL-2.0
/*
 * semnet stats: the namespace's global counters and drops by reason
 * (SEMNET_CMD_GET_STATS).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"

void sn_stats_usage(FILE *out)
{
	fputs("Usage: semnet stats\n"
	      "\n"
	      "Counts of services, instances and flows now; flows created and expired,\n"
	      "source ports remapped on a tuple clash and packets translated since the node\n"
	      "was set; packets to unknown addresses (misses), the events they raised\n"
	      "(see semnet monitor), packets held now until their address is installed\n"
	      "and those released since; flows of closest services removed because their\n"
	      "node went down (closest-purged); unreplied flows evicted to make room in a\n"
	      "full table (early-drops); miss entries evicted to make room for another's\n"
	      "(miss-evicted); and dropped packets, in total and by reason:\n"
	      "  no-instance       the service has no instance\n"
	      "  flow-table-full   the flow table is at flow-max\n"
	      "  no-port           no free source port for a clashing tuple\n"
	      "  spoofed-source    a container sent with an address not its own\n"
	      "  malformed         truncated or unparseable headers\n"
	      "  nomem             an allocation failed\n"
	      "  unknown-address   a ServiceIP or InstanceIP not in the tables\n"
	      "  unknown-peer      a tunnel packet from an unknown sender\n"
	      "  peer-spoofed      a tunnel packet's inner source is not the peer's\n"
	      "  no-peer           no peer for the destination\n"
	      "  bad-encap         a malformed or unsupported GRE header\n"
	      "  too-big           over the tunnel MTU with DF set\n"
	      "  hold-full         a miss, with no room left to hold the packet\n"
	      "  hold-expired      held, and its address not installed in time\n"
	      "  not-ours          a tunnel packet for an address this node does not serve\n"
	      "  unreplied-limit   the source is at its limit of unreplied flows\n"
	      "  tagged            a VLAN-tagged frame from a container's port\n",
	      out);
}

/*
 * Calls fn for every reason worth printing: every reason this tool knows
 * (zero or not) but UNSPEC, plus any other the kernel reported.
 */
static void for_each_reason(const struct sn_stats *s,
			    void (*fn)(const char *name, uint64_t v, void *arg), void *arg)
{
	char other[32];
	unsigned int r;

	for (r = 0; r < SN_DROPS_MAX; r++) {
		const char *name = sn_drop_reason_name(r);
		bool present = (s->drops_present >> r) & 1;

		if (r == SEMNET_DROP_UNSPEC || (!name && !present))
			continue;
		if (!name) {
			snprintf(other, sizeof(other), "reason-%u", r);
			name = other;
		}
		fn(name, s->drops[r], arg);
	}
}

static void json_reason(const char *name, uint64_t v, void *arg)
{
	char key[32];

	json_object_set_new(arg, sn_snake(name, key, sizeof(key)), sn_json_u64(v));
}

json_t *sn_stats_json(const struct sn_stats *s)
{
	json_t *o = json_object(), *drops = json_object();

	if (!o || !drops) {
		json_decref(o);
		json_decref(drops);
		return NULL;
	}
	json_object_set_new(o, "services", json_integer(s->services));
	json_object_set_new(o, "instances", json_integer(s->instances));
	json_object_set_new(o, "flows", json_integer(s->flows));
	json_object_set_new(o, "flows_created", sn_json_u64(s->flows_created));
	json_object_set_new(o, "flows_expired", sn_json_u64(s->flows_expired));
	json_object_set_new(o, "port_remaps", sn_json_u64(s->port_remaps));
	json_object_set_new(o, "packets", sn_json_u64(s->packets));
	/* Modules before table misses do not report these. */
	if (SN_HAS(s, SEMNET_A_STATS_MISSES)) {
		json_object_set_new(o, "misses", sn_json_u64(s->misses));
		json_object_set_new(o, "miss_events", sn_json_u64(s->miss_events));
		json_object_set_new(o, "held", json_integer(s->held));
		json_object_set_new(o, "released", sn_json_u64(s->released));
	}
	if (SN_HAS(s, SEMNET_A_STATS_CLOSEST_PURGED))
		json_object_set_new(o, "closest_purged", sn_json_u64(s->closest_purged));
	if (SN_HAS(s, SEMNET_A_STATS_EARLY_DROPS))
		json_object_set_new(o, "early_drops", sn_json_u64(s->early_drops));
	if (SN_HAS(s, SEMNET_A_STATS_MISS_EVICTED))
		json_object_set_new(o, "miss_evicted", sn_json_u64(s->miss_evicted));
	json_object_set_new(o, "drops_total", sn_json_u64(s->drops_total));
	for_each_reason(s, json_reason, drops);
	json_object_set_new(o, "drops", drops);
	return o;
}

static void text_reason(const char *name, uint64_t v, void *arg)
{
	struct sn_table *t = arg;

	sn_table_row(t);
	sn_table_cell(t, "  %s", name);
	sn_table_cell(t, "%" PRIu64, v);
}

void sn_stats_text(struct sn_table *t, const struct sn_stats *s, bool detail)
{
	static const struct {
		const char *name;
		size_t off;
		bool u64;
		int attr;	/* printed only when reported (0: always) */
	} rows[] = {
		{ "services", offsetof(struct sn_stats, services), false, 0 },
		{ "instances", offsetof(struct sn_stats, instances), false, 0 },
		{ "flows", offsetof(struct sn_stats, flows), false, 0 },
		{ "flows-created", offsetof(struct sn_stats, flows_created), true, 0 },
		{ "flows-expired", offsetof(struct sn_stats, flows_expired), true, 0 },
		{ "port-remaps", offsetof(struct sn_stats, port_remaps), true, 0 },
		{ "packets", offsetof(struct sn_stats, packets), true, 0 },
		{ "misses", offsetof(struct sn_stats, misses), true, SEMNET_A_STATS_MISSES },
		{ "miss-events", offsetof(struct sn_stats, miss_events), true,
		  SEMNET_A_STATS_MISS_EVENTS },
		{ "held", offsetof(struct sn_stats, held), false, SEMNET_A_STATS_HELD },
		{ "released", offsetof(struct sn_stats, released), true,
		  SEMNET_A_STATS_RELEASED },
		{ "closest-purged", offsetof(struct sn_stats, closest_purged), true,
		  SEMNET_A_STATS_CLOSEST_PURGED },
		{ "early-drops", offsetof(struct sn_stats, early_drops), true,
		  SEMNET_A_STATS_EARLY_DROPS },
		{ "miss-evicted", offsetof(struct sn_stats, miss_evicted), true,
		  SEMNET_A_STATS_MISS_EVICTED },
		{ "drops", offsetof(struct sn_stats, drops_total), true, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *p = (const char *)s + rows[i].off;

		if (rows[i].attr && !SN_HAS(s, rows[i].attr))
			continue;
		sn_table_row(t);
		sn_table_cell(t, "%s", rows[i].name);
		if (rows[i].u64)
			sn_table_cell(t, "%" PRIu64, *(const uint64_t *)(const void *)p);
		else
			sn_table_cell(t, "%" PRIu32, *(const uint32_t *)(const void *)p);
	}
	if (detail)
		for_each_reason(s, text_reason, t);
}

static int stats_reply(struct nlattr **attrs, void *arg)
{
	return sn_stats_get(attrs, arg);
}

int sn_cmd_stats(int argc, char **argv)
{
	struct sn_table *t;
	struct sn_stats s;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "help")) {
		sn_stats_usage(stdout);
		return 0;
	}
	if (argc > 1)
		return sn_usage_error("stats", "unexpected argument \"%s\"", argv[1]);
	memset(&s, 0, sizeof(s));
	ret = sn_request("stats", SEMNET_CMD_GET_STATS, 0, NULL, NULL, stats_reply, &s);
	if (ret)
		return ret;
	if (sn_opts.json)
		return sn_json_print(sn_stats_json(&s), stdout) ? SN_EXIT_FAIL : 0;
	t = sn_table_new();
	sn_stats_text(t, &s, true);
	sn_table_print(t, stdout, "");
	sn_table_free(t);
	return 0;
}
