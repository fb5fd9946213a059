#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the debug VM (tests/kunit/run.sh starts it through tests/vm/run
# with semnet_kunit.ko as the module): KUnit ran the module's suites when it
# was loaded; print their KTAP from the kernel log, from the first suite's
# header to the last suite's result.
set -euo pipefail
dmesg -t | awk '
	!s && /^ *KTAP version 1$/ { s = 1 }
	s { buf[n++] = $0; if ($0 ~ /^(not )?ok [0-9]+ /) last = n }
	END { for (i = 0; i < last; i++) print buf[i]; exit last == 0 }' ||
	{ echo "collect: no KUnit results in the kernel log" >&2; exit 1; }
