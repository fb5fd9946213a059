# semnet-root: the root service manager (REST, SQLite).
PROGRAMS += semnet-root
semnet-root_SRCS := $(addprefix $(TOP)/daemon/root/, main.c config.c store.c pools.c notify.c \
	api.c api_cluster.c api_service.c api_query.c)
semnet-root_LIBS := snlib
