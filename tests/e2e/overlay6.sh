#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/overlay.sh's cases over IPv6: dual-stack nodes and containers,
# the traffic to IPv6 RR addresses, InstanceIPs and nsIPs, carried over the
# IPv4 underlay as GRE protocol 0x86DD (issue 16).
# vm-timeout: 900
# vm-cost: 80
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/overlay.sh" "$@"
