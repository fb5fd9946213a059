# Check units of lib/sn_kernel.c, the semnet family's objects: encode/decode
# round trips, malformed replies, lists, requests and dump retries against
# a scripted kernel (sn_genl_transact wrapped), and semnetd's use of them
# (daemon/node/kernel.c: host byte order in, network order on the wire).
TESTS += test_sn_kernel
test_sn_kernel_SRCS := $(TOP)/tests/unit/test_sn_kernel.c $(TOP)/daemon/node/kernel.c
test_sn_kernel_PKGS := check
test_sn_kernel_LIBS := unitmain semnetgenl
test_sn_kernel_LDLIBS := -Wl,--wrap=sn_genl_transact
