#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# collect.sh MODULE [SECONDS]
#
# Runs inside the debug VM (tests/kunit/run.sh starts it through tests/vm/run
# --no-module): loads MODULE, whose suites KUnit runs at load time, waits up
# to SECONDS (default 420) for that, unloads it, and prints the kernel log,
# from which run.sh takes the KTAP. A suite that hangs (say, it died holding
# rcu_read_lock) leaves insmod stuck in the kernel: the log of the suites
# before it is printed all the same, and the run fails.
# vm-timeout: 600
set -uo pipefail
module=$1
deadline=$((SECONDS + ${2:-420}))

insmod "$module" &
pid=$!
while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.5
done
status=0
if kill -0 "$pid" 2>/dev/null; then
	echo "collect: insmod $module still running after ${2:-200}s: a suite hangs" >&2
	status=1
elif ! wait "$pid"; then
	echo "collect: insmod $module failed" >&2
	status=1
else
	rmmod "$module" || status=1
fi
dmesg -t
dmesg -t | grep -q 'KTAP version' ||
	{ echo "collect: no KUnit results in the kernel log" >&2; status=1; }
exit "$status"
