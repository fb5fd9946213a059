# The generic-netlink client for the semnet family (CLI and semnetd):
# genl.c the transport (socket, requests, extack, events), sn_kernel.c the
# family's objects (structs, put/get, dumps).
LIBS += semnetgenl
semnetgenl_SRCS := $(TOP)/daemon/lib/genl.c $(TOP)/daemon/lib/sn_kernel.c
semnetgenl_PKGS := libnl-3.0 libnl-genl-3.0
