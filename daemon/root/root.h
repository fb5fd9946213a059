/* SPDX-License-Identifier: GPL-2.0 */
/* semnet-root: the state every part of the daemon shares. */
#ifndef SN_ROOT_H
#define SN_ROOT_H

#include <uv.h>

#include "config.h"
#include "pools.h"
#include "sn_db.h"
#include "sn_http_client.h"
#include "sn_http_server.h"

struct sn_root_notifier;

struct sn_root {
	uv_loop_t *loop;
	struct sn_root_config cfg;
	struct sn_db db;
	struct sn_root_pools pools;
	struct sn_http_server *http;
	struct sn_http_client *client;
	struct sn_root_notifier *notifier;
};

/* The HTTP routes (api.c). */
extern const struct sn_http_route sn_root_routes[];
extern const size_t sn_root_nroutes;

#endif
