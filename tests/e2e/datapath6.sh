#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/datapath.sh's cases over IPv6 (issue 16): the traffic to the
# IPv6 RR address, InstanceIPs and nsIPs, ICMPv6, IPv6 misses and flows.
# vm-timeout: 900
# vm-cost: 152
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/datapath.sh" "$@"
