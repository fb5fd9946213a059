#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/overlay.sh's cases on routed nodes over IPv6: each container's
# veth routed (a /128, proxy NDP for the gateway), dual-stack nodes, the
# traffic to IPv6 addresses (issue 16).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 82
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_NODE_MODE=routed SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/overlay.sh" "$@"
