# The generic-netlink client for the semnet family (CLI and semnetd).
LIBS += semnetgenl
semnetgenl_SRCS := $(TOP)/daemon/lib/genl.c
semnetgenl_PKGS := libnl-3.0 libnl-genl-3.0
