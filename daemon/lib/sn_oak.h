/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Oakestra's control-plane records in JSON (daemon/OAKESTRA.md; shapes
 * pinned by tests/unit/test_oak_json.c): table-query instance entries, job
 * names, tunnel kinds. The root produces these entries, the cluster parses
 * and re-serves them to its nodes, so both sides use this one mapping.
 */
#ifndef SN_OAK_H
#define SN_OAK_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "sn_ipv4.h"
#include "sn_json.h"

#define SN_OAK_NAME_PART_MAX 30
#define SN_OAK_JOB_NAME_MAX (4 * SN_OAK_NAME_PART_MAX + 3)
#define SN_OAK_IPUDP_PORT 50103	/* Oakestra's bare IP-in-UDP tunnel */
#define SN_OAK_INSTANCE_MAX 1000000

/* One instance of a service, as a table query reports it. The v6
 * addresses are :: when it has none (sn_json.h). */
struct sn_oak_instance {
	int number;
	uint32_t instance_ip;
	uint32_t ns_ip;
	struct in6_addr instance_ip6;
	struct in6_addr ns_ip6;
	char host_ip[48];
	int host_port;
	char tunnel[16];	/* "gre-udp" or "ipudp" */
};

/* A service's addresses and instances (a table-query answer). */
struct sn_oak_table {
	char app_name[SN_OAK_JOB_NAME_MAX + 1];
	uint32_t rr_ip;
	uint32_t closest_ip;	/* 0: none (Oakestra has no Closest address) */
	struct in6_addr rr_ip6;
	struct in6_addr closest_ip6;
	struct sn_oak_instance *instances;
	size_t ninstances;
	size_t dropped;		/* sn_oak_table_parse: entries left out */
	/* Of those, the ones that name an instance and its InstanceIP but no
	 * location (Oakestra lists an instance before it is deployed):
	 * number, instance_ip, instance_ip6, the rest zero. */
	struct sn_oak_instance *unlocated;
	size_t nunlocated;
	/* Of those, the ones that do name a location (namespace_ip, host_ip
	 * and host_port not null) and still do not parse, e.g. a host_port
	 * "0" or a tunnel semnet does not know: the first one's reason. */
	size_t malformed;
	struct sn_err malformed_why;
};

/* "app.appns.svc.svcns": four parts of 1-30 letters or digits. */
bool sn_oak_job_name_valid(const char *name);
/* The tunnel a peer speaks: @given ("gre-udp"/"ipudp") when present, else
 * by port (50103 is Oakestra's IP-in-UDP). NULL when @given is neither. */
const char *sn_oak_tunnel(const char *given, int host_port);

/*
 * {instance_number, instance_ip, instance_ip_v6, namespace_ip,
 *  namespace_ip_v6, host_ip, host_port, tunnel, service_ip:[RR, Closest,
 *  instance_ip]} of an instance of @t. Every key is always there (Oakestra's
 *  cluster service-manager reads instance_ip_v6 without a default); a v6
 *  address the instance or service lacks is null, and the Closest entry is
 *  left out when the service has no Closest address in either family.
 */
json_t *sn_oak_instance_json(const struct sn_oak_instance *inst, const struct sn_oak_table *t);
/* {app_name, service_ip:[...], instance_list:[...]} (+ query_key when not
 * NULL). NULL on allocation failure. */
json_t *sn_oak_table_json(const struct sn_oak_table *t, const char *query_key);

/*
 * Parses one instance entry (host_port as integer or string; a missing
 * tunnel is derived from the port). 0 or -1 with @err. The v6 fields are
 * optional: null, "" and "<nil>" mean none, and a malformed instance_ip_v6
 * is left out; a malformed namespace_ip_v6 fails the entry, as it makes
 * Oakestra's NetManager drop the entry too. The v6 InstanceIP may also come
 * from the entry's service_ip item of IpType "instance_ip".
 */
int sn_oak_instance_parse(json_t *entry, struct sn_oak_instance *inst, struct sn_err *err);
/*
 * Parses a table-query answer: semnet's, an Oakestra cluster's (app_name,
 * service_ip per instance) or an Oakestra root's job document (job_name,
 * which wins over its app_name, and service_ip_list). The service
 * addresses (v4 and v6, each on its own) come from the top-level list, or
 * from the instances'.
 * An entry that does not parse (an Oakestra root lists instances not yet
 * deployed, with no namespace_ip) is left out and counted in t->dropped,
 * @err then telling the first one's reason: one bad entry never costs the
 * others. A malformed v6 service address is left out. 0, or -1 with @err
 * when the answer itself is unusable (no app_name, instance_list or RR
 * address, or a service name that is not app.appns.svc.svcns). Free with
 * sn_oak_table_free.
 */
int sn_oak_table_parse(json_t *answer, struct sn_oak_table *t, struct sn_err *err);
void sn_oak_table_free(struct sn_oak_table *t);

#endif
