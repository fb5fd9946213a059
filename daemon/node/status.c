// SPDX-License-Identifier: GPL-2.0
/* GET /status's document (status.h). */
#include "status.h"

#include <errno.h>

#include "discover.h"
#include "probe.h"
#include "semnetd.h"
#include "wgrefused.h"

static void add_lease(void *arg, const struct semnetd_lease *l)
{
	/* The IPv6 ones are null when the instance has none (yet). */
	json_array_append_new(arg, json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:s, s:i, s:s}",
		"serviceName", l->job_name, "instanceNumber", l->number, "nsAddress",
		sn_json_ipv4_string(l->nsip), "nsAddressv6", sn_json_ipv6_string(&l->nsip6),
		"instanceIp", l->instance_ip ? sn_json_ipv4_string(l->instance_ip) : json_null(),
		"instanceIpv6", sn_json_ipv6_string(&l->instance_ip6), "veth", l->veth, "pid",
		l->pid, "portMappings", l->ports));
}

/* What the node knows of the cluster; NULL when out of memory. */
static json_t *tables_json(struct semnetd *d)
{
	json_t *o = json_object(), *svcs = semnetd_services_json(d);
	json_t *peers = semnetd_peers_json(&d->peers);

	if (!o || !svcs || !peers) {
		json_decref(o);
		json_decref(svcs);
		json_decref(peers);
		return NULL;
	}
	/* Encrypted peers: their WireGuard device, endpoint, handshake. */
	semnetd_wglinks_status(d, peers);
	json_object_set_new(o, "services", svcs);
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "queries_pending",
			    json_integer((json_int_t)semnetd_queries_pending(&d->queries)));
	json_object_set_new(o, "registry_version", json_integer(d->peers.registry_version));
	/* The cluster's links policy, as the last registry said (issue 18). */
	json_object_set_new(o, "links_policy",
			    json_string(sn_links_policy_name(d->peers.policy)));
	/* Peers not made: nodes of another underlay family, unusable host_ip. */
	json_object_set_new(o, "peers_skipped", json_integer((json_int_t)d->peers.skipped));
	return o;
}

int semnetd_status(struct semnetd *d, json_t **out)
{
	json_t *instances = json_array(), *tables, *probes, *discovery;
	char subnet[SN_CIDR_STRLEN] = "", underlay[SN_IPADDR_STRLEN] = "";
	char subnet6[SN_CIDR6_STRLEN] = "";

	*out = NULL;
	if (!instances || semnetd_store_lease_each(&d->db, add_lease, instances) < 0) {
		json_decref(instances);
		return -EIO;
	}
	tables = tables_json(d);
	if (d->id.subnet.len)
		sn_prefix_format(&d->id.subnet, subnet);
	sn_ipaddr_format(&d->underlay.addr, underlay);
	if (d->id.subnet6.len)
		sn_prefix6_format(&d->id.subnet6, subnet6);
	probes = semnetd_probe_json(d->probe);
	discovery = semnetd_discover_json(d->discover);
	*out = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:i, s:b, s:i, s:i, s:o, s:o, "
			 "s:o}",
		"state", semnetd_state_name(d->state), "error",
		d->state_error[0] ? d->state_error : NULL,
		"node_id", d->id.node_id[0] ? d->id.node_id : NULL, "cluster_address",
		d->id.cluster_address[0] ? d->id.cluster_address : NULL, "subnet",
		subnet[0] ? subnet : NULL, "underlay", underlay[0] ? underlay : NULL, "mode",
		d->cfg.routed ? "routed" : "bridged", "bridge", d->cfg.routed ? NULL : d->cfg.bridge,
		"tunnel_mtu", d->tunnel_mtu, "mqtt_connected",
		d->mqtt && sn_mqtt_is_connected(d->mqtt), "leases_free",
		(int)semnetd_leases_free(&d->leases), "leases_capacity",
		(int)semnetd_leases_capacity(&d->leases), "instances", instances, "tables",
		tables ? tables : json_null(), "probes", probes ? probes : json_null());
	if (!*out)
		json_decref(discovery);
	/* The IPv6 side: its subnet (null without one), whether it is set up
	 * (false: IPv4 only, the log says why), its leases. */
	if (*out && (json_object_set_new(*out, "subnet_v6",
					 subnet6[0] ? json_string(subnet6) : json_null()) < 0 ||
		     json_object_set_new(*out, "ipv6", json_boolean(d->v6)) < 0 ||
		     json_object_set_new(*out, "leases6_free",
					 json_integer(semnetd_leases6_free(&d->leases6))) < 0 ||
		     json_object_set_new(*out, "leases6_capacity",
					 json_integer(semnetd_leases6_capacity(&d->leases6))) < 0 ||
		     /* Endpoint discovery (issue 18, discover.h). */
		     json_object_set_new(*out, "discovery",
					 discovery ? discovery : json_null()) < 0 ||
		     /* The relay (--relay, relaylinks.h): null when not one. */
		     json_object_set_new(*out, "relay", semnetd_relaylinks_json(d)) < 0 ||
		     /* This node's WireGuard key rotation (wglinks.h). */
		     json_object_set_new(*out, "wg_rotation",
					 d->wgl.up ? semnetd_wglinks_rotation_json(d) :
					 json_null()) < 0 ||
		     /* What the WireGuard devices refused (wgrefused.h). */
		     json_object_set_new(*out, "wg_datagrams",
					 semnetd_wgrefused_json(d)) < 0)) {
		json_decref(*out);
		*out = NULL;
	}
	return 0;
}
