#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/semnetd.sh's cases with semnetd --mode routed: no bridge, each
# container's veth routed (a /32 and proxy ARP), the gateway on semnet-gw,
# the firewall accepting the veths by their names' prefix.
# vm-timeout: 540
# check-tier: ci
# vm-cost: 307
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_NODE_MODE=routed exec "$SEMNET_TOP/tests/e2e/semnetd.sh" "$@"
