# Check units of semnetd (daemon/node).
#   test_semnetd_api_parse  the API's request bodies and port mappings
#   test_semnetd_leases     nsIP leases of a /26, and their store (SQLite,
#                           with the veth's ifindex and the schema migration)
#   test_semnetd_config     flags, the JSON config file, their errors
#   test_semnetd_rtt        RTT smoothing, down/up, when the kernel is told a cost
TESTS += test_semnetd_api_parse test_semnetd_leases test_semnetd_config test_semnetd_rtt
test_semnetd_api_parse_SRCS := $(TOP)/tests/unit/test_semnetd_api_parse.c $(TOP)/daemon/node/api_parse.c
test_semnetd_api_parse_PKGS := check
test_semnetd_api_parse_LIBS := unitmain snlib
test_semnetd_leases_SRCS := $(TOP)/tests/unit/test_semnetd_leases.c $(TOP)/daemon/node/leases.c \
	$(TOP)/daemon/node/store.c
test_semnetd_leases_PKGS := check
test_semnetd_leases_LIBS := unitmain snlib
test_semnetd_config_SRCS := $(TOP)/tests/unit/test_semnetd_config.c $(TOP)/daemon/node/config.c
test_semnetd_config_PKGS := check
test_semnetd_config_LIBS := unitmain snlib
test_semnetd_rtt_SRCS := $(TOP)/tests/unit/test_semnetd_rtt.c $(TOP)/daemon/node/rtt.c
test_semnetd_rtt_PKGS := check
test_semnetd_rtt_LIBS := unitmain
