#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/flow_memory.sh for IPv6 flows (issue 16): what one costs, all
# in, against a ceiling of its own.
# vm-timeout: 1200
# check-tier: ci
# vm-cost: 48
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" --mem 2G "$0" "$@"
fi
SEMNET_FAMILY=6 exec "$SEMNET_TOP/tests/e2e/flow_memory.sh" "$@"
