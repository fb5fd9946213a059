# Mutation tests of what peers send, under the sanitizers (fuzz.c the
# mutator):
#   test_fuzz_input  semnetd's API bodies and port mappings, the registry's
#                    node entries and links, table answers, semnet-root's
#                    REST handlers on a real store
$(eval $(call unit_test,test_fuzz_input,$(TOP)/tests/unit/fuzz.c $(TOP)/tests/unit/root_fixture.c \
	$(TOP)/daemon/node/api_parse.c $(TOP)/daemon/node/peer_parse.c \
	$(addprefix $(TOP)/daemon/root/,config.c store.c pools.c notify.c api.c api_cluster.c \
	api_service.c api_query.c),snlib semnetgenl))
