#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS end to end: the README's install path on the Debian kernel the test
# VM boots. On the host, in a private mount namespace whose overlays on
# /usr/src, /var/lib/dkms and /lib/modules/RELEASE take every write:
# `make dkms-install KVER=RELEASE` (dkms add, build, install: compiled,
# signed with the DKMS key, depmod), checks of what DKMS left where; then
# the VM, booted from that namespace without a module, runs
# tests/e2e/dkms.sh (modprobe, the smoke scenario with the DKMS module,
# loading on demand, refusal under lockdown and sig_enforce and what
# `semnet` says then); back on the host, `make dkms-remove` and checks that
# nothing is left. Finally, outside the namespace: the host is unchanged.
# The build runs natively because under TCG one file of the module takes
# over 2 minutes to compile and depmod over 2 more (measured).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

kdir=$(make -s --no-print-directory print-kdir)
# As tests/vm/run finds the release of the kernel it boots.
rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
ver=$(sed -n 's/^#define SEMNET_VERSION "\(.*\)"/\1/p' kmod/version.h)
mods=$(realpath "/lib/modules/$rel" 2>/dev/null)
src=/usr/src/semnet-$ver
installed=/lib/modules/$rel/updates/dkms/semnet.ko

host_state() {	# what must be the same before and after
	sha256sum "$mods/modules.dep" "$mods/modules.alias" 2>&1
	ls -d "$src" /var/lib/dkms/semnet "$mods/updates" 2>&1
}

if [ "${1:-}" != --inner ]; then
	if ! command -v dkms >/dev/null || [ ! -d /var/lib/dkms ] || [ -z "$rel" ] || [ ! -d "$mods" ]; then
		tap_fail "needs dkms (make deps) and the kernel of KDIR=$kdir (release '$rel') installed"
		tap_done
	fi
	state=$(mktemp)
	before=$(host_state)
	SEMNET_DKMS_TAP=$state unshare --mount --propagation private -- "$0" --inner
	read -r TAP_N TAP_FAILED <"$state"
	rm -f "$state"
	tap_eq "the host is unchanged (no sources, DKMS tree, module or depmod output left)" \
		"$(host_state)" "$before"
	tap_done
fi

# --- inside the private mount namespace ------------------------------------
work=$(mktemp -d /var/tmp/semnet-dkms.XXXXXX)
finish() {
	echo "$TAP_N $TAP_FAILED" >"$SEMNET_DKMS_TAP"
	umount "$mods" /var/lib/dkms /usr/src 2>/dev/null
	rm -rf "$work"
}
trap finish EXIT
overlay() {	# overlay DIR NAME: DIR's writes go to $work/NAME
	mkdir -p "$work/$2.up" "$work/$2.wk"
	mount -t overlay overlay \
		-o "lowerdir=$1,upperdir=$work/$2.up,workdir=$work/$2.wk" "$1"
}
if ! overlay /usr/src src || ! overlay /var/lib/dkms dkms || ! overlay "$mods" modules; then
	tap_fail "cannot set up the overlays (root and overlayfs needed)"
	exit 1
fi

tap_fails "semnet is not installed for $rel before" modinfo -k "$rel" semnet
t0=$(date +%s)
out=$(make -s dkms-install KVER="$rel" 2>&1)
status=$?
tap_eq "make dkms-install KVER=$rel exits 0" "$status" 0
[ "$status" = 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
tap_note "make dkms-install took $(($(date +%s) - t0))s"
tap_match "dkms status: semnet/$ver installed for $rel" "$(dkms status semnet 2>&1)" \
	"^semnet/$ver, $rel, [^:]*: installed"
tap_run "the sources are in $src" test -f "$src/dkms.conf" -a -f "$src/Kbuild" -a -f "$src/kmod/main.c"
tap_match "$src/dkms.conf carries version $ver" "$(grep PACKAGE_VERSION= "$src/dkms.conf")" "=\"$ver\"$"
tap_run "the module is installed as $installed" test -f "$installed"
tap_eq "modinfo: version $ver" "$(modinfo -F version "$installed")" "$ver"
tap_eq "modinfo: built for $rel" "$(modinfo -F vermagic "$installed" | cut -d' ' -f1)" "$rel"
tap_eq "modinfo: signed with the DKMS key" "$(modinfo -F signer "$installed")" "DKMS module signing key"
tap_run "the signing certificate to enrol is /var/lib/dkms/mok.pub" test -s /var/lib/dkms/mok.pub
tap_match "depmod: modprobe semnet finds it" "$(modprobe -S "$rel" -n -v semnet 2>&1)" "insmod $installed"
tap_match "make dkms-install says whether Secure Boot needs the key enrolled" "$out" \
	"mok-enroll: (Secure Boot is not enabled|no EFI firmware)"

# The VM half; its TAP lines join this script's.
t1=$(date +%s)
while IFS= read -r line; do
	if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
		tap_ok "vm: ${BASH_REMATCH[1]}"
	elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
		tap_fail "vm: ${BASH_REMATCH[1]}"
	elif [[ $line =~ ^vm-exit\ ([0-9]+)$ ]]; then
		tap_eq "the VM half exits 0" "${BASH_REMATCH[1]}" 0
	elif [[ $line != 1..* ]]; then
		printf '# %s\n' "${line#\# }"
	fi
done < <(tests/vm/run --no-module tests/e2e/dkms.sh 2>&1; echo "vm-exit $?")
tap_note "the VM half took $(($(date +%s) - t1))s"

out=$(make -s dkms-remove 2>&1)
tap_eq "make dkms-remove exits 0" "$?" 0
tap_eq "dkms status: nothing left" "$(dkms status semnet 2>&1)" ""
tap_fails "$installed is gone" test -e "$installed"
tap_fails "$src is gone" test -e "$src"
tap_fails "/var/lib/dkms/semnet is gone" test -e /var/lib/dkms/semnet
tap_fails "depmod forgot it: modinfo semnet fails" modinfo -k "$rel" semnet
tap_eq "no semnet file is left under /lib/modules/$rel" "$(find "$mods/" -name 'semnet*')" ""
tap_note "DKMS install, VM and removal took $(($(date +%s) - t0))s"
