// SPDX-License-Identifier: GPL-2.0
#include "sn_loop.h"

#include <signal.h>
#include <stdlib.h>

struct sn_signals {
	uv_signal_t sigint, sigterm;
	void (*on_stop)(void *arg);
	void *arg;
	int fired;
};

static struct sn_signals sn_signals;

static void on_signal(uv_signal_t *handle, int signum)
{
	(void)signum;
	(void)handle;
	if (sn_signals.fired++)
		return;
	uv_signal_stop(&sn_signals.sigint);
	uv_signal_stop(&sn_signals.sigterm);
	sn_signals.on_stop(sn_signals.arg);
}

int sn_loop_handle_signals(uv_loop_t *loop, void (*on_stop)(void *arg), void *arg)
{
	int rc;

	signal(SIGPIPE, SIG_IGN);
	sn_signals.on_stop = on_stop;
	sn_signals.arg = arg;
	if ((rc = uv_signal_init(loop, &sn_signals.sigint)) != 0 ||
	    (rc = uv_signal_init(loop, &sn_signals.sigterm)) != 0 ||
	    (rc = uv_signal_start(&sn_signals.sigint, on_signal, SIGINT)) != 0 ||
	    (rc = uv_signal_start(&sn_signals.sigterm, on_signal, SIGTERM)) != 0)
		return rc;
	return 0;
}

static void close_one(uv_handle_t *handle, void *arg)
{
	(void)arg;
	if (!uv_is_closing(handle))
		uv_close(handle, NULL);
}

void sn_loop_close_all(uv_loop_t *loop)
{
	uv_run(loop, UV_RUN_NOWAIT);	/* let pending close callbacks free their memory */
	uv_walk(loop, close_one, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
}
