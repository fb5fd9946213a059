# Check units for the managers' shared library and stores.
$(eval $(call unit_test,test_ipalloc,,snlib))
$(eval $(call unit_test,test_oak_json,,snlib))
$(eval $(call unit_test,test_root_store,$(TOP)/daemon/root/store.c,snlib))
$(eval $(call unit_test,test_cluster_store,$(TOP)/daemon/cluster/store.c,snlib))
$(eval $(call unit_test,test_http,,snlib))
