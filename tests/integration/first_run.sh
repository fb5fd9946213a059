#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A newcomer's first run: on a machine without kernel headers, `make demo`
# and `make check` install them (make deps) and go on in the same
# invocation. Each case runs in a scratch copy of the repository, inside a
# private mount namespace that looks like a fresh machine:
#
#   unshare -m
#   +- /usr/src, /lib/modules        tmpfs: no linux-headers-*, no */build
#   +- the pkg-config directories    tmpfs: no .pc files (daemon/Makefile)
#   +- $work/repo                    the checkout's files, its Makefile under
#      |                             test, with three stand-ins:
#      +- tests/deps.sh     "installs the packages": unmounts the tmpfs
#      +- tests/vm/run      does what the real one does before booting
#      |                    (make print-kdir, a kernel tree there), records
#      |                    the tree, exits 0 instead of booting a VM
#      +- tests/run-all.sh  its build step only: make -s module, make -s
#                           user, then the VM runner as the e2e suite
#
# `make demo` runs the real tests/demo.sh (real builds of semnet.ko against
# the headers that "arrived", and of the programs); `make check` the
# stand-in above. The stand-ins log to $FIRST_RUN_LOG, so a case can check
# that deps ran before the build and which kernel tree the build used.
# Cases: the rule's tree and an explicit KDIR (command line, environment)
# with the headers visible; the namespace really hides them; make demo;
# make check; make deps all (one make process); make demo KDIR=... (the
# explicit tree reaches demo's scripts).
# Knob: FIRST_RUN_MAKEFILE=FILE tests FILE instead of the checkout's
# Makefile (`git show 26ad111:Makefile`, from before the fix, fails).
# shellcheck disable=SC2317 # the cases are called from the run list at the end
set -u

# --- inside the namespace: hide, then run CMD (deps unhides) -----------
if [ "${1:-}" = --fresh ]; then
	shift
	for d in $FIRST_RUN_HIDDEN; do
		mount -t tmpfs -o size=1m,mode=0755 first-run "$d" || exit 125
	done
	exec "$@"
fi

SELF=$(realpath "$0")
[ -n "${FIRST_RUN_MAKEFILE:-}" ] && FIRST_RUN_MAKEFILE=$(realpath "$FIRST_RUN_MAKEFILE")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

# The stand-ins' words, kept in one place (written into the scratch copy).
deps_standin() {
	cat <<-'EOF'
	#!/bin/sh
	# first_run.sh's stand-in for `make deps`: the packages arrive.
	echo "deps: $(ls /usr/src | wc -l) entries in /usr/src" >>"$FIRST_RUN_LOG"
	for d in $FIRST_RUN_HIDDEN; do umount "$d" || exit 1; done
	EOF
}
vm_standin() {
	cat <<-'EOF'
	#!/bin/sh
	# first_run.sh's stand-in for tests/vm/run: its first step, no VM.
	top=$(cd "$(dirname "$0")/../.." && pwd)
	kdir=$(make -s --no-print-directory -C "$top" print-kdir) || exit 1
	echo "vm: kdir=$kdir" >>"$FIRST_RUN_LOG"
	[ -d "$kdir" ]
	EOF
}
runall_standin() {
	cat <<-'EOF'
	#!/bin/sh
	# first_run.sh's stand-in for tests/run-all.sh: its build step.
	cd "$(dirname "$0")/.." || exit 1
	make -s module || exit 1
	make -s user || exit 1
	echo "check: built" >>"$FIRST_RUN_LOG"
	exec tests/vm/run
	EOF
}

# The tree the Makefile picks when the headers are there (its rule).
expected_kdir() {
	local b
	b=/lib/modules/$(uname -r)/build
	if [ -e "$b" ]; then
		echo "$b"
	else
		find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' 2>/dev/null | LC_ALL=C sort | tail -n 1
	fi
}

KDIR_WANT=$(expected_kdir)
work=$(mktemp -d /var/tmp/semnet-first-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
export FIRST_RUN_LOG=$work/log
# What a fresh machine lacks: kernel build trees, pkg-config files.
hidden="/usr/src /lib/modules"
for d in $(pkg-config --variable pc_path pkg-config 2>/dev/null | tr : ' '); do
	[ -d "$d" ] && hidden+=" $d"
done
export FIRST_RUN_HIDDEN=$hidden
# The build under test resolves everything itself: nothing from the
# caller's make (make check KDIR=..., its jobserver).
unset KDIR MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
if [ "$(id -u)" = 0 ]; then ns=(unshare -m --propagation private); else ns=(unshare -rm --propagation private); fi

# fresh CMD...: CMD in a new namespace that hides $hidden, from $repo;
# output in $work/out, the stand-ins' log in $FIRST_RUN_LOG (both reset).
fresh() {
	: >"$FIRST_RUN_LOG"
	(cd "$repo" && timeout 300 "${ns[@]}" "$SELF" --fresh "$@") >"$work/out" 2>&1
}

# why: the last lines of the output and the log, for a failure's detail.
why() {
	tail -n 4 "$work/out"
	sed 's/^/log: /' "$FIRST_RUN_LOG"
}

source_files() {	# the checkout's files (tracked and new), no build output
	local f
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done
	else	# an unpacked tarball
		find . \( -path ./build -o -path ./.git \) -prune -o \( -type f -o -type l \) -print0
	fi
}

setup_repo() {
	mkdir -p "$repo"
	source_files | tar --null -T - -cf - | tar -xf - -C "$repo" || return 1
	[ -n "${FIRST_RUN_MAKEFILE:-}" ] && { cp "$FIRST_RUN_MAKEFILE" "$repo/Makefile" || return 1; }
	deps_standin >"$repo/tests/deps.sh"
	vm_standin >"$repo/tests/vm/run"
	runall_standin >"$repo/tests/run-all.sh"
	chmod +x "$repo/tests/deps.sh" "$repo/tests/vm/run" "$repo/tests/run-all.sh"
}

case_machine() {	# this machine has the headers; the Makefile finds them
	tap_note "kernel tree: $KDIR_WANT; hidden: $hidden"
	tap_eq "make print-kdir, headers visible: the tree the Makefile's rule names" \
		"$(make -s --no-print-directory -C "$repo" print-kdir)" "$KDIR_WANT"
	tap_eq "an explicit KDIR=... on the command line wins" \
		"$(make -s --no-print-directory -C "$repo" print-kdir KDIR=/nonexistent/cmd)" /nonexistent/cmd
	tap_eq "an explicit KDIR in the environment wins" \
		"$(KDIR=/nonexistent/env make -s --no-print-directory -C "$repo" print-kdir)" /nonexistent/env
}

case_fresh_machine() {	# the namespace reproduces a machine without headers
	local out
	# shellcheck disable=SC2016 # expanded by that shell, in the namespace
	out=$(cd "$repo" && "${ns[@]}" "$SELF" --fresh sh -c '
		echo "kdir=[$(make -s --no-print-directory print-kdir)]"
		make -s module 2>&1 | grep -c "No kernel build tree"
		pkg-config --exists jansson || echo "no jansson.pc"' 2>&1 | tr '\n' ' ')
	tap_eq "hidden headers: no KDIR, make module says why, no .pc files" \
		"$out" "kdir=[] 1 no jansson.pc "
}

case_demo() {	# make demo: deps, then demo.sh's build and the VM runner's first step
	local t0=$SECONDS ko=$repo/semnet.ko
	fresh make demo
	local status=$? secs=$((SECONDS - t0))
	tap_note "make demo (first run): ${secs}s, exit $status"
	tap_eq "make demo on a fresh machine exits 0 (deps, then the demo)" "$status" 0
	[ "$status" = 0 ] || tap_note "$(why | tr '\n' '|')"
	tap_eq "make demo: deps ran first, then the VM runner with the tree deps installed" \
		"$(cut -d' ' -f1 "$FIRST_RUN_LOG" | tr '\n' ' ')" "deps: vm: "
	tap_eq "make demo: the VM runner resolved KDIR after deps" \
		"$(sed -n 's/^vm: kdir=//p' "$FIRST_RUN_LOG")" "$KDIR_WANT"
	tap_match "make demo: the hidden /usr/src was empty when deps ran" \
		"$(sed -n 's/^deps: //p' "$FIRST_RUN_LOG")" '^0 entries'
	if [ -f "$ko" ]; then
		tap_note "semnet.ko: $(stat -c %s "$ko") bytes, vermagic $(modinfo -F vermagic "$ko" 2>/dev/null)"
		tap_eq "make demo: semnet.ko built against the tree deps installed" \
			"$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" \
			"$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR_WANT/include/generated/utsrelease.h")"
	else
		tap_fail "make demo: semnet.ko built against the tree deps installed" "no $ko"
	fi
	tap_run "make demo: the programs built (pkg-config found the libraries after deps)" \
		test -x "$repo/build/user/bin/semnet"
}

case_check() {	# make check: deps, then run-all's build step and the VM runner
	local t0=$SECONDS
	fresh make check
	local status=$?
	tap_note "make check (first run, objects from make demo): $((SECONDS - t0))s, exit $status"
	[ "$status" = 0 ] || tap_note "$(why | tr '\n' '|')"
	tap_eq "make check on a fresh machine exits 0" "$status" 0
	tap_eq "make check: deps, the build, then the VM runner with the tree deps installed" \
		"$(tr '\n' ' ' <"$FIRST_RUN_LOG" | sed 's/deps: [0-9]* entries in \/usr\/src/deps:/')" \
		"deps: check: built vm: kdir=$KDIR_WANT "
}

case_deps_then_all() {	# one make process: deps, then the module recipe
	local t0=$SECONDS
	fresh make deps all
	local status=$?
	tap_note "make deps all: $((SECONDS - t0))s, exit $status"
	[ "$status" = 0 ] || tap_note "$(why | tr '\n' '|')"
	tap_eq "make deps all: the same make process finds the headers deps installed" "$status" 0
}

case_explicit_kdir() {	# a KDIR on make demo's command line reaches its scripts
	fresh make demo KDIR="$KDIR_WANT/."
	local status=$?
	[ "$status" = 0 ] || tap_note "$(why | tr '\n' '|')"
	tap_eq "make demo KDIR=...: exits 0, the VM runner got that KDIR" \
		"$status $(sed -n 's/^vm: kdir=//p' "$FIRST_RUN_LOG")" "0 $KDIR_WANT/."
}

if [ -z "$KDIR_WANT" ] || [ ! -d "$KDIR_WANT" ]; then
	tap_fail "a kernel build tree on this machine (make deps installs linux-headers-amd64)"
	tap_done
fi
if ! setup_repo; then
	tap_fail "a scratch copy of the repository in $repo"
	tap_done
fi
tap_note "scratch copy: $repo${FIRST_RUN_MAKEFILE:+, Makefile from $FIRST_RUN_MAKEFILE}"
t0=$SECONDS
for c in case_machine case_fresh_machine case_demo case_check case_deps_then_all case_explicit_kdir; do
	"$c"
done
tap_note "total ${SECONDS}s, cases $((SECONDS - t0))s"
tap_done
