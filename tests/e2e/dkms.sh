# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# DKMS, the VM half: tests/integration/dkms.sh (make check) first runs
# `make dkms-install` natively on the host inside a private mount
# namespace (overlays on /usr/src, /var/lib/dkms and /lib/modules/RELEASE,
# so the host keeps nothing), then boots the VM from that namespace with
# no module loaded, to run this: `modprobe semnet` picks the DKMS-built,
# DKMS-signed module, tests/e2e/smoke.sh passes with it, `semnet` loads it
# on demand through the genl family alias, and, once lockdown is raised to
# integrity and then module.sig_enforce set (the DKMS key is not trusted,
# as on a Secure Boot host before MOK enrolment), modprobe is refused and
# `semnet` says why. Not executable, so run-all does not boot it alone:
# compiling the module in the TCG VM takes over 2 minutes per file and
# depmod over 2 more (measured), which is why the build runs natively.
# vm-timeout: 300
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../integration/dkms.sh" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"

rel=$(uname -r)
ver=$(sed -n 's/^#define SEMNET_VERSION "\(.*\)"/\1/p' "$SEMNET_TOP/kmod/version.h")
installed=/lib/modules/$rel/updates/dkms/semnet.ko
blacklist=/etc/modprobe.d/semnet-dkms-test.conf
trap 'rm -f "$blacklist"' EXIT
cd "$SEMNET_TOP" || exit 1

if [ -n "${SEMNET_MODULE:-}" ] || [ -d /sys/module/semnet ]; then
	tap_fail "the VM must start without semnet loaded (tests/vm/run --no-module)"
	tap_done
fi
if [ ! -f "$installed" ]; then
	tap_fail "no DKMS-installed $installed: run tests/integration/dkms.sh, which installs it first"
	tap_done
fi

tap_run "modprobe semnet" modprobe semnet
tap_eq "the loaded module is the DKMS one (version $ver)" "$(cat /sys/module/semnet/version 2>&1)" "$ver"
tap_eq "modprobe resolves semnet to $installed" "$(modinfo -F filename semnet)" "$installed"
tap_eq "it is signed with the DKMS key" "$(modinfo -F signer semnet)" "DKMS module signing key"

# smoke.sh unloads the module and checks that `semnet version` then fails:
# a blacklist stops loading on demand meanwhile (not modprobe or insmod).
echo "blacklist semnet" >"$blacklist"
smoke=$(SEMNET_MODULE=$installed tests/e2e/smoke.sh 2>&1)
status=$?
printf '%s\n' "$smoke" | sed 's/^/# smoke: /'
tap_eq "tests/e2e/smoke.sh passes with the DKMS-built module" "$status" 0
tap_eq "smoke ran all its checks" "$(printf '%s\n' "$smoke" | grep -c '^ok ')" \
	"$(printf '%s\n' "$smoke" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')"
rm -f "$blacklist"

tap_run "rmmod semnet" rmmod semnet
msg=$(semnet version 2>&1)
tap_eq "semnet version loads the installed module on demand (genl family alias)" "$?" 0
tap_run "... and it is loaded now" test -d /sys/module/semnet
tap_match "... and answers with version $ver" "$msg" "^semnet module $ver "

# Refused, as on a Secure Boot host whose MOK list lacks the DKMS key.
# Both settings can only be raised: the VM stays locked down.
tap_run "rmmod semnet" rmmod semnet
[ -e /sys/kernel/security/lockdown ] || mount -t securityfs securityfs /sys/kernel/security
tap_run "raise lockdown to integrity" sh -c 'echo integrity >/sys/kernel/security/lockdown'
tap_match "lockdown is integrity" "$(cat /sys/kernel/security/lockdown 2>&1)" '\[integrity\]'
msg=$(modprobe semnet 2>&1)
tap_fails "modprobe semnet is refused under lockdown (untrusted key)" test -d /sys/module/semnet
tap_match "modprobe: Operation not permitted" "$msg" "Operation not permitted"
msg=$(semnet version 2>&1)
tap_eq "semnet version exits 1" "$?" 1
tap_match "semnet says: not loaded, lockdown, only trusted keys" "$msg" \
	"not loaded: the kernel only loads modules signed by a key it trusts \(lockdown=integrity, as under Secure Boot\)"
tap_match "semnet names the module and its signer" "$msg" \
	"$installed, signed by \"DKMS module signing key\", did not load"
tap_match "semnet says how to enrol the key" "$msg" \
	"mokutil --import /var/lib/dkms/mok.pub, reboot and confirm in MokManager"

tap_run "enforce module signatures (module.sig_enforce=1)" \
	sh -c 'echo 1 >/sys/module/module/parameters/sig_enforce'
msg=$(modprobe semnet 2>&1)
tap_match "modprobe: Key was rejected by service" "$msg" "Key was rejected by service"
msg=$(semnet version 2>&1)
tap_match "semnet names sig_enforce and lockdown" "$msg" "\(module.sig_enforce=1, lockdown=integrity\)"

msg=$(dkms/mok-enroll.sh --check 2>&1)
tap_eq "mok-enroll.sh --check without EFI: nothing to do (exit 0)" "$?" 0
tap_match "... and says why" "$msg" "Secure Boot is not enabled|no EFI firmware"
tap_done
