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
	      "  unknown-peer      a tunnel packet from no peer of its encapsulation\n"
	      "  peer-spoofed      a tunnel packet's inner source is not the peer's\n"
	      "  no-peer           no peer for the destination\n"
	      "  bad-encap         a tunnel payload neither semnet's GRE nor bare IP\n"
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

/*
 * The counters, in the order printed: their names in text, and in JSON
 * their fields' names. Those with an attribute are printed only when the
 * module reports them (older modules did not have them).
 */
#define STAT(text, t, member, bit) \
	{ text, { .key = #member, .type = (t), .off = offsetof(struct sn_stats, member), \
		  .attr = (bit) } }

static const struct {
	const char *text;
	struct sn_jfield json;
} stats_rows[] = {
	STAT("services", SN_J_U32, services, 0),
	STAT("instances", SN_J_U32, instances, 0),
	STAT("flows", SN_J_U32, flows, 0),
	STAT("flows-created", SN_J_U64, flows_created, 0),
	STAT("flows-expired", SN_J_U64, flows_expired, 0),
	STAT("port-remaps", SN_J_U64, port_remaps, 0),
	STAT("packets", SN_J_U64, packets, 0),
	STAT("misses", SN_J_U64, misses, SEMNET_A_STATS_MISSES),
	STAT("miss-events", SN_J_U64, miss_events, SEMNET_A_STATS_MISS_EVENTS),
	STAT("held", SN_J_U32, held, SEMNET_A_STATS_HELD),
	STAT("released", SN_J_U64, released, SEMNET_A_STATS_RELEASED),
	STAT("closest-purged", SN_J_U64, closest_purged, SEMNET_A_STATS_CLOSEST_PURGED),
	STAT("early-drops", SN_J_U64, early_drops, SEMNET_A_STATS_EARLY_DROPS),
	STAT("miss-evicted", SN_J_U64, miss_evicted, SEMNET_A_STATS_MISS_EVICTED),
	STAT("forwarded", SN_J_U64, forwarded, SEMNET_A_STATS_FORWARDED),
	STAT("drops", SN_J_U64, drops_total, 0),
};

json_t *sn_stats_json(const struct sn_stats *s)
{
	json_t *o = json_object(), *drops = json_object();
	size_t i;

	if (!o || !drops) {
		json_decref(o);
		json_decref(drops);
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(stats_rows); i++)
		sn_json_fields(o, s, &stats_rows[i].json, 1);
	for_each_reason(s, json_reason, drops);
	json_object_set_new(o, "drops", drops);
	return o;
}

/* A `name value` row of the text. */
static void row(struct sn_table *t, const char *indent, const char *name, uint64_t v)
{
	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, name);
	sn_table_cell(t, "%" PRIu64, v);
}

static void text_reason(const char *name, uint64_t v, void *arg)
{
	row(arg, "  ", name, v);
}

void sn_stats_text(struct sn_table *t, const struct sn_stats *s, bool detail)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stats_rows); i++) {
		const struct sn_jfield *f = &stats_rows[i].json;
		const char *p = (const char *)s + f->off;
		uint64_t v;

		if (f->attr && !SN_HAS(s, f->attr))
			continue;
		if (f->type == SN_J_U64)
			v = *(const uint64_t *)(const void *)p;
		else
			v = *(const uint32_t *)(const void *)p;
		row(t, "", stats_rows[i].text, v);
	}
	if (detail)
		for_each_reason(s, text_reason, t);
}

static int stats_reply(struct nlattr **attrs, void *arg)
{
	return sn_stats_get(attrs, arg);
}

int sn_cmd_stats(void)
{
	struct sn_table *t;
	struct sn_stats s;
	int ret;

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
