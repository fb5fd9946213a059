#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One node, three instances and a client: TCP/UDP/ICMP through the RR
# address, exact round robin, tuple clash, flow expiry, instance deletion
# mid-run, spoofing; loose reverse-path filtering (rp_filter=2) behind a
# Docker-style FORWARD DROP firewall with "ct state invalid drop".
# vm-timeout: 900
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
DATAPATH_RP=2
DATAPATH_FIREWALL=docker
# shellcheck source=tests/lib/datapath.sh
. "$SEMNET_TOP/tests/lib/datapath.sh"
