# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Test topologies built from network namespaces: semnet "nodes" (a netns
# with a container bridge) and "containers" (a netns behind a veth on the
# bridge). Source it in a VM scenario; it removes what it made on exit.

# shellcheck source=tests/lib/wait.sh
. "${BASH_SOURCE[0]%/*}/wait.sh"

TOPO_NETNS=()

topo_cleanup() {
	local ns
	for ns in "${TOPO_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}
trap topo_cleanup EXIT

topo_netns() {	# topo_netns NAME: a new namespace with lo up
	ip netns add "$1" || return 1
	TOPO_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# topo_node NODE SUBNET GATEWAY: a node namespace with bridge br0 holding
# GATEWAY/len of SUBNET, forwarding on and redirects off (semnet hairpins
# container traffic through the bridge).
topo_node() {
	local node=$1 subnet=$2 gw=$3
	topo_netns "$node" || return 1
	ip -n "$node" link add br0 type bridge &&
	ip -n "$node" addr add "$gw/${subnet#*/}" dev br0 &&
	ip -n "$node" link set br0 up &&
	ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 \
		net.ipv4.conf.br0.send_redirects=0
}

# topo_container NODE NAME NSIP PLEN GATEWAY: container NAME on NODE's
# bridge, eth0 = NSIP/PLEN, default route via GATEWAY. The bridge port in
# NODE is named NAME.
topo_container() {
	local node=$1 name=$2 ip=$3 plen=$4 gw=$5
	topo_netns "$name" || return 1
	ip -n "$node" link add "$name" type veth peer name eth0 netns "$name" &&
	ip -n "$node" link set "$name" master br0 up &&
	ip -n "$name" addr add "$ip/$plen" dev eth0 &&
	ip -n "$name" link set eth0 up &&
	ip -n "$name" route add default via "$gw"
}

# topo_rp_filter NODE MODE: reverse-path filtering in NODE (0, 1, 2).
topo_rp_filter() {
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter="$2" \
		net.ipv4.conf.default.rp_filter="$2" net.ipv4.conf.br0.rp_filter="$2"
}

# echo_intact NS ADDR PORT BYTES: BYTES random bytes from NS to a TCP echo
# server at ADDR:PORT come back byte for byte
echo_intact() {
	local dir ok
	dir=$(mktemp -d)
	head -c "$4" /dev/urandom >"$dir/payload"
	ip netns exec "$1" socat -T30 -t30 - "TCP:$2:$3" <"$dir/payload" >"$dir/echoed"
	cmp "$dir/payload" "$dir/echoed"
	ok=$?
	rm -rf "$dir"
	return "$ok"
}

# ping_source NS ADDR: the source address of the reply to a ping of ADDR
ping_source() {
	ip netns exec "$1" ping -c 1 -W 2 "$2" | sed -n 's/.*bytes from \([0-9.]*\):.*/\1/p'
}
