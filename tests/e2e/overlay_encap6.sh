#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/overlay_encap.sh's cases over IPv6: dual-stack nodes and
# containers, GRE in UDP (protocol 0x86DD) with GSO and GRO, and ipudp
# carrying bare IPv6, also to the GRE port, over the IPv4 underlay (issue
# 16); the stand-in Oakestra node speaks IPv4 and runs in overlay_encap.sh.
# vm-timeout: 900
# check-tier: ci
# vm-cost: 75
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/overlay_encap.sh" "$@"
