# semnetd: the node daemon (orchestrator API on a unix socket, container
# networking, kernel programming over genl, MQTT towards the cluster).
SEMNETD_SRCS := $(addprefix $(TOP)/daemon/node/, config.c store.c leases.c request.c \
	kernel.c host.c firewall.c tables.c cluster.c api.c metrics.c rtt.c probe.c)
PROGRAMS += semnetd
semnetd_SRCS := $(SEMNETD_SRCS) $(TOP)/daemon/node/main.c
semnetd_PKGS := libnl-route-3.0 libnftables
semnetd_LIBS := snlib semnetgenl
