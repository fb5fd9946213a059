#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/semnetd.sh over an IPv6-only underlay (SEMNET_UNDERLAY=6): the
# nodes find and report IPv6 underlay addresses, peer and tunnel over
# IPv6, probe and rank each other for Closest, skip a node of an IPv4
# underlay; the underlay cases only (issue 16).
# vm-timeout: 480
# check-tier: ci
# vm-cost: 146
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_UNDERLAY=6 exec "$SEMNET_TOP/tests/e2e/semnetd.sh" "$@"
