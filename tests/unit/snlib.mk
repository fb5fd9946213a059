# Check units for the daemons' plumbing in snlib (daemon/lib).
#   test_config    sn_config: one setting's value (integers, strings, sync,
#                  log level, on/off), the settings every daemon shares, and
#                  the words a value is refused with
#   test_db_step   sn_db_run, sn_db_run_changed, sn_db_step_row, sn_db_bind,
#                  sn_db_next, sn_db_value
#   test_outbox    sn_outbox: backoff, which statuses retry, retry delays,
#                  giving up, ordered and parallel delivery, pause, rows
#                  that survive a restart
#   test_managers_config  semnet-root's and semnet-cluster's settings built
#                  on sn_config: defaults, file then flags, refusals
#   test_links     sn_links: the per-pair link kind (issue 18), each rule in
#                  its order, and kind(a, b) == kind(b, a) over every pair
$(eval $(call unit_test,test_config,,snlib))
$(eval $(call unit_test,test_db_step,,snlib))
$(eval $(call unit_test,test_outbox,,snlib))
$(eval $(call unit_test,test_managers_config,$(TOP)/daemon/root/config.c \
	$(TOP)/daemon/cluster/config.c,snlib))
$(eval $(call unit_test,test_links,,snlib))
