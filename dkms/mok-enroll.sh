#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms/mok-enroll.sh [--check] [--cert PATH] [--root-pw]
#
# Secure Boot: a Debian kernel booted with Secure Boot is locked down and
# loads only modules signed by a key it trusts. DKMS signs semnet.ko with
# its own key (/var/lib/dkms/mok.key, certificate mok.pub, made on the
# first DKMS build); this script asks shim to trust that certificate as a
# Machine Owner Key:
#   1. mokutil --import CERT queues it and asks for a one-time password
#      (--root-pw: use root's password instead);
#   2. at the next boot MokManager (blue screen) offers "Enroll MOK":
#      Continue, Yes, the password, Reboot;
#   3. modprobe semnet then works (check: mokutil --test-key CERT).
# --check only reports: exit 0 when nothing is needed (Secure Boot off, no
# EFI, the key enrolled or queued), 1 when the key must be enrolled, 2 on
# errors. `make dkms-install` runs it that way. Installed by `make install`
# as PREFIX/share/semnet/mok-enroll.sh.
set -u

cert=''
check=0
root_pw=''
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	--cert) cert=${2:?--cert needs a path}; shift ;;
	--root-pw) root_pw=--root-pw ;;
	-h|--help) sed -n '4,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "mok-enroll: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# The certificate DKMS signs with: framework.conf may move it.
if [ -z "$cert" ]; then
	cert=$(sed -n 's/^[[:space:]]*mok_certificate=["]\{0,1\}\([^"]*\)["]\{0,1\}[[:space:]]*$/\1/p' \
		/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf 2>/dev/null | tail -n 1)
	: "${cert:=/var/lib/dkms/mok.pub}"
fi

say() { echo "mok-enroll: $*"; }

if ! command -v mokutil >/dev/null 2>&1; then
	[ -d /sys/firmware/efi ] || { say "no EFI firmware: Secure Boot does not apply"; exit 0; }
	say "mokutil is missing (apt-get install mokutil)" >&2
	exit 2
fi
sb=$(mokutil --sb-state 2>&1)
case $sb in
*"SecureBoot enabled"*) ;;
*)
	say "Secure Boot is not enabled ($(echo "$sb" | head -n 1)): unsigned modules load, nothing to enrol"
	[ "$check" = 1 ] && exit 0
	[ -f "$cert" ] || exit 0
	say "enrolling anyway, for when Secure Boot is turned on"
	;;
esac

if [ ! -f "$cert" ]; then
	say "no DKMS signing certificate at $cert: run make dkms-install first (DKMS makes the key when it signs)" >&2
	exit 2
fi
test_key=$(mokutil --test-key "$cert" 2>&1)
case $test_key in
*"already enrolled"*)
	say "$cert is enrolled: the kernel trusts DKMS-signed modules"
	exit 0 ;;
esac
if mokutil --list-new 2>/dev/null | grep -q .; then
	pending=$(mokutil --list-new 2>/dev/null)
	fp=$(openssl x509 -inform DER -in "$cert" -noout -fingerprint -sha1 2>/dev/null |
		sed 's/.*=//' | tr 'A-F' 'a-f')
	if [ -n "$fp" ] && printf '%s\n' "$pending" | tr 'A-F' 'a-f' | grep -qF "$fp"; then
		say "$cert is queued: reboot and confirm \"Enroll MOK\" in MokManager"
		exit 0
	fi
fi
if [ "$check" = 1 ]; then
	say "Secure Boot is on and $cert is not enrolled: the kernel will refuse semnet.ko"
	say "enrol it: $0 (then reboot and confirm in MokManager)"
	exit 1
fi
say "queuing $cert for enrolment; mokutil asks for a one-time password"
# shellcheck disable=SC2086 # $root_pw is empty or one word
mokutil --import "$cert" $root_pw || { say "mokutil --import failed" >&2; exit 2; }
say "now reboot: MokManager offers \"Enroll MOK\": Continue, Yes, the password, Reboot"
say "afterwards: mokutil --test-key $cert says it is enrolled, and modprobe semnet works"
