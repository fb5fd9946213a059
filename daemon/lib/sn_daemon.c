// SPDX-License-Identifier: GPL-2.0
#include "sn_daemon.h"

#include <limits.h>
#include <stdio.h>

#include "sn_log.h"

int sn_daemon_start(int config_rc, const char *prog, const int *log_level, uv_loop_t *loop)
{
	if (config_rc != 0)
		return config_rc > 0 ? 0 : 2;
	sn_log_init(prog, *log_level);
	return uv_loop_init(loop) != 0 ? 1 : -1;
}

int sn_write_ready_file(const char *path, int port)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int bad;

	/* Written then renamed, so a reader never sees a half-written file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		sn_error("cannot write %s", path);
		return -1;
	}
	bad = fprintf(f, "%d\n", port) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		sn_error("cannot write %s", path);
		remove(tmp);
		return -1;
	}
	return 0;
}
