#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/overlay.sh's cases over an IPv6-only underlay (the nodes on
# 2001:db8::/64 alone): IPv6 traffic in outer IPv6 + UDP with a checksum,
# peers by IPv6 address, semnet0's MTU 56 bytes below the underlay's
# (issue 16).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 91
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_FAMILY=6 SEMNET_UNDERLAY=6 exec "$SEMNET_TOP/tests/e2e/overlay.sh" "$@"
