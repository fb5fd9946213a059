# Check units of lib/genl.c's transport (sn_genl_connect, sn_nl_transact)
# against the host's generic-netlink controller, which every kernel has.
$(eval $(call unit_test,test_genl,,semnetgenl))
