# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Stage 2 of the test VM, sourced as PID 1 by the job file tests/vm/run
# writes (host's bash, host's root under an overlay). The job file sets:
#   SEMNET_TOP SEMNET_OUT SEMNET_MODULE SEMNET_KERNEL SEMNET_KMEMLEAK  cmd=(...)
#   series=(...) series_timeouts=(...)  (tests/vm/run --series: run these
#   in turn instead of cmd, each into $SEMNET_OUT/NAME)
# shellcheck disable=SC2154 # those come from the job file
# Loads the module, runs the scenario with stdout/stderr into SEMNET_OUT
# (the host streams them), unloads the module, scans kmemleak when asked,
# saves dmesg and the exit status, and powers off.

export PATH=$SEMNET_TOP/build/user/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb SEMNET_IN_VM=1
export SEMNET_TOP SEMNET_OUT SEMNET_MODULE SEMNET_KERNEL

note() { echo "vm: $*" >/dev/console; echo "vm: $*" >>"$SEMNET_OUT/harness"; }

# The kernel booted: the host's boot watchdog stands down (tests/vm/run).
: >"$SEMNET_OUT/booted"

finish() {	# finish STATUS: save the logs and leave
	dmesg >"$SEMNET_OUT/dmesg"
	echo "$1" >"$SEMNET_OUT/status"
	sync
	echo b >/proc/sysrq-trigger
	sleep 10
}

hostname semnet-vm
ip link set lo up

modname=
[ -z "$SEMNET_MODULE" ] || modname=$(modinfo -F name "$SEMNET_MODULE")

load_module() {
	local dep
	[ -n "$modname" ] || return 0
	for dep in $(modinfo -F depends "$SEMNET_MODULE" | tr , ' '); do
		modprobe "$dep" || { note "modprobe $dep (needed by $modname) failed"; return 1; }
	done
	insmod "$SEMNET_MODULE" || { note "insmod $SEMNET_MODULE failed"; return 1; }
}

# Unloading after every scenario exercises the module's teardown with
# whatever state the scenario left behind.
unload_module() {
	[ -n "$modname" ] && [ -d "/sys/module/$modname" ] || return 0
	rmmod "$modname" 2>>"$SEMNET_OUT/harness" && return 0
	note "rmmod $modname failed"
	return 1
}

run_script() {	# run_script [WRAPPER...] SCRIPT ARGS...: output into $SEMNET_OUT
	"$@" </dev/null >"$SEMNET_OUT/stdout" 2>"$SEMNET_OUT/stderr"
}

interpreter() {	# interpreter SCRIPT: its #! line runs it, or bash
	[ -x "$1" ] || echo /bin/bash
}

# Between the scripts of a series: no process and no named namespace of
# the last one survives into the next (kernel threads have no exe).
reap_leftovers() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = 1 ] || [ "$p" = "$$" ] || [ ! -e "/proc/$p/exe" ] || kill -9 "$p" 2>/dev/null
	done
	ip -all netns delete 2>/dev/null
}

cd "$SEMNET_TOP" || finish 125
if [ ${#series[@]} = 0 ]; then
	load_module || finish 125
	# shellcheck disable=SC2046 # no interpreter: no word
	run_script $(interpreter "${cmd[0]}") "${cmd[@]}"
	status=$?
	unload_module || { [ "$status" = 0 ] && status=1; }
else
	# Each script writes into its own directory; its kernel log is the
	# ring buffer since the last one (dmesg -c).
	top_out=$SEMNET_OUT
	status=0
	dmesg -c >"$top_out/dmesg.boot"
	for i in "${!series[@]}"; do
		name=$(basename "${series[$i]}" .sh)
		export SEMNET_OUT=$top_out/$name
		mkdir -p "$SEMNET_OUT"
		: >"$SEMNET_OUT/harness"
		: >"$SEMNET_OUT/started"
		echo "vm: $name: started" >>"$top_out/stdout"
		t0=$(date +%s)
		if load_module; then
			# shellcheck disable=SC2046
			run_script timeout -k 10 "${series_timeouts[$i]}" \
				$(interpreter "${series[$i]}") "${series[$i]}"
			st=$?
			[ "$st" = 124 ] && note "$name: timed out after ${series_timeouts[$i]}s"
			unload_module || { [ "$st" = 0 ] && st=1; }
		else
			st=125
		fi
		reap_leftovers
		note "$name: took $(($(date +%s) - t0))s"
		dmesg -c >"$SEMNET_OUT/dmesg"
		echo "$st" >"$SEMNET_OUT/status"
		echo "vm: $name: exit $st" >>"$top_out/stdout"
		[ "$st" = 0 ] || status=$st
	done
	export SEMNET_OUT=$top_out
fi

# Kmemleak reports objects only once they are older than 5 s and were
# unreferenced in a scan: scan, wait, scan again.
if [ "${SEMNET_KMEMLEAK:-0}" = 1 ]; then
	if [ -w /sys/kernel/debug/kmemleak ]; then
		t0=$(date +%s)
		echo scan >/sys/kernel/debug/kmemleak
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		echo "vm: kmemleak scans took $(($(date +%s) - t0))s" >>"$SEMNET_OUT/harness"
		cat /sys/kernel/debug/kmemleak >"$SEMNET_OUT/kmemleak-all"
	else
		note "kmemleak is not available"
		[ "$status" = 0 ] && status=1
	fi
fi
finish "$status"
