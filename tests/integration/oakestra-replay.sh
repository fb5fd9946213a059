#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Oakestra replay: the calls and MQTT messages of Oakestra's own
# components (oakestra 0e879834, oakestra-net 1bdf5fa), built from their
# source, sent to semnet-root and semnet-cluster, with stand-ins for the
# Oakestra components semnet calls. The steps, their sources and the
# topology are in oakestra_replay.py; this wrapper builds the daemons
# (ASan/UBSan, as the other managers' tests) and runs it.
#   SEMNET_REPLAY_WRONG=1 flips two expectations: exactly those two fail.
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh

tap_need python3 mosquitto mosquitto_pub mosquitto_sub ip
it_build
python3 ./oakestra_replay.py "$SEMNET_BUILD/bin" "$WORK" \
	${SEMNET_REPLAY_WRONG:+--wrong}
