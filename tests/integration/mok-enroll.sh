#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms/mok-enroll.sh against a fake mokutil (the host has no EFI, and a
# real import needs a reboot into MokManager): what it checks and says
# with Secure Boot off, on with the key enrolled, queued or unknown, a
# missing certificate, a failing import; that it imports the certificate
# it is given, and only when needed.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
# The fake: state from FAKE_* variables, every call logged.
cat >"$work/bin/mokutil" <<'FAKE'
#!/bin/sh
echo "mokutil $*" >>"$FAKE_LOG"
case $1 in
--sb-state) echo "SecureBoot $FAKE_SB" ;;
--test-key)
	if [ "$FAKE_ENROLLED" = yes ]; then echo "$2 is already enrolled"
	else echo "$2 is not enrolled"; fi ;;
--list-new) [ -n "$FAKE_PENDING" ] && printf '[key 1]\nSHA1 Fingerprint: %s\n' "$FAKE_PENDING" ;;
--import) [ "$FAKE_IMPORT" = ok ] || { echo "Failed to enroll new keys" >&2; exit 1; } ;;
esac
exit 0
FAKE
chmod +x "$work/bin/mokutil"
cert=$work/mok.pub
openssl req -new -x509 -nodes -days 1 -subj "/CN=DKMS module signing key" -newkey rsa:2048 \
	-keyout "$work/mok.key" -outform DER -out "$cert" >/dev/null 2>&1
fp=$(openssl x509 -inform DER -in "$cert" -noout -fingerprint -sha1 | sed 's/.*=//' | tr 'A-F' 'a-f')
export PATH=$work/bin:$PATH FAKE_LOG=$work/log FAKE_SB FAKE_ENROLLED FAKE_PENDING FAKE_IMPORT

run() {	# run ARGS...: sets $out, $status, $calls (mokutil's calls)
	: >"$FAKE_LOG"
	out=$(dkms/mok-enroll.sh "$@" 2>&1)
	status=$?
	calls=$(cat "$FAKE_LOG")
}

FAKE_SB=disabled FAKE_ENROLLED=no FAKE_PENDING='' FAKE_IMPORT=ok
run --check --cert "$cert"
tap_eq "Secure Boot off, --check: exit 0" "$status" 0
tap_match "... says Secure Boot is not enabled" "$out" "Secure Boot is not enabled"
run --cert "$cert"
tap_match "Secure Boot off, no --check: imports anyway, for when it is turned on" \
	"$calls" "^mokutil --import $cert$"

FAKE_SB=enabled FAKE_ENROLLED=yes
run --check --cert "$cert"
tap_eq "Secure Boot on, key enrolled: exit 0" "$status" 0
tap_match "... says it is enrolled" "$out" "$cert is enrolled"
run --cert "$cert"
tap_fails "... and imports nothing" grep -q -- --import "$FAKE_LOG"

FAKE_ENROLLED=no FAKE_PENDING=$fp
run --check --cert "$cert"
tap_eq "Secure Boot on, key queued: exit 0" "$status" 0
tap_match "... says reboot and confirm" "$out" "is queued: reboot and confirm"

FAKE_PENDING=00:11:22
run --check --cert "$cert"
tap_eq "Secure Boot on, key unknown (another one queued): --check exits 1" "$status" 1
tap_match "... says the kernel will refuse semnet.ko" "$out" "not enrolled: the kernel will refuse semnet.ko"
tap_fails "... --check imports nothing" grep -q -- --import "$FAKE_LOG"
run --cert "$cert" --root-pw
tap_eq "enrolling: exit 0" "$status" 0
tap_match "... runs mokutil --import CERT --root-pw" "$calls" "^mokutil --import $cert --root-pw$"
tap_match "... says what to do at the next boot" "$out" "reboot: MokManager offers \"Enroll MOK\""

FAKE_IMPORT=fail
run --cert "$cert"
tap_eq "a failing mokutil --import: exit 2" "$status" 2
tap_match "... says so" "$out" "mokutil --import failed"

FAKE_IMPORT=ok
run --check --cert "$work/nosuch.pub"
tap_eq "no certificate: exit 2" "$status" 2
tap_match "... says to run make dkms-install first" "$out" "run make dkms-install first"
run --bogus
tap_eq "an unknown option: exit 2" "$status" 2
tap_done
