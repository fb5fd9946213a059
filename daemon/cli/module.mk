# The semnet CLI. CLI_SRCS is everything but main.c, so the unit tests
# (tests/unit/cli.mk) can link it and call sn_main() themselves.
CLI_SRCS := $(addprefix $(TOP)/daemon/cli/,semnet.c request.c parse.c output.c \
	object.c node.c service.c instance.c peer.c flow.c stats.c show.c monitor.c batch.c)

PROGRAMS += semnet
semnet_SRCS := $(TOP)/daemon/cli/main.c $(CLI_SRCS)
semnet_PKGS := jansson
semnet_LIBS := semnetgenl
