# Check units for sn_modcheck (daemon/lib): the reason `semnet` gives when
# the module is missing, for every state the probe can find.
TESTS += test_modcheck
test_modcheck_SRCS := $(TOP)/tests/unit/test_modcheck.c
test_modcheck_PKGS := check
test_modcheck_LIBS := unitmain semnetgenl
