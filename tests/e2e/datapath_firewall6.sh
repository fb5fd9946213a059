#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/datapath_firewall.sh over IPv6: the Docker-style FORWARD
# DROP firewall with "ct state invalid drop" in ip6tables (issue 16).
# vm-timeout: 900
# check-tier: ci
# vm-cost: 49
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_DATAPATH_RP=2 SEMNET_DATAPATH_FIREWALL=docker SEMNET_FAMILY=6 \
	exec "$SEMNET_TOP/tests/e2e/datapath.sh" "$@"
