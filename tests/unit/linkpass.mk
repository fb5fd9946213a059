# semnet-linkpass: what a registry pass asks the kernel about its encrypted
# peers' devices, timed (tests/bench/linkpass.c, daemon/node/linkdump.c);
# built with the programs (build/user/bin, in the VM's PATH), never
# installed.
PROGRAMS += semnet-linkpass
semnet-linkpass_SRCS := $(TOP)/tests/bench/linkpass.c $(TOP)/daemon/node/linkdump.c
semnet-linkpass_PKGS := libnl-route-3.0
semnet-linkpass_LIBS := snlib
