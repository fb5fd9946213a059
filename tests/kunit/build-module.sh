#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh TREE DIR [MAKE-VARS...]
#
# Builds the repo's kernel module(s) against the kernel tree TREE in DIR,
# never in the repo itself (that holds the Debian-kernel build of semnet.ko):
# DIR mirrors Kbuild, include/ and the sources of kmod/ as symlinks, so
# kbuild writes its objects into DIR only. MAKE-VARS go to kbuild, e.g.
# SEMNET_KUNIT=1 for semnet_kunit.ko.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 TREE DIR [MAKE-VARS...]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$1
dir=$2
shift 2

mkdir -p "$dir"
# Concurrent builds in one directory would trip over each other.
exec 9>"$dir/.build.lock"
flock 9
ln -sfn "$top/Kbuild" "$dir/Kbuild"
ln -sfn "$top/include" "$dir/include"
(cd "$top" && find kmod -type d) | while IFS= read -r d; do
	mkdir -p "$dir/$d"
done
(cd "$top" && find kmod -type f -name '*.[chS]') | while IFS= read -r f; do
	ln -sfn "$top/$f" "$dir/$f"
done
# Sources deleted from the repo leave dangling links behind.
find "$dir/kmod" -xtype l -delete

make -C "$tree" M="$(cd "$dir" && pwd)" -j"${SEMNET_JOBS:-2}" "$@" modules
