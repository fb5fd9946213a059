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

int sn_root_api_register_cluster(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_subnet_get(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_subnet_delete(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_service_deploy(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_service_delete(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_instance_deploy(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_instance_delete(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_deploy_status(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_query_name(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_query_ip(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_interest_delete(void *ctx, const struct sn_http_request *req, json_t **reply);
int sn_root_api_status(void *ctx, const struct sn_http_request *req, json_t **reply);

#endif
