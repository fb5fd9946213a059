# Unit tests of the semnet CLI (daemon/cli). Check; TAP (tests/unit/unit.h).
#   test_cli_parse   argument parsers: addresses, prefixes, numbers, keywords
#   test_cli_output  text tables, value formatting, JSON helpers
#   test_cli_main    sn_main() in process against a fake kernel (genl open and
#                    transact wrapped): usage errors exit 2 before netlink, help,
#                    "not loaded" exits 1, request encoding, kernel errors,
#                    text and JSON output of scripted replies, dump retries
#   test_cli_host    the real genl client: on a host without semnet.ko every
#                    kernel command exits 1 saying so; usage errors exit 2
TESTS += test_cli_parse
test_cli_parse_SRCS := $(TOP)/tests/unit/test_cli_parse.c $(TOP)/daemon/cli/parse.c
test_cli_parse_PKGS := check
test_cli_parse_LIBS := unitmain

TESTS += test_cli_output
test_cli_output_SRCS := $(TOP)/tests/unit/test_cli_output.c $(TOP)/daemon/cli/output.c \
	$(TOP)/daemon/cli/parse.c
test_cli_output_PKGS := check jansson
test_cli_output_LIBS := unitmain

TESTS += test_cli_main
test_cli_main_SRCS := $(TOP)/tests/unit/test_cli_main.c $(CLI_SRCS)
test_cli_main_PKGS := check jansson
test_cli_main_LIBS := unitmain semnetgenl
# The fake kernel: requests are captured and replies scripted by the test.
test_cli_main_LDLIBS := -Wl,--wrap=sn_genl_open -Wl,--wrap=sn_genl_transact \
	-Wl,--wrap=sn_genl_subscribe -Wl,--wrap=sn_genl_recv_events

TESTS += test_cli_host
test_cli_host_SRCS := $(TOP)/tests/unit/test_cli_host.c $(CLI_SRCS)
test_cli_host_PKGS := check jansson
test_cli_host_LIBS := unitmain semnetgenl
