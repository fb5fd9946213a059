# Check units for the daemons' plumbing in snlib (daemon/lib).
#   test_config    sn_config: one setting's value (integers, strings, sync,
#                  log level, on/off) and the words it is refused with
#   test_db_step   sn_db_run, sn_db_run_changed, sn_db_step_row
#   test_outbox    sn_outbox: backoff, which statuses retry, retry delays,
#                  giving up, ordered and parallel delivery, pause, rows
#                  that survive a restart
#   test_managers_config  semnet-root's and semnet-cluster's settings built
#                  on sn_config: defaults, file then flags, refusals
TESTS += test_config test_db_step test_outbox test_managers_config
test_config_SRCS := $(TOP)/tests/unit/test_config.c
test_config_PKGS := check
test_config_LIBS := unitmain snlib
test_db_step_SRCS := $(TOP)/tests/unit/test_db_step.c
test_db_step_PKGS := check
test_db_step_LIBS := unitmain snlib
test_outbox_SRCS := $(TOP)/tests/unit/test_outbox.c
test_outbox_PKGS := check
test_outbox_LIBS := unitmain snlib
test_managers_config_SRCS := $(TOP)/tests/unit/test_managers_config.c \
	$(TOP)/daemon/root/config.c $(TOP)/daemon/cluster/config.c
test_managers_config_PKGS := check
test_managers_config_LIBS := unitmain snlib
