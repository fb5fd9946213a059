# Check units for the managers' shared library and stores.
$(eval $(call unit_test,test_ipalloc,,snlib))
$(eval $(call unit_test,test_oak_json,,snlib))
$(eval $(call unit_test,test_root_store,$(TOP)/daemon/root/store.c,snlib))
$(eval $(call unit_test,test_cluster_store,$(TOP)/daemon/cluster/store.c,snlib))
$(eval $(call unit_test,test_http,,snlib))
# semnet-root's IPv6 plan through its handlers, in process (issue 16).
$(eval $(call unit_test,test_root_v6,$(TOP)/tests/unit/root_fixture.c $(addprefix $(TOP)/daemon/root/,config.c store.c pools.c \
	notify.c api.c api_cluster.c api_service.c api_query.c),snlib))
# Endpoint discovery: the messages and semnet-cluster's server (issue 18).
$(eval $(call unit_test,test_stun,$(TOP)/daemon/cluster/stun.c,snlib))
