#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/overlay.sh's cases on routed nodes: no bridge, each
# container's veth routed (a /32, proxy ARP), the gateways on gw0.
# vm-timeout: 900
# check-tier: ci
# vm-cost: 77
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_NODE_MODE=routed exec "$SEMNET_TOP/tests/e2e/overlay.sh" "$@"
