#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/datapath.sh with loose reverse-path filtering (rp_filter=2)
# behind a Docker-style FORWARD DROP firewall with "ct state invalid
# drop" (the cases whose packets cross FORWARD; datapath.sh says which).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 41
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_DATAPATH_RP=2 SEMNET_DATAPATH_FIREWALL=docker exec "$SEMNET_TOP/tests/e2e/datapath.sh" "$@"
