/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node-engine API's request bodies (daemon/OAKESTRA.md, section 1;
 * tests/e2e/semnetd.sh sends them), parsed and validated before anything
 * changes: /register, /container/deploy, /unikernel/deploy and the
 * undeploys. Each parser
 * returns 0, or -1 with a message for the client in @err.
 */
#ifndef SEMNETD_API_PARSE_H
#define SEMNETD_API_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "sn_json.h"
#include "sn_oak.h"

#define SEMNETD_NODE_ID_MAX 64
#define SEMNETD_PORTS_MAX 32
#define SEMNETD_PORTS_TEXT_MAX 1024

struct semnetd_register_req {
	char client_id[SEMNETD_NODE_ID_MAX + 1];
	char cluster_address[254];
};

struct semnetd_port_map {
	uint16_t host_port;
	uint16_t container_port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

struct semnetd_deploy_req {
	int pid;
	char job_name[SN_OAK_JOB_NAME_MAX + 1];
	int instance_number;
	struct semnetd_port_map ports[SEMNETD_PORTS_MAX];
	size_t nports;
};

struct semnetd_undeploy_req {
	char job_name[SN_OAK_JOB_NAME_MAX + 1];
	int instance_number;
};

/* Node ids name MQTT topics: 1-64 of [A-Za-z0-9._-]. */
bool semnetd_node_id_valid(const char *id);

int semnetd_parse_register(const char *body, size_t len, struct semnetd_register_req *r,
			   struct sn_err *err);
int semnetd_parse_deploy(const char *body, size_t len, struct semnetd_deploy_req *r,
			 struct sn_err *err);
/* /unikernel/deploy: as a container's, with no pid (the NodeEngine sends
 * 0; any is ignored): r->pid is 0. */
int semnetd_parse_unikernel_deploy(const char *body, size_t len, struct semnetd_deploy_req *r,
				   struct sn_err *err);
int semnetd_parse_undeploy(const char *body, size_t len, struct semnetd_undeploy_req *r,
			   struct sn_err *err);
/* "host[:cont][/tcp|/udp];..." ("" or NULL: none), exactly as Oakestra's
 * NetManager reads it (api_parse.c says what that is). Mappings with a
 * port 0 and the repeats of a host port are left out of @maps. */
int semnetd_parse_ports(const char *text, struct semnetd_port_map *maps, size_t *nmaps,
			struct sn_err *err);
/* The inverse, for the store: "8080:80;5353:53/udp". */
void semnetd_format_ports(const struct semnetd_port_map *maps, size_t nmaps, char *out,
			  size_t size);

#endif
