/* SPDX-License-Identifier: GPL-2.0 */
/* libuv loop helpers shared by the daemons. */
#ifndef SN_LOOP_H
#define SN_LOOP_H

#include <stdint.h>
#include <uv.h>

/* Calls @on_stop(@arg) from the loop on SIGINT or SIGTERM (once); SIGPIPE
 * is ignored (a peer closing a socket must not kill a daemon). 0 or a
 * libuv error. */
int sn_loop_handle_signals(uv_loop_t *loop, void (*on_stop)(void *arg), void *arg);
/* Closes every handle still open and runs the loop until they are gone,
 * then closes the loop. */
void sn_loop_close_all(uv_loop_t *loop);
/* Milliseconds since an arbitrary start (the loop's cached clock). */
static inline uint64_t sn_loop_now_ms(uv_loop_t *loop)
{
	return uv_now(loop);
}

#endif
