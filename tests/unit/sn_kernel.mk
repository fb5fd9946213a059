# Check units of lib/sn_kernel.c, the semnet family's objects: encode/decode
# round trips, malformed replies, lists, requests and dump retries against
# a scripted kernel (sn_genl_transact wrapped), and semnetd's use of them
# (daemon/node/kernel.c: host byte order in, network order on the wire).
$(eval $(call unit_test,test_sn_kernel,$(TOP)/daemon/node/kernel.c,semnetgenl))
test_sn_kernel_LDLIBS := -Wl,--wrap=sn_genl_transact
