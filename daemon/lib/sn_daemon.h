/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every semnet daemon's main() needs besides its settings
 * (sn_config.h): a ready file that tests and supervisors wait for.
 */
#ifndef SN_DAEMON_H
#define SN_DAEMON_H

#include <uv.h>

/*
 * A daemon's first steps once it has read its settings (@config_rc: its
 * config load's return, 0, 1 after --help, -1 on bad settings): logging as
 * @prog at *@log_level, then @loop. -1 when the daemon goes on; else the
 * status main() returns: 0 after --help, 2 on bad settings, 1 when the
 * loop cannot start.
 */
int sn_daemon_start(int config_rc, const char *prog, const int *log_level, uv_loop_t *loop);

/* Writes @port to @path atomically (write, then rename). */
int sn_write_ready_file(const char *path, int port);

#endif /* SN_DAEMON_H */
