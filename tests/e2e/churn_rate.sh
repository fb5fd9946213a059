#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/adversarial/churn.sh (table churn under traffic) on the Debian
# kernel, asserting the hardening issue's rate: at least 1,000 adds and
# deletes of services, instances and peers a second, with no connection
# ever answered by an instance after its delete returned. The rate is
# counted in guest time under qemu -icount (2 ns an instruction, a
# 500-MIPS CPU, far slower than any edge node's): a wall-clock rate under
# TCG followed the host's load (566 to 1,383 a second in runs of the same
# code), this one does not (8,490 and 8,482 measured). With sleep=off an
# idle guest's time jumps ahead, which would hide a change that sleeps;
# sleep=on measured the same 8,490 (and took 3 times as long), so the
# churn waits for nothing. Asserted: 4,000, half the measured rate, so a
# change that halves it fails (the hardening issue's floor is 1,000). The
# debug kernel (KASAN, lockdep, kmemleak under TCG), where the adversarial
# suite runs the same scenario, manages 40 to 150 a second.
# vm-timeout: 900
# check-tier: ci
# vm-clock: icount
# vm-cost: 120
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_CHURN_RATE=${SEMNET_CHURN_RATE:-4000} exec "$SEMNET_TOP/tests/adversarial/churn.sh" "$@"
