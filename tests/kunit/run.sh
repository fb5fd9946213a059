#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit/run.sh [VM-RUN-OPTIONS...]
#
# Runs semnet's KUnit suites: builds semnet_kunit.ko against the debug
# kernel (tests/kunit/build-kernel.sh) in build/kunit/src, loads it in that
# kernel under tests/vm/run (kmemleak scan included), parses the KTAP with
# the tree's kunit.py and prints one TAP line per test case. Fails on any
# failed case, on a crash, and on anything tests/vm/run fails for
# (warnings, KASAN, lockdep, leaks). Logs: build/kunit/.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
out=$TOP/build/kunit
mkdir -p "$out"
# One run at a time per checkout: they share build/kunit.
exec 8>"$TOP/build/kunit.lock"
flock -n 8 || { echo "# kunit: waiting for another run in this checkout" >&2; flock 8; }
rm -f "$out"/ktap* "$out"/results.json "$out"/parse.log

fail() {	# fail WHAT LOG: one failed assertion, the log's tail as diagnostics
	echo "not ok 1 - kunit: $1"
	[ -f "${2-}" ] && tail -n 20 "$2" | sed 's/^/#   /'
	echo "1..1"
	exit 1
}

tree=$("$TOP/tests/kunit/build-kernel.sh" 2>"$out/kernel.log") ||
	fail "building the debug kernel" "$out/kernel.log"
"$TOP/tests/kunit/build-module.sh" "$tree" "$out/src" SEMNET_KUNIT=1 >"$out/build.log" 2>&1 ||
	fail "building semnet_kunit.ko" "$out/build.log"

# kunit.enable=1: allnoconfig leaves KUNIT_DEFAULT_ENABLED off, and without
# it KUnit skips the suites of loaded modules. collect.sh loads the module
# itself, so that a hanging suite still yields the log.
"$TOP/tests/vm/run" --kernel debug --append kunit.enable=1 --no-module "$@" \
	"$TOP/tests/kunit/collect.sh" "$out/src/semnet_kunit.ko" >"$out/ktap.raw" 2>"$out/vm.log"
vm_status=$?

# The kernel log from the VM; after a crash or a timeout, the console of the
# failed run instead.
if ! grep -q '^    # Subtest:' "$out/ktap.raw"; then
	failed_dir=$(sed -n 's/^vm: .*logs in //p' "$out/vm.log" | tail -n 1)
	[ -f "$failed_dir/console.log" ] &&
		tr -d '\r' <"$failed_dir/console.log" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' >"$out/ktap.raw"
fi
# Module-run suites print no top-level header: add one for the parser, with
# the number of suites that started, in front of the first suite's header
# (the built-in executor's empty "KTAP version 1 / 1..0" at boot precedes it).
{
	echo "KTAP version 1"
	echo "1..$(grep -c '^    # Subtest:' "$out/ktap.raw")"
	awk '!s && /^    KTAP version 1$/ { s = 1 } s' "$out/ktap.raw"
} >"$out/ktap"
python3 "$tree/tools/testing/kunit/kunit.py" parse --json="$out/results.json" "$out/ktap" \
	>"$out/parse.log" 2>&1
parse_status=$?
sed 's/^/# /' "$out/parse.log"

n=0 failed=0
if [ -s "$out/results.json" ]; then
	while IFS=$'\t' read -r status name; do
		n=$((n + 1))
		case $status in
		PASS) echo "ok $n - kunit: $name" ;;
		SKIP) echo "ok $n - kunit: $name # SKIP" ;;
		*) echo "not ok $n - kunit: ${name:-(a suite that did not finish)} ($status)"
			# The case's own log (failed expectations) precedes its result.
			awk -v name="${name#*.}" '
				/^ +(not )?ok [0-9]+ / {
					if ($0 ~ "^ +not ok [0-9]+ " name "$") { printf "%s", buf; exit }
					buf = ""; next
				}
				/KTAP version|^ *1\.\.[0-9]+$|# Subtest:/ { next }
				{ sub(/^ *(# )?/, "#   "); buf = buf $0 "\n" }' "$out/ktap" | head -n 12
			failed=$((failed + 1)) ;;
		esac
	done < <(jq -r 'def cases(p): (.test_cases[] | [.status, p + .name]),
			(.sub_groups[] as $g | $g | cases(p + $g.name + "."));
		cases("") | @tsv' "$out/results.json")
fi
report() {	# report WHAT LOG: an extra failed assertion
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - kunit: $1"
	[ -f "$2" ] && grep -v '^vm:   ' "$2" | tail -n 20 | sed 's/^/#   /'
}
[ "$n" -gt 0 ] || report "no test results" "$out/parse.log"
[ "$vm_status" = 0 ] || report "the debug VM run failed (exit $vm_status)" "$out/vm.log"
[ "$parse_status" = 0 ] || [ "$failed" -gt 0 ] || report "kunit.py parse failed" "$out/parse.log"
echo "1..$n"
[ "$failed" = 0 ]
