# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The VM side of the two-node benchmarks (tests/bench/overlay.sh,
# scale.sh): nodes nA and nB are namespaces (tests/lib/topo.sh, which
# this sources), built afresh for each case and torn down after it.

# shellcheck source=tests/lib/topo.sh
declare -F topo_netns >/dev/null || . "${BASH_SOURCE[0]%/*}/topo.sh"

log() { echo "# $*"; }
A() { ip -n nA "$@"; }
B() { ip -n nB "$@"; }

# teardown: stop every process in the bench namespaces, wait for them
# (bounded) and delete the namespaces, so the next case starts clean.
teardown() {
	local ns pids
	for ns in "${TOPO_NETNS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] || continue
		# shellcheck disable=SC2086 # one pid a word
		kill $pids 2>/dev/null
		# shellcheck disable=SC2086
		wait_gone 5 $pids
	done
	for ns in "${TOPO_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	TOPO_NETNS=()
}

# fou_tunnel NODE LOCAL REMOTE REMOTE_SUBNET: the kernel's GRE-in-UDP
# tunnel (FOU: ipproto 47, port 4754) gre1 from LOCAL to REMOTE in NODE,
# REMOTE_SUBNET routed into it; the reference datapath of both benches.
# GRE carries either inner family (REMOTE_SUBNET IPv4 or IPv6). With IPv6
# LOCAL and REMOTE the outer header is IPv6 too: ip6gre over fou6, with
# a real UDP checksum (RFC 8086 over IPv6, as semnet0 sends) and without
# the tunnel encapsulation limit option (8 bytes neither GRE-in-UDP
# tunnel needs).
fou_tunnel() {
	if [[ $2 == *:* ]]; then
		ip -n "$1" -6 fou add port 4754 ipproto 47 &&
		ip -n "$1" link add gre1 type ip6gre local "$2" remote "$3" hoplimit 64 \
			encaplimit none encap fou encap-sport auto encap-dport 4754 encap-udp6-csum
	else
		ip -n "$1" fou add port 4754 ipproto 47 &&
		ip -n "$1" link add gre1 type gre local "$2" remote "$3" ttl 64 \
			encap fou encap-sport auto encap-dport 4754
	fi &&
	ip -n "$1" link set gre1 up &&
	ip -n "$1" route add "$4" dev gre1
}
