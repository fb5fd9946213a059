# Check units for sn_modcheck (daemon/lib): the reason `semnet` gives when
# the module is missing, for every state the probe can find.
$(eval $(call unit_test,test_modcheck,,semnetgenl))
