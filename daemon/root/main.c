// SPDX-License-Identifier: GPL-2.0
/* semnet-root: the root service manager (see api.c for its REST API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "root.h"
#include "sn_daemon.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "store.h"

static void stop(void *arg)
{
	struct sn_root *root = arg;

	sn_info("stopping");
	uv_stop(root->loop);
}

int main(int argc, char **argv)
{
	static struct sn_root root;
	uv_loop_t loop;
	int exit_code = sn_daemon_start(sn_root_config_load(&root.cfg, argc, argv), "semnet-root",
					&root.cfg.log_level, &loop);

	if (exit_code >= 0)
		return exit_code;
	exit_code = 1;
	root.loop = &loop;
	if (sn_root_store_open(&root.db, root.cfg.db_path, root.cfg.db_durable) < 0)
		goto out_loop;
	if (sn_root_pools_init(&root.pools, &root.cfg, &root.db) < 0)
		goto out_db;
	root.client = sn_http_client_new(&loop);
	root.notifier = sn_root_notifier_new(&root);
	root.http = sn_http_server_new(&loop, sn_root_routes, sn_root_nroutes, &root);
	if (!root.client || !root.notifier || !root.http) {
		sn_error("out of memory at startup");
		goto out_all;
	}
	if (sn_http_server_listen_tcp(root.http, root.cfg.listen, root.cfg.port) < 0)
		goto out_all;
	if (sn_loop_handle_signals(&loop, stop, &root) != 0)
		goto out_all;
	sn_info("serving on %s:%d, database %s", root.cfg.listen, sn_http_server_port(root.http),
		root.cfg.db_path);
	if (root.cfg.ready_file[0] &&
	    sn_write_ready_file(root.cfg.ready_file, sn_http_server_port(root.http)) < 0)
		goto out_all;
	sn_root_notify_flush(&root);	/* updates a previous run left undelivered */
	uv_run(&loop, UV_RUN_DEFAULT);
	exit_code = 0;
out_all:
	sn_http_server_free(root.http);
	sn_http_client_free(root.client);
	sn_root_notifier_free(root.notifier);
	sn_root_pools_destroy(&root.pools);
out_db:
	sn_db_close(&root.db);
out_loop:
	sn_loop_close_all(&loop);
	return exit_code;
}
