#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-all.sh [--debug] [--only SUITE]
#
# What `make check` runs: builds everything, then runs the suites in order,
# continuing after failures:
#   unit         the Check unit tests, built with ASan/UBSan (build/asan)
#   integration  tests/integration/*.sh on the host
#   kunit        tests/kunit/run.sh (semnet_kunit.ko in the debug kernel)
#   e2e          tests/e2e/*.sh in the VM (tests/vm/run)
#   adversarial  tests/adversarial/*.sh: attacks on the module, in the VM
#                on the debug kernel (KASAN, lockdep, panic_on_warn), a
#                kmemleak scan after each VM's share
# (only the executable *.sh files: the others are libraries they source)
# Everything is built first. The unit, integration and kunit suites then
# run one after another on the host, beside the VM suites: the e2e and
# adversarial scripts run together in SEMNET_E2E_JOBS (2)
# lanes, balanced on their "# vm-cost:" lines; each lane runs its share of
# a suite in one VM, the module reloaded between scripts (vm_lanes below).
# --debug (make check-debug) runs KUnit with kmemleak and the e2e scenarios
# on the debug kernel.
# Tiers: a VM script with a "# check-tier: ci" line (a second variant of
# a scenario the quick tier runs: the other family's twin of a hostile
# case, routed or firewalled nodes, an IPv6 underlay under semnetd, the
# Debian kernel's churn rate) runs only with SEMNET_CHECK_ALL=1, which
# .ci/run sets: every script runs in CI, and a developer's `make check`
# stays under 25 minutes warm on 2 cores (README, "Tests").
# Counts the TAP lines ("ok", "not ok") of every suite; a script that fails
# without a "not ok" line, or a suite that cannot be built, counts as one
# failure. Ends with one line "N passed, N failed"; exits non-zero on any
# failure. Logs: build/results/.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
debug=0 only=''
while [ $# -gt 0 ]; do
	case $1 in
	--debug) debug=1 ;;
	--only) only=${2:?--only needs a suite}; shift ;;
	*) echo "usage: $0 [--debug] [--only unit|integration|kunit|e2e|adversarial]" >&2; exit 2 ;;
	esac
	shift
done
case $only in ''|unit|integration|kunit|e2e|adversarial) ;; *) echo "run-all: no suite $only" >&2; exit 2 ;; esac

res=$TOP/build/results
mkdir -p "$TOP/build"
# One run at a time per checkout: they share build/results and build dirs.
exec 7>"$TOP/build/results.lock"
flock -n 7 || { echo "run-all: waiting for another run in this checkout"; flock 7; }
rm -rf "$res"
mkdir -p "$res"
export SEMNET_TOP=$TOP
export PATH=$TOP/build/user/bin:$PATH
passed=0 failed=0

wanted() {	# wanted SUITE: is SUITE to run?
	[ -z "$only" ] || [ "$only" = "$1" ] || return 1
	[ "$debug" = 0 ] || [ "$1" = kunit ] || [ "$1" = e2e ] || [ "$1" = adversarial ]
}

# record NAME STATUS LOG [SECONDS]: count LOG's TAP lines, one failure
# more when STATUS is non-zero without any "not ok"; print a progress line
# (with the time it took), and the failures' lines when there are any.
record() {
	local name=$1 status=$2 log=$3 secs=${4:-} p f
	p=$(grep -cE '^ok( |$)' "$log")
	f=$(grep -cE '^not ok( |$)' "$log")
	if [ "$status" = 4 ] && [ "$f" = 0 ]; then
		# KSFT_SKIP (tap_skip_all in tests/lib/tap.sh): a tool is missing
		printf '%-44s skipped: %s\n' "$name" \
			"$(sed -n 's/^\(1\.\.0 \)\{0,1\}# SKIP //p' "$log" | head -n 1)"
		return 0
	fi
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-44s %3d passed, %d failed%s\n' "$name" "$p" "$f" "${secs:+ (${secs}s)}"
	if [ "$f" != 0 ]; then
		grep -E -A 6 '^not ok( |$)' "$log" | grep -E '^(not ok|#)' | head -n 30 | sed 's/^/    /'
		if [ "$status" != 0 ] && ! grep -qE '^not ok( |$)' "$log"; then
			# No failed assertion: say why it failed (the VM runner's words).
			{ grep '^vm: ' "$log" || tail -n 5 "$log"; } | tail -n 8 | sed 's/^/    /'
		fi
		[ "$status" != 0 ] && echo "    exit status $status; log: ${log#"$TOP"/}"
	fi
	return 0
}

# build NAME LOG CMD...: run a build step; on failure count it and show why.
build() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		return 0
	fi
	echo "not ok - $name: $*" >>"$log"
	record "$name" 1 "$log"
	grep -E -i 'error|undefined' "$log" | head -n 10 | sed 's/^/    /'
	return 1
}

echo "== build"
module_ok=0 user_ok=0
if [ "$debug" = 0 ] && wanted e2e; then
	build "build: semnet.ko" "$res/build-module.log" make -s module && module_ok=1
else
	module_ok=1
fi
build "build: userspace" "$res/build-user.log" make -s user && user_ok=1

kernel_note() {	# says so when the debug kernel is about to be built
	tests/kunit/build-kernel.sh --dir >/dev/null 2>&1 ||
		echo "(building the debug kernel first: minutes; cached in ${SEMNET_CACHE:-/var/cache/semnet-dev})"
}

unit_ok=0
if wanted unit; then
	mkdir -p "$res/unit"
	build "unit: build (ASan/UBSan)" "$res/unit/build.log" \
		make -s -C daemon SANITIZE=1 BUILD="$TOP/build/asan" tests && unit_ok=1
fi

# run_unit: the Check unit tests, built above.
run_unit() {
	local t n t0 status
	echo "== unit"
	for t in $(make -s --no-print-directory -C daemon BUILD="$TOP/build/asan" print-tests); do
		n=$(basename "$t")
		t0=$SECONDS
		CK_TAP_LOG_FILE_NAME=$res/unit/$n.tap timeout 300 "$t" >"$res/unit/$n.log" 2>&1
		status=$?
		cat "$res/unit/$n.log" >>"$res/unit/$n.tap" 2>/dev/null
		record "unit: $n" "$status" "$res/unit/$n.tap" $((SECONDS - t0))
	done
}

# run_integration: tests/integration/*.sh on the host.
run_integration() {
	local t n t0
	echo "== integration"
	mkdir -p "$res/integration"
	for t in tests/integration/*.sh; do
		[ -x "$t" ] || continue
		n=$(basename "$t" .sh)
		if [ "$user_ok" = 1 ]; then
			t0=$SECONDS
			timeout 600 "$t" </dev/null >"$res/integration/$n.log" 2>&1
			record "integration: $n" "$?" "$res/integration/$n.log" $((SECONDS - t0))
		else
			echo "not ok - the userspace build failed" >"$res/integration/$n.log"
			record "integration: $n" 1 "$res/integration/$n.log"
		fi
	done
}

# run_kunit: KUnit's suites in the debug kernel (tests/kunit/run.sh).
run_kunit() {
	local t0=$SECONDS leak=--no-kmemleak status
	echo "== kunit"
	kernel_note
	# The kmemleak scans cost a minute under TCG: make check-debug only.
	[ "$debug" = 1 ] && leak=--kmemleak
	tests/kunit/run.sh "$leak" >"$res/kunit.log" 2>&1
	status=$?
	record "kunit" "$status" "$res/kunit.log" $((SECONDS - t0))
}

# The VM suites share SEMNET_E2E_JOBS lanes (default 2, one per core;
# e2e VMs get one CPU). vm_group SUITE VM-ARGS... adds the executable
# tests/SUITE/*.sh, to run in VMs started with VM-ARGS; vm_lanes then
# deals all of them out, longest first, to the lane with the least work
# (each script's "# vm-cost: S [S-FULL]" line: about its seconds in the
# VM, S-FULL with SEMNET_FULL=1), and runs each lane's share of a group in
# one VM (tests/vm/run --series: one boot and one kmemleak scan serve
# them), the lane's groups one after another. A script with a
# "# vm-smp: N" line runs in a VM of N CPUs (its suite's scripts are then
# split into one group per CPU count): beside the other lane's VM, a
# two-CPU TCG guest loses time to a vCPU spinning on a lock its
# descheduled sibling holds (tunnel.sh on the debug kernel: 404 s with
# one CPU, 503 s with two), so only the scripts that race CPUs against
# each other ask for two. A script with a "# vm-clock: icount" line runs
# in a VM of its own kind too (tests/vm/run --icount: one CPU, guest time
# counted in instructions), where a rate it asserts does not depend on
# what else the host runs. Each script is recorded when its VM stops, and
# each VM's kmemleak scan.
# vm_group SUITE --whole ...: each group of SUITE goes to one lane whole,
# its cost the sum of its scripts': for the debug kernel, whose boot and
# kmemleak scan take a minute of a loaded machine, two VMs instead of one
# per lane and group.
vm_groups=()
declare -A vm_args=() vm_whole=()
vm_group() {	# vm_group SUITE [--whole] VM-ARGS...
	local suite=$1
	shift
	vm_groups+=("$suite")
	vm_whole[$suite]=0
	if [ "${1:-}" = --whole ]; then
		vm_whole[$suite]=1
		shift
	fi
	vm_args[$suite]=''
	[ $# = 0 ] || vm_args[$suite]=$(printf '%q ' "$@")
}

vm_lanes() {
	local jobs=${SEMNET_E2E_JOBS:-2} suite t n i g best cost pid st secs out quick full
	local smp clock group vm_arg
	local -a lane_cost=() queue=()
	local -A share=() running=() smps=()
	for ((i = 0; i < jobs; i++)); do lane_cost[i]=0; done
	# A group: "SUITE@N@CLOCK", the scripts of SUITE with "# vm-smp: N" and
	# "# vm-clock: CLOCK" (N and CLOCK empty without them). Each line
	# dealt: COST GROUP SCRIPT..., one script or a whole group.
	while read -r cost group t; do
		best=0
		for ((i = 1; i < jobs; i++)); do
			[ "${lane_cost[i]}" -lt "${lane_cost[best]}" ] && best=$i
		done
		lane_cost[best]=$((lane_cost[best] + cost))
		share[$best,$group]+=" $t"
		smps[${group%%@*}]+=" $group"
	done < <(for suite in "${vm_groups[@]}"; do
			mkdir -p "$res/$suite"
			declare -A whole_cost=() whole_list=()
			for t in tests/"$suite"/*.sh; do
				[ -x "$t" ] || continue
				# "# check-tier: ci": with SEMNET_CHECK_ALL=1 only
				if [ "${SEMNET_CHECK_ALL:-0}" != 1 ] &&
				   grep -q '^# check-tier: *ci' "$t"; then
					echo "$t" >>"$res/ci-tier.list"
					continue
				fi
				# "# vm-cost: QUICK [FULL]": FULL with SEMNET_FULL=1
				read -r quick full < <(sed -n 's/^# vm-cost: *//p' "$t" | head -n 1)
				[ "${SEMNET_FULL:-0}" = 1 ] && quick=${full:-$quick}
				smp=$(sed -n 's/^# vm-smp: *\([0-9]*\).*/\1/p' "$t" | head -n 1)
				clock=$(sed -n 's/^# vm-clock: *//p' "$t" | head -n 1)
				case $clock@${smp:-1} in
				@*|icount@1) ;;
				*)	# a lane's VM would refuse it at boot, failing its share
					echo "not ok - '# vm-clock: $clock' with '# vm-smp: ${smp:-}':" \
						"only icount, on one CPU" >"$res/$suite/$(basename "$t" .sh).log"
					echo "$suite $t" >>"$res/vm-header.bad"
					continue ;;
				esac
				group=$suite@$smp@$clock
				if [ "${vm_whole[$suite]}" = 1 ]; then
					whole_cost[$group]=$((${whole_cost[$group]:-0} + ${quick:-300}))
					whole_list[$group]+=" $t"
				else
					echo "${quick:-300} $group $t"
				fi
			done
			for group in "${!whole_cost[@]}"; do
				echo "${whole_cost[$group]} $group${whole_list[$group]}"
			done
			unset whole_cost whole_list
		done | sort -rn)
	# Scripts whose headers no VM can honour fail without running.
	while read -r suite t; do
		record "$suite: $(basename "$t" .sh)" 1 "$res/$suite/$(basename "$t" .sh).log"
	done < <(cat "$res/vm-header.bad" 2>/dev/null)
	# A lane's queue: group words, in the order the suites were added.
	for ((i = 0; i < jobs; i++)); do
		queue[i]=''
		for suite in "${vm_groups[@]}"; do
			for group in $(tr ' ' '\n' <<<"${smps[$suite]:-}" | sort -u); do
				[ -n "${share[$i,$group]:-}" ] && queue[i]+=" $group"
			done
		done
	done
	start_next() {	# start_next LANE: its next group's VM, if any
		local lane=$1 words
		read -r -a words <<<"${queue[lane]}"
		[ ${#words[@]} -gt 0 ] || return 0
		group=${words[0]}
		queue[lane]=${words[*]:1}
		IFS=@ read -r suite smp clock <<<"$group"
		vm_arg=${smp:+--smp $smp}${clock:+ --$clock}
		out=$res/$suite/vm$lane${smp:+-smp$smp}${clock:+-$clock}
		# shellcheck disable=SC2086 # the share is a list of words
		eval "tests/vm/run ${vm_args[$suite]} $vm_arg --series \"\$out\" ${share[$lane,$group]}" \
			>"$out.log" 2>&1 &
		running[$!]=$lane,$group,$out
	}
	for ((i = 0; i < jobs; i++)); do start_next "$i"; done
	while [ "${#running[@]}" -gt 0 ]; do
		wait -n -p pid "${!running[@]}"
		g=${running[$pid]}
		unset "running[$pid]"
		i=${g%%,*} out=${g##*,}
		g=${g%,*}
		group=${g#*,} suite=${group%%@*}
		for t in ${share[$g]}; do
			n=$(basename "$t" .sh)
			if [ -f "$out/$n.status" ]; then
				st=$(cat "$out/$n.status")
				cp "$out/$n.log" "$res/$suite/$n.log"
			else	# the harness failed before it ran any
				st=125
				grep '^vm: ' "$out.log" >"$res/$suite/$n.log"
			fi
			secs=$(sed -n "s/^vm: $n: took \([0-9]*\)s\$/\1/p" "$res/$suite/$n.log" | tail -n 1)
			record "$suite: $n" "$st" "$res/$suite/$n.log" "$secs"
		done
		if [ -f "$out/kmemleak.log" ]; then
			record "$suite: kmemleak scan of ${out##*/}" 0 "$out/kmemleak.log"
		fi
		start_next "$i"
	done
}

# vm_failed SUITE: every script of SUITE fails (a build it needs failed).
vm_failed() {
	local t n
	mkdir -p "$res/$1"
	for t in tests/"$1"/*.sh; do
		[ -x "$t" ] || continue
		n=$(basename "$t" .sh)
		echo "not ok - the module or userspace build failed" >"$res/$1/$n.log"
		record "$1: $n" 1 "$res/$1/$n.log"
	done
}

# debug_module SUITE: semnet.ko for the debug kernel (build/debug/src);
# clears module_ok when either cannot be built.
debug_module() {
	local tree
	mkdir -p "$res/$1"
	kernel_note
	if tree=$(tests/kunit/build-kernel.sh 2>"$res/$1/kernel.log"); then
		build "$1: semnet.ko for the debug kernel" "$res/$1/build-module.log" \
			tests/kunit/build-module.sh "$tree" "$TOP/build/debug/src" || module_ok=0
	else
		echo "not ok - building the debug kernel" >>"$res/$1/kernel.log"
		record "$1: the debug kernel" 1 "$res/$1/kernel.log"
		module_ok=0
	fi
}

if wanted e2e; then
	if [ "$debug" = 1 ]; then
		echo "== e2e (debug kernel)"
		debug_module e2e
		args=(--kernel debug --module "$TOP/build/debug/src/semnet.ko")
	else
		echo "== e2e"
		# One CPU: beside another VM, a two-CPU TCG guest spends much of
		# its time with one CPU spinning on a lock the other holds while
		# descheduled (netlink.sh: 122 s with two CPUs, 54 s with one).
		# The races are the adversarial suite's job, on two CPUs.
		# 2 GiB: flow_memory.sh holds a million flows.
		args=(--smp 1 --mem 2G)
	fi
	if [ "$module_ok" = 1 ] && [ "$user_ok" = 1 ]; then
		vm_group e2e "${args[@]}"
	else
		vm_failed e2e
	fi
fi

# The attacks on the module: always on the debug kernel (KASAN, lockdep,
# panic_on_warn), with a kmemleak scan after each VM's share.
if wanted adversarial; then
	echo "== adversarial (debug kernel)"
	module_ok=1
	debug_module adversarial
	if [ "$module_ok" = 1 ] && [ "$user_ok" = 1 ]; then
		vm_group adversarial --whole --kernel debug --kmemleak \
			--module "$TOP/build/debug/src/semnet.ko"
	else
		vm_failed adversarial
	fi
fi

# Both suites at once, in lanes (their results come as each VM stops).
# The host suites and KUnit run one after another, beside the VM lanes
# (started once every build is done, the debug kernel's included): they
# wait on sockets, timeouts and a VM more than they compute, and the
# lanes' VMs take the CPU they leave (before, the host suites took 8 to 9
# minutes before the first lane VM started). The chain counts in a
# subshell and hands its totals over in a file.
host_pid=''
if wanted unit || wanted integration || wanted kunit; then
	# shellcheck disable=SC2030,SC2031 # the chain's own counters, handed over below
	(
		passed=0 failed=0
		if wanted unit; then
			[ "$unit_ok" = 1 ] && run_unit
		fi
		wanted integration && run_integration
		wanted kunit && run_kunit
		echo "$passed $failed" >"$res/host.counts"
	) &
	host_pid=$!
fi
[ ${#vm_groups[@]} = 0 ] || vm_lanes

if [ -n "$host_pid" ]; then
	wait "$host_pid"
	if read -r p f <"$res/host.counts" 2>/dev/null; then
		# shellcheck disable=SC2031 # the main shell's counters
		passed=$((passed + p)) failed=$((failed + f))
	else
		echo "not ok - the host suites ended without their counts"
		failed=$((failed + 1))
	fi
fi

if [ -s "$res/ci-tier.list" ]; then
	n=$(wc -l <"$res/ci-tier.list")
	echo "$passed passed, $failed failed; $n scripts of the CI tier not run" \
		"(SEMNET_CHECK_ALL=1 runs them, as CI does):"
	sed 's|^tests/||; s|\.sh$||' "$res/ci-tier.list" | paste -sd' ' | fold -s -w 76 | sed 's/^/    /'
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
