# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Test topologies built from network namespaces: semnet "nodes" (a netns
# with a container bridge) and "containers" (a netns behind a veth on the
# bridge). Source it in a VM scenario; it removes what it made on exit.
#
# SEMNET_NODE_MODE=routed (default bridged) builds routed nodes instead:
# no bridge, the gateway on the node's dummy device gw0 (a /32), and each
# container's host-side veth routed (a /32 route to its nsIP, proxy ARP
# for its neighbours in the subnet). TOPO_ATTACH holds what `semnet node
# set` takes for the mode ("bridge br0" or "mode routed"), TOPO_IFACES the
# node's container-facing devices (br0, or every routed veth made so far).

# shellcheck source=tests/lib/wait.sh
. "${BASH_SOURCE[0]%/*}/wait.sh"

TOPO_NETNS=()
SEMNET_NODE_MODE=${SEMNET_NODE_MODE:-bridged}
# shellcheck disable=SC2034 # TOPO_ATTACH is for the scripts that source this
case $SEMNET_NODE_MODE in
bridged) TOPO_ATTACH=(bridge br0); TOPO_IFACES=(br0) ;;
routed) TOPO_ATTACH=(mode routed); TOPO_IFACES=() ;;
*) echo "topo.sh: SEMNET_NODE_MODE must be bridged or routed" >&2; exit 2 ;;
esac

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

# Each builder below runs its commands in one `ip -n NS -batch` per
# namespace, not one ip process each: on the debug kernel under TCG a
# process costs half a second, and a container took seven of them.
_topo_batch() {	# _topo_batch NS LINE...: the ip commands LINE... in NS (stops at the first failure)
	local ns=$1
	shift
	printf '%s\n' "$@" | ip -n "$ns" -batch -
}

# topo_node NODE SUBNET GATEWAY [SUBNET6 GATEWAY6]: a node namespace with
# bridge br0 holding GATEWAY/len of SUBNET, forwarding on and redirects off
# (semnet hairpins container traffic through the bridge), and dual stack
# when SUBNET6 is given (as topo_node6). br0 has a MAC of its own: a bridge
# takes its lowest port's, so a container added later could change it
# under the containers' neighbour caches. Routed: GATEWAY/32 on dummy gw0.
topo_node() {
	local node=$1 subnet=$2 gw=$3 dev=br0
	local -a cmds=("link set lo up") knobs=(net.ipv4.ip_forward=1
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0)
	ip netns add "$node" || return 1
	TOPO_NETNS+=("$node")
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		dev=gw0
		cmds+=("link add gw0 type dummy" "addr add $gw/32 dev gw0")
		[ $# -lt 5 ] || cmds+=("addr add $5/128 dev gw0 nodad")
	else
		cmds+=("link add br0 address 02:5e:00:00:00:01 type bridge"
		       "addr add $gw/${subnet#*/} dev br0")
		[ $# -lt 5 ] || cmds+=("addr add $5/${4#*/} dev br0 nodad")
		knobs+=(net.ipv4.conf.br0.send_redirects=0)
	fi
	cmds+=("link set $dev up")
	[ $# -lt 5 ] || knobs+=(net.ipv6.conf.all.forwarding=1)
	_topo_batch "$node" "${cmds[@]}" &&
	ip netns exec "$node" sysctl -qw "${knobs[@]}"
}

# topo_container NODE NAME NSIP PLEN GATEWAY [NSIP6 PLEN6 GATEWAY6]:
# container NAME on NODE's bridge, eth0 = NSIP/PLEN, default route via
# GATEWAY, and dual stack when NSIP6 is given (as topo_container6). The
# bridge port in NODE is named NAME. Routed: NAME is up with proxy ARP and
# NODE routes NSIP/32 to it.
topo_container() {
	local node=$1 name=$2 ip=$3 plen=$4 gw=$5
	local -a host=("link add $name type veth peer name eth0 netns $name")
	local -a inside=("link set lo up" "addr add $ip/$plen dev eth0" "link set eth0 up"
			 "route add default via $gw")
	ip netns add "$name" || return 1
	TOPO_NETNS+=("$name")
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		TOPO_IFACES+=("$name")
		host+=("link set $name up" "route add $ip/32 dev $name")
	else
		host+=("link set $name master br0 up")
	fi
	if [ $# -ge 8 ]; then
		_topo_container6_cmds "$name" "$6" "$7" "$8"
		host+=("${_topo_host6[@]}")
		inside+=("${_topo_inside6[@]}")
	fi
	_topo_batch "$node" "${host[@]}" || return 1
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		ip netns exec "$node" sysctl -qw "net.ipv4.conf.$name.proxy_arp=1" \
			"net.ipv4.conf.$name.send_redirects=0" || return 1
	fi
	_topo_batch "$name" "${inside[@]}"
}

# topo_node6 NODE SUBNET6 GATEWAY6: NODE (made by topo_node) dual stack:
# GATEWAY6/len of SUBNET6 on br0 (routed: GATEWAY6/128 on gw0), without
# duplicate address detection (usable at once), IPv6 forwarding on.
topo_node6() {
	local node=$1 subnet=$2 gw=$3
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		ip -n "$node" addr add "$gw/128" dev gw0 nodad
	else
		ip -n "$node" addr add "$gw/${subnet#*/}" dev br0 nodad
	fi &&
	ip netns exec "$node" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# _topo_container6_cmds NAME NSIP6 PLEN GATEWAY6: the commands that make
# container NAME dual stack, in _topo_host6 (for its node) and
# _topo_inside6 (for NAME).
_topo_container6_cmds() {
	local name=$1 ip=$2 plen=$3 gw=$4
	_topo_host6=()
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		gw=fe80::1
		_topo_host6=("addr add fe80::1/64 dev $name nodad" "route add $ip/128 dev $name")
	fi
	_topo_inside6=("addr add $ip/$plen dev eth0 nodad" "route add default via $gw dev eth0")
}

# topo_container6 NODE NAME NSIP6 PLEN GATEWAY6: container NAME (made by
# topo_container) dual stack: eth0 gets NSIP6/PLEN (no duplicate address
# detection), an IPv6 default route via GATEWAY6. Routed, as semnetd does
# it: the gateway is fe80::1 on NAME (the node answers its neighbour
# solicitations itself), and NODE routes NSIP6/128 to NAME.
topo_container6() {
	_topo_container6_cmds "$2" "$3" "$4" "$5"
	{ [ ${#_topo_host6[@]} = 0 ] || _topo_batch "$1" "${_topo_host6[@]}"; } &&
	_topo_batch "$2" "${_topo_inside6[@]}"
}

# topo_rp_filter NODE MODE: reverse-path filtering in NODE (0, 1, 2), on
# every container-facing device made so far too.
topo_rp_filter() {
	local dev
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter="$2" \
		net.ipv4.conf.default.rp_filter="$2" || return 1
	for dev in "${TOPO_IFACES[@]}"; do
		ip netns exec "$1" sysctl -qw "net.ipv4.conf.$dev.rp_filter=$2" 2>/dev/null
	done
	return 0
}

# echo_intact NS ADDR PORT BYTES: BYTES random bytes from NS to a TCP echo
# server at ADDR:PORT (ADDR IPv4 or IPv6) come back byte for byte
echo_intact() {
	local dir ok to="TCP:$2:$3"
	[[ $2 == *:* ]] && to="TCP6:[$2]:$3"
	dir=$(mktemp -d)
	head -c "$4" /dev/urandom >"$dir/payload"
	ip netns exec "$1" socat -T30 -t30 - "$to" <"$dir/payload" >"$dir/echoed"
	cmp "$dir/payload" "$dir/echoed"
	ok=$?
	rm -rf "$dir"
	return "$ok"
}

# echo_named NS ADDR PORT PAYLOAD OUT: one connection from NS to a server
# at ADDR:PORT (IPv4) that answers its name on a line, then echoes what it
# reads; sends the file PAYLOAD and keeps the answer in OUT. Prints the
# name when the echo equals PAYLOAD byte for byte, else "bad".
echo_named() {
	local name
	ip netns exec "$1" socat -t 10 -T 20 "TCP:$2:$3,connect-timeout=15" - \
		<"$4" >"$5" 2>"$5.err"
	name=$(head -n 1 "$5")
	if tail -c +$((${#name} + 2)) "$5" | cmp -s - "$4"; then
		echo "$name"
	else
		echo bad
	fi
}

# ping_source NS ADDR: the source address of the reply to a ping of ADDR
# (IPv4 or IPv6: ping picks the family by the address)
ping_source() {
	ip netns exec "$1" ping -c 1 -W 2 "$2" | sed -n 's/.*bytes from \([0-9a-f.:]*\):.*/\1/p'
}
