#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the debug/KUnit kernel (KASAN, lockdep, PROVE_RCU, kmemleak, KUnit)
# from Debian's linux-source-6.1 with the fragment tests/kunit/debug.config,
# and prints the path of the built tree on stdout. The tree is cached under
# $SEMNET_CACHE (default /var/cache/semnet-dev), keyed by the fragment, this
# script, the source package version and the compiler, and rebuilt only
# when the key changes; a lock serialises concurrent builds. The tree serves
# external modules: make -C <tree> M=<dir>.
#
#   build-kernel.sh            build when needed, print the tree
#   build-kernel.sh --dir      print the tree without building (exit 1 if unbuilt)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${SEMNET_CACHE:-/var/cache/semnet-dev}
jobs=${SEMNET_JOBS:-2}

die() { echo "build-kernel: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing (make deps installs linux-source-6.1)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$fragment" "$0"; echo "$srcver"; gcc --version | head -n 1; } |
	sha256sum | cut -c1-16)
dir=$cache/kernel-$key
tree=$dir/linux-source-6.1

if [ -f "$dir/done" ]; then
	echo "$tree"
	exit 0
fi
[ "${1-}" = --dir ] && { echo "$tree"; exit 1; }

mkdir -p "$cache" || die "cannot create $cache (set SEMNET_CACHE)"
exec 9>"$dir.lock"
if ! flock -n 9; then
	echo "build-kernel: waiting for another build of $dir" >&2
	flock 9
fi
if [ -f "$dir/done" ]; then
	echo "$tree"
	exit 0
fi

log=$dir.log
echo "build-kernel: building the debug kernel in $dir (log: $log)" >&2
start=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
{
	tar -C "$dir" -xJf "$tarball"
	cd "$tree"
	# allnoconfig with the fragment's values forced, dependencies resolved.
	KCONFIG_ALLCONFIG=$fragment make ARCH=x86_64 allnoconfig
	make ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "configuring failed, see $log"; }

# Every line of the fragment must have survived: a missing dependency makes
# Kconfig drop an option silently.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		opt=${line%%=*}
		grep -qxF -- "$line" "$tree/.config" && continue ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$tree/.config" || continue ;;
	*) continue ;;
	esac
	now=$(grep -E "^(# )?${opt}[= ]" "$tree/.config" || echo "# $opt is absent")
	echo "build-kernel: wanted \"$line\", got \"$now\"" >&2
	bad=1
done <"$fragment"
[ "$bad" = 0 ] || die "the configuration lost options (missing dependencies?), see $tree/.config"

( cd "$tree" && make ARCH=x86_64 -j"$jobs" all ) >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "build failed, see $log"; }

secs=$(($(date +%s) - start))
echo "$secs" >"$dir/build-seconds"
touch "$dir/done"
echo "build-kernel: built $(cat "$tree/include/config/kernel.release") in ${secs}s" >&2

# Drop trees of older keys nobody is using.
for old in "$cache"/kernel-*.lock; do
	[ "$old" = "$dir.lock" ] && continue
	(
		flock -n 8 || exit 0
		rm -rf "${old%.lock}" "${old%.lock}.log"
	) 8>"$old"
done
echo "$tree"
