#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/demo.sh (make demo): boots the test VM, loads semnet.ko and shows
# `semnet version` in two network namespaces. Started on the host, it builds
# the module and the CLI and re-runs itself in the VM.
set -euo pipefail

if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	echo "demo: building semnet.ko and the CLI"
	make -s -C "$top" module user >/dev/null
	echo "demo: booting the VM"
	exec "$top/tests/vm/run" "$0" "$@"
fi

show() {	# show CMD...: print the command, then run it
	printf '\n$ %s\n' "$*"
	"$@"
}

trap 'ip netns del node-a 2>/dev/null || true' EXIT
echo "Kernel $(uname -r), semnet.ko loaded from ${SEMNET_MODULE#"$SEMNET_TOP"/}"
printf '\n$ lsmod | grep semnet\n'
lsmod | grep semnet
echo
echo "semnet keeps its state per network namespace; the CLI talks to the"
echo "namespace it runs in."
show semnet version
show ip netns add node-a
show ip netns exec node-a semnet version
show ip netns exec node-a semnet -j version
echo
echo "Namespace inodes: init $(stat -L -c %i /proc/self/ns/net), node-a $(stat -L -c %i /run/netns/node-a)"
