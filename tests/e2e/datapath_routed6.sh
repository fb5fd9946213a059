#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/datapath_routed.sh over IPv6: each container's veth routed
# (a /128, fe80::1 on the veth its gateway, as semnetd does it), the
# traffic to IPv6 addresses (issue 16).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 68
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_NODE_MODE=routed SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/datapath.sh" "$@"
