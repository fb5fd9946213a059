# semnet-relaytest: tests/bench/overlay.sh's relay row, daemon/node/relay.c
# as a command line (tests/bench/relaytool.c); built with the programs
# (build/user/bin, in the VM's PATH), never installed.
PROGRAMS += semnet-relaytest
semnet-relaytest_SRCS := $(TOP)/tests/bench/relaytool.c $(TOP)/daemon/node/relay.c
semnet-relaytest_LIBS := snlib
