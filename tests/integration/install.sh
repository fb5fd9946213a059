#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a DESTDIR: the exact file list and modes for
# PREFIX=/usr, the paths the units and configs name, systemd-analyze
# verify and security on the units, every installed config accepted by its
# daemon, a kept config on re-install, make uninstall; make dkms-src: the
# tree DKMS gets, dkms.conf's version and kernel range; and
# dkms/mok-enroll.sh against a fake mokutil.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ver=$(sed -n 's/^#define SEMNET_VERSION "\(.*\)"/\1/p' kmod/version.h)
daemons=()
for p in semnet-root semnet-cluster semnetd; do
	[ -x "build/user/bin/$p" ] && daemons+=("$p")
done
tap_note "daemons built: ${daemons[*]}"

# --- make install DESTDIR PREFIX=/usr -------------------------------------
d=$work/dest
out=$(make -s install DESTDIR="$d" PREFIX=/usr 2>&1)
tap_eq "make install DESTDIR=... PREFIX=/usr exits 0" "$?" 0
want=$(
	echo /usr/bin/semnet
	echo /usr/include/linux/semnet.h
	echo /usr/share/semnet/mok-enroll.sh
	for m in daemon/*/*.8; do echo "/usr/share/man/man8/$(basename "$m")"; done
	for p in "${daemons[@]}"; do
		echo "/usr/sbin/$p"
		echo "/usr/lib/systemd/system/$p.service"
		echo "/etc/semnet/$p.json"
	done | sort
)
got=$(cd "$d" && find . -type f -o -type l | sed 's/^\.//')
tap_eq "the installed files" "$(sort <<<"$got")" "$(sort <<<"$want")"
# semnetd(8) comes with semnetd (daemon/node/, its own issue).
programs=(semnet "${daemons[@]}")
if [ ! -f daemon/node/semnetd.8 ] && [[ " ${daemons[*]} " == *" semnetd "* ]]; then
	tap_note "daemon/node/semnetd.8 is not written yet"
	programs=(semnet "${daemons[@]/semnetd/}")
fi
tap_eq "a man page for every program" \
	"$(cd "$d/usr/share/man/man8" && printf '%s\n' *.8 | sed 's/\.8$//' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${programs[@]}" | grep . | sort | tr '\n' ' ')"
modes=$(cd "$d" && stat -c '%a %n' usr/bin/* usr/sbin/* usr/share/semnet/* etc/semnet/* \
	usr/lib/systemd/system/* usr/share/man/man8/* usr/include/linux/*)
tap_eq "programs 755, everything else 644" "$(awk '{print $1}' <<<"$modes" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" \
	"$(printf '644x%d 755x%d ' $((${#daemons[@]} * 2 + $(printf '%s\n' daemon/*/*.8 | wc -l) + 1)) $((${#daemons[@]} + 2)))"
tap_eq "the UAPI header is include/uapi/linux/semnet.h" \
	"$(cmp "$d/usr/include/linux/semnet.h" include/uapi/linux/semnet.h && echo same)" same

for p in "${daemons[@]}"; do
	unit=$d/usr/lib/systemd/system/$p.service
	tap_eq "$p.service: ExecStart runs /usr/sbin/$p with /etc/semnet/$p.json" \
		"$(sed -n 's/^ExecStart=//p' "$unit")" "/usr/sbin/$p --config /etc/semnet/$p.json"
	tap_fails "$p.service: no @PLACEHOLDER@ left" grep -Eq '@[A-Z]+@' "$unit"
	tap_match "$p.service: a capability bounding set" "$(cat "$unit")" '^CapabilityBoundingSet='
	tap_match "$p.service: ProtectSystem=strict" "$(cat "$unit")" '^ProtectSystem=strict$'
	tap_match "$p.service: a state directory" "$(cat "$unit")" '^StateDirectory=semnet'
	db=$(jq -r .db "$d/etc/semnet/$p.json")
	tap_eq "$p.json: its database is in the unit's state directory" \
		"$(dirname "$db")" "/var/lib/$(sed -n 's/^StateDirectory=//p' "$unit")"
	# The daemons check the file before printing --help: exit 0 = valid.
	tap_run "$p accepts its installed configuration" \
		"$d/usr/sbin/$p" --config "$d/etc/semnet/$p.json" --help
done
if [[ " ${daemons[*]} " == *" semnetd "* ]]; then
	unit=$d/usr/lib/systemd/system/semnetd.service
	tap_eq "semnetd.service: CAP_NET_ADMIN, CAP_SYS_ADMIN (setns), CAP_SYS_PTRACE (/proc/PID/ns), CAP_SYS_CHROOT (the host's mount namespace)" \
		"$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")" \
		"CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_SYS_CHROOT"
	# A unikernel's namespace and TAP device (tests/e2e/semnetd_unikernel.sh
	# runs semnetd under this unit's sandbox), and nothing more.
	tap_eq "semnetd.service: unikernels: namespaces, mounts, /dev/net/tun alone" \
		"$(grep -E '^(RestrictNamespaces|SystemCallFilter|PrivateDevices|BindPaths|DeviceAllow)=' "$unit")" \
		"PrivateDevices=yes
BindPaths=-/dev/net/tun
DeviceAllow=/dev/net/tun rw
RestrictNamespaces=net mnt
SystemCallFilter=@system-service mount umount2"
	# The file's socket, else its profile's (seed: the default --help names).
	sock=$(jq -r '.socket // empty' "$d/etc/semnet/semnetd.json")
	[ -n "$sock" ] || [ "$(jq -r .profile "$d/etc/semnet/semnetd.json")" != seed ] ||
		sock=$("$d/usr/sbin/semnetd" --help 2>&1 |
			sed -n 's/.*--socket PATH .*(default \(.*\))$/\1/p')
	tap_eq "semnetd.json: the socket is in the unit's runtime directory" \
		"$(dirname "$sock")" "/run/$(sed -n 's/^RuntimeDirectory=//p' "$unit")"
fi
for p in semnet-root semnet-cluster; do
	[ -f "$d/usr/lib/systemd/system/$p.service" ] || continue
	tap_eq "$p.service: no capabilities at all" \
		"$(grep -c '^CapabilityBoundingSet=$' "$d/usr/lib/systemd/system/$p.service")" 1
done

# systemd-analyze needs the programs at the paths the units name: install
# a second copy with PREFIX (and /etc) inside the work directory.
if command -v systemd-analyze >/dev/null; then
	p2=$work/prefix
	make -s install PREFIX="$p2/usr" SYSCONFDIR="$p2/etc" >/dev/null 2>&1
	units=("$p2"/usr/lib/systemd/system/*.service)
	msg=$(systemd-analyze verify --man=no "${units[@]}" 2>&1)
	status=$?
	tap_eq "systemd-analyze verify: no complaints" "$status:$msg" "0:"
	for u in "${units[@]}"; do
		score=$(systemd-analyze security --offline=true --no-pager "$u" 2>&1 |
			sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
		tap_run "$(basename "$u"): systemd-analyze security exposure $score is OK (< 4)" \
			awk -v s="$score" 'BEGIN { exit !(s != "" && s < 4) }'
	done
else
	tap_note "systemd-analyze is not installed: units not verified"
fi

# --- the default PREFIX and a kept configuration ---------------------------
d2=$work/local
make -s install DESTDIR="$d2" >/dev/null 2>&1
tap_run "PREFIX defaults to /usr/local (programs, units)" \
	test -x "$d2/usr/local/bin/semnet" -a -f "$d2/usr/local/lib/systemd/system/${daemons[0]}.service"
tap_eq "... and the units name /usr/local/sbin" \
	"$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$d2/usr/local/lib/systemd/system/${daemons[0]}.service")" \
	"/usr/local/sbin/${daemons[0]}"
conf=$d2/etc/semnet/${daemons[0]}.json
echo '{"log_level": "debug"}' >"$conf"
out=$(make -s install DESTDIR="$d2" 2>&1)
tap_eq "re-installing keeps an edited configuration" "$(cat "$conf")" '{"log_level": "debug"}'
tap_match "... and says so" "$out" "keeping $conf"
make -s uninstall DESTDIR="$d2" >/dev/null 2>&1
tap_eq "make uninstall leaves only the configuration" \
	"$(cd "$d2" && find . -type f | sort | tr '\n' ' ')" \
	"$(printf './etc/semnet/%s.json\n' "${daemons[@]}" | sort | tr '\n' ' ')"

# --- make dkms-src: what DKMS builds -----------------------------------------
d3=$work/dkms
make -s dkms-src DESTDIR="$d3" >/dev/null 2>&1
s=$d3/usr/src/semnet-$ver
tap_run "make dkms-src fills /usr/src/semnet-$ver" test -f "$s/dkms.conf" -a -f "$s/Kbuild"
tap_eq "it holds Kbuild's sources, the UAPI header, dkms.conf, COPYING" \
	"$(cd "$s" && find . -type f | sort | tr '\n' ' ')" \
	"$( (echo ./COPYING; echo ./Kbuild; echo ./dkms.conf; echo ./include/uapi/linux/semnet.h
	     cd kmod && printf './kmod/%s\n' *.c *.h) | sort | tr '\n' ' ')"
objs=$(sed -n '/^semnet-y/,/[^\\]$/p' Kbuild | tr -s ' \\\t\n' '\n' | grep '\.o$')
missing=$(for o in $objs; do [ -f "$s/${o%.o}.c" ] || echo "$o"; done)
tap_eq "every object Kbuild lists has its source there" "$missing" ""
# dkms.conf is bash that names DKMS variables: take the three lines only.
eval "$(grep -E '^(PACKAGE_VERSION|BUILD_EXCLUSIVE_KERNEL|BUILD_EXCLUSIVE_CONFIG)=' "$s/dkms.conf")"
tap_eq "dkms.conf: PACKAGE_VERSION is kmod/version.h's" "${PACKAGE_VERSION:-}" "$ver"
ok='' bad=''
for k in 6.1.0-56-amd64 6.1.0-57-cloud-amd64 6.12.117+deb12-amd64 6.19.0 7.0.0-rc1; do
	[[ $k =~ ${BUILD_EXCLUSIVE_KERNEL:-^$} ]] || bad+="$k "
done
for k in 6.0.0-1-amd64 5.10.0-30-amd64 4.19.0-26-amd64 5.19.17; do
	[[ $k =~ ${BUILD_EXCLUSIVE_KERNEL:-.} ]] && ok+="$k "
done
tap_eq "dkms.conf: BUILD_EXCLUSIVE_KERNEL takes 6.1 and newer" "$bad" ""
tap_eq "dkms.conf: ... and refuses older kernels" "$ok" ""
bad=''
kconfig=$(make -s --no-print-directory print-kdir)/.config
for c in ${BUILD_EXCLUSIVE_CONFIG:-none}; do
	grep -q "^$c=[ym]" "$kconfig" || bad+="$c "
done
tap_eq "dkms.conf: the Debian kernel has every BUILD_EXCLUSIVE_CONFIG option" "$bad" ""
tap_done
