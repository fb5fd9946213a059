# semnetd: the node daemon (orchestrator API on a unix socket, container
# networking, kernel programming over genl, MQTT towards the cluster).
SEMNETD_SRCS := $(addprefix $(TOP)/daemon/node/, config.c store.c leases.c api_parse.c kernel.c peer_parse.c \
	host.c firewall.c services.c queries.c peers.c answers.c interest.c misses.c \
	instances.c setup.c status.c upstream.c api.c metrics.c rtt.c probe.c wg.c wglinks.c \
	linkdump.c)
SEMNETD_SRCS += $(TOP)/daemon/node/relay.c $(TOP)/daemon/node/relaylinks.c
SEMNETD_SRCS += $(TOP)/daemon/node/discover_match.c $(TOP)/daemon/node/discover.c
PROGRAMS += semnetd
semnetd_SRCS := $(SEMNETD_SRCS) $(TOP)/daemon/node/main.c
semnetd_PKGS := libnl-route-3.0 libnl-genl-3.0 libnftables
semnetd_LIBS := snlib semnetgenl
# Only the libraries semnetd calls are loaded: snlib's list serves every
# program (libcurl, with some twenty libraries of its own, is the
# managers'), and each library loaded costs resident memory.
$(BUILD)/bin/semnetd: LDFLAGS += -Wl,--as-needed
