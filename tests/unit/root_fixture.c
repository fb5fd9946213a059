// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "root_fixture.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "../../daemon/root/notify.h"

void unit_root_start(struct sn_root *root, uv_loop_t *loop, int argc, char **argv)
{
	memset(root, 0, sizeof(*root));
	ck_assert_int_eq(sn_root_config_load(&root->cfg, argc, argv), 0);
	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(loop), 0);
	root->loop = loop;
	ck_assert_int_eq(sn_root_store_open(&root->db, root->cfg.db_path, false), 0);
	ck_assert_int_eq(sn_root_pools_init(&root->pools, &root->cfg, &root->db), 0);
	root->client = sn_http_client_new(loop);
	root->notifier = sn_root_notifier_new(root);
	ck_assert(root->client && root->notifier);
}

void unit_root_stop(struct sn_root *root, uv_loop_t *loop)
{
	sn_http_client_free(root->client);
	sn_root_notifier_free(root->notifier);
	sn_root_pools_destroy(&root->pools);
	sn_db_close(&root->db);
	sn_loop_close_all(loop);
}

int unit_root_vcall(struct sn_root *root, json_t **reply, sn_http_handler_fn handler,
		    const char *peer, const char *query, const char *body, size_t len,
		    va_list params)
{
	struct sn_http_request req = { .body = body, .body_len = len, .query = query };
	char copies[SN_HTTP_MAX_PARAMS][96];
	const char *p;

	snprintf(req.peer, sizeof(req.peer), "%s", peer);
	while ((p = va_arg(params, const char *)) && req.nparams < SN_HTTP_MAX_PARAMS) {
		snprintf(copies[req.nparams], sizeof(copies[0]), "%s", p);
		req.params[req.nparams] = copies[req.nparams];
		req.nparams++;
	}
	json_decref(*reply);
	*reply = NULL;
	return handler(root, &req, reply);
}
