# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Stage 2 of the test VM, sourced as PID 1 by the job file tests/vm/run
# writes (host's bash, host's root under an overlay). The job file sets:
#   SEMNET_TOP SEMNET_OUT SEMNET_MODULE SEMNET_KERNEL SEMNET_KMEMLEAK  cmd=(...)
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
if [ -n "$SEMNET_MODULE" ]; then
	modname=$(modinfo -F name "$SEMNET_MODULE")
	for dep in $(modinfo -F depends "$SEMNET_MODULE" | tr , ' '); do
		modprobe "$dep" || { note "modprobe $dep (needed by $modname) failed"; finish 125; }
	done
	insmod "$SEMNET_MODULE" || { note "insmod $SEMNET_MODULE failed"; finish 125; }
fi

cd "$SEMNET_TOP" || finish 125
if [ -x "${cmd[0]}" ]; then
	"${cmd[@]}" </dev/null >"$SEMNET_OUT/stdout" 2>"$SEMNET_OUT/stderr"
else
	/bin/bash "${cmd[@]}" </dev/null >"$SEMNET_OUT/stdout" 2>"$SEMNET_OUT/stderr"
fi
status=$?

# Unloading after every scenario exercises the module's teardown with
# whatever state the scenario left behind.
if [ -n "$modname" ] && [ -d "/sys/module/$modname" ]; then
	if ! rmmod "$modname" 2>>"$SEMNET_OUT/harness"; then
		note "rmmod $modname failed"
		[ "$status" = 0 ] && status=1
	fi
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
