PROGRAMS += semnet
semnet_SRCS := $(TOP)/daemon/cli/semnet.c
semnet_PKGS := jansson
semnet_LIBS := semnetgenl
