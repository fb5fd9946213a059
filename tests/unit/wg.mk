# WireGuard for node links (issue 18, daemon/node/wg.c).
#   test_semnetd_wg  keys: the 0600 key file made once and reused, refused
#                    when another size, mode or owner, one complete key for
#                    racing loaders, a short write's cause; base64 both ways;
#                    bad device settings refused before anything is sent;
#                    no request freed holding the private key; after a
#                    request that failed, the next gets its own answer
#                    (a handle on nlctrl, which every kernel has).
#                    (The kernel side runs in the VM: tests/e2e/links_wg.sh.)
# semnet-wgtest: tests/e2e/links_wg.sh's tool, wg.c as a command line; built
# with the programs (build/user/bin, in the VM's PATH), never installed.
$(eval $(call unit_test,test_semnetd_wg,$(TOP)/daemon/node/wg.c,semnetgenl snlib,libnl-3.0 libnl-genl-3.0 libnl-route-3.0))
PROGRAMS += semnet-wgtest
semnet-wgtest_SRCS := $(TOP)/tests/e2e/links_wgtool.c $(TOP)/daemon/node/wg.c
semnet-wgtest_PKGS := libnl-3.0 libnl-genl-3.0 libnl-route-3.0
semnet-wgtest_LIBS := semnetgenl snlib
