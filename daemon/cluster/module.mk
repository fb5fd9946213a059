# semnet-cluster: the cluster service manager (REST, MQTT, SQLite).
PROGRAMS += semnet-cluster
semnet-cluster_SRCS := $(addprefix $(TOP)/daemon/cluster/, main.c config.c store.c uplink.c \
	registry.c nodes.c interests.c api.c stun.c)
semnet-cluster_LIBS := snlib
