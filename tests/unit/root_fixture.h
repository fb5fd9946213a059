/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnet-root in process for unit tests: its store, pools and notifier as
 * main() makes them, no HTTP server; requests go straight to a handler.
 */
#ifndef SEMNET_TEST_ROOT_FIXTURE_H
#define SEMNET_TEST_ROOT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>

#include "../../daemon/root/api.h"

/* Starts @root on @loop from a command line (argv[0] included); checked. */
void unit_root_start(struct sn_root *root, uv_loop_t *loop, int argc, char **argv);
void unit_root_stop(struct sn_root *root, uv_loop_t *loop);

/*
 * Calls @handler with @body (NULL: none; @len bytes) from @peer, the
 * query and the path parameters in @params (const char *, NULL-ended).
 * Frees the last *@reply first; returns the HTTP status.
 */
int unit_root_vcall(struct sn_root *root, json_t **reply, sn_http_handler_fn handler,
		    const char *peer, const char *query, const char *body, size_t len,
		    va_list params);

#endif
