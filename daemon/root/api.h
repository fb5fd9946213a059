/* SPDX-License-Identifier: GPL-2.0 */
/* Shared pieces of the root's HTTP handlers (api_*.c). */
#ifndef SN_ROOT_API_H
#define SN_ROOT_API_H

#include <stdbool.h>

#include "root.h"
#include "sn_json.h"
#include "store.h"

/*
 * Which cluster calls: ?cluster_id= (or @body_id, a cluster_id from the
 * body) when present, else the one cluster registered with the request's
 * source address. Returns 0 with *c filled; when the cluster cannot be told,
 * 0 with c->id empty if !@required, else an HTTP status with *reply set.
 */
int sn_root_api_caller(struct sn_root *root, const struct sn_http_request *req,
		       const char *body_id, bool required, struct sn_root_cluster *c,
		       json_t **reply);

/* ids: 1-64 of [A-Za-z0-9._-] (they end up in URLs and logs). */
bool sn_root_api_id_valid(const char *id);

/* A 500 for a store failure (the transaction was rolled back). */
int sn_root_api_store_error(json_t **reply);

/*
 * A lookup's answer so far, from its @found (1, 0 or -1): 0 when it found
 * what it looked for; else the status, with *reply set: 404 with the error
 * @fmt... when there is none, 500 on a store failure.
 */
int sn_root_api_found(int found, json_t **reply, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The routes' handlers, by file: api_cluster.c, api_service.c, api_query.c, api.c. */
sn_http_handler sn_root_api_register_cluster, sn_root_api_subnet_get, sn_root_api_subnet_delete;
sn_http_handler sn_root_api_service_deploy, sn_root_api_service_delete,
	sn_root_api_instance_deploy, sn_root_api_instance_delete, sn_root_api_deploy_status;
sn_http_handler sn_root_api_query_name, sn_root_api_query_ip, sn_root_api_interest_delete;
sn_http_handler sn_root_api_status;

#endif
