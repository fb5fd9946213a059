#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms/compile-test.sh [HEADERS-PACKAGE...]
#
# Compiles semnet.ko, the tree `make dkms-src` gives DKMS, against kernel
# header packages this machine's apt offers, to find kernel API changes
# (then: a probe in Kbuild, a shim in kmod/compat.h). The packages are
# fetched with apt-get download and unpacked under a cache directory, never
# installed: installed headers would change the default KDIR, and their
# packages pull in the kernel image. Default: for each kernel series apt
# offers (6.1, 6.12, ...), its newest build in the amd64, cloud-amd64 and
# rt-amd64 flavours. Cache: $SEMNET_HEADERS_CACHE (default
# /var/tmp/semnet-headers). Prints one line per kernel; exit 1 if any
# build failed (its log is kept in the cache).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEMNET_HEADERS_CACHE:-/var/tmp/semnet-headers}
root=$cache/root
mkdir -p "$cache/debs" "$root" || exit 2

pkgs=("$@")
if [ ${#pkgs[@]} = 0 ]; then
	all=$(apt-cache search --names-only '^linux-headers-[0-9].*-(amd64|cloud-amd64|rt-amd64)$' |
		cut -d' ' -f1)
	for series in $(sed -n 's/^linux-headers-\([0-9]*\.[0-9]*\)[.-].*/\1/p' <<<"$all" | sort -uV); do
		for flavour in amd64 cloud-amd64 rt-amd64; do
			p=$(grep -E "^linux-headers-${series//./\\.}[.-][0-9].*[0-9]-$flavour$" <<<"$all" |
				sort -V | tail -n 1)
			[ -n "$p" ] && pkgs+=("$p")
		done
	done
fi
[ ${#pkgs[@]} -gt 0 ] || { echo "compile-test: apt offers no linux-headers packages" >&2; exit 2; }

# A headers package, plus the common headers and the kbuild tools it needs.
fetch() {
	local p=$1 deps d
	deps=$(apt-cache show "$p" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-\(headers-[^ ]*-common[^ ]*\|kbuild-[^ ]*\)\).*/\1/p')
	for d in "$p" $deps; do
		ls "$cache/debs/${d}_"*.deb >/dev/null 2>&1 && continue
		(cd "$cache/debs" && apt-get download -q "$d" >/dev/null 2>&1) ||
			{ echo "compile-test: cannot download $d" >&2; return 1; }
	done
	for d in "$p" $deps; do
		dpkg-deb -x "$(ls "$cache/debs/${d}_"*.deb | tail -n 1)" "$root" || return 1
	done
	# The flavour's Makefile includes the common tree by absolute path.
	sed -i "s|include /usr/src/|include $root/usr/src/|" "$root/usr/src/$p/Makefile"
}

src=$cache/src
rm -rf "$src"
make -s -C "$TOP" dkms-src DESTDIR="$src" DKMS_SRC=/semnet >/dev/null || exit 2
failed=0
for p in "${pkgs[@]}"; do
	kdir=$root/usr/src/$p
	if ! fetch "$p" || [ ! -f "$kdir/Makefile" ]; then
		echo "${p#linux-headers-}: cannot fetch or unpack $p"
		failed=1
		continue
	fi
	build=$cache/build-${p#linux-headers-}
	rm -rf "$build"
	cp -a "$src/semnet" "$build"
	start=$(date +%s)
	if make -C "$kdir" M="$build" modules >"$build.log" 2>&1; then
		echo "${p#linux-headers-}: ok ($(($(date +%s) - start))s)"
	else
		echo "${p#linux-headers-}: FAILED, $build.log:"
		grep -E 'error|Error' "$build.log" | head -n 10 | sed 's/^/    /'
		failed=1
	fi
done
exit "$failed"
