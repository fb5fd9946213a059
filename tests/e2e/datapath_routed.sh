#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/datapath.sh on a routed node: no bridge, each container's
# host-side veth routed with a /32 and proxy ARP, the gateway on the
# node's dummy gw0, anti-spoofing on the veths' ingress (the cases whose
# packets take another path there; datapath.sh says which).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 71
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_NODE_MODE=routed exec "$SEMNET_TOP/tests/e2e/datapath.sh" "$@"
