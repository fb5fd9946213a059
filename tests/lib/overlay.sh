# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Multi-node topologies: semnet nodes (namespaces) on an underlay bridge,
# each with its container bridge (or routed veths, SEMNET_NODE_MODE=routed:
# tests/lib/topo.sh), /26 and semnet0 tunnel. Sources tests/lib/topo.sh.

# shellcheck source=tests/lib/topo.sh
declare -F topo_netns >/dev/null || . "${BASH_SOURCE[0]%/*}/topo.sh"

PLATFORM=172.16.0.0/12
SERVICES=172.30.0.0/16

# overlay_underlay: the "wire" namespace with bridge ul0.
overlay_underlay() {
	topo_netns wire &&
	ip -n wire link add ul0 type bridge &&
	ip -n wire link set ul0 up
}

# overlay_node NODE UNDERLAY_IP SUBNET GATEWAY: a node on the wire with
# its container bridge, semnet configured and semnet0 up, routing the
# platform range into the tunnel.
overlay_node() {
	local node=$1 ul=$2 subnet=$3 gw=$4
	topo_node "$node" "$subnet" "$gw" &&
	ip -n wire link add "ul-$node" type veth peer name ul0 netns "$node" &&
	ip -n wire link set "ul-$node" master ul0 up &&
	ip -n "$node" addr add "$ul/24" dev ul0 &&
	ip -n "$node" link set ul0 up &&
	ip netns exec "$node" semnet node set platform "$PLATFORM" services "$SERVICES" \
		subnet "$subnet" gateway "$gw" "${TOPO_ATTACH[@]}" &&
	ip -n "$node" link add semnet0 type semnet &&
	ip -n "$node" link set semnet0 up &&
	ip -n "$node" route add "$PLATFORM" dev semnet0 src "$gw"
}

# overlay_peer NODE SUBNET UNDERLAY_IP: NODE sends SUBNET's packets to
# UNDERLAY_IP and accepts that peer's.
overlay_peer() {
	ip netns exec "$1" semnet peer add "$2" remote "$3"
}

# overlay_abc: the underlay and nodes a, b and c (10.99.0.1-3; subnets
# 172.16.0.0/26, .64/26, .128/26 with gateways .1, .65, .129), as TAP
# assertions; peers are the caller's.
overlay_abc() {
	overlay_underlay
	tap_run "node a" overlay_node a 10.99.0.1 172.16.0.0/26 172.16.0.1
	tap_run "node b" overlay_node b 10.99.0.2 172.16.0.64/26 172.16.0.65
	tap_run "node c" overlay_node c 10.99.0.3 172.16.0.128/26 172.16.0.129
}

# overlay_containers: the client cli on a (172.16.0.2), x1 on b
# (172.16.0.66) and x2 on c (172.16.0.130).
overlay_containers() {
	topo_container a cli 172.16.0.2 26 172.16.0.1
	topo_container b x1 172.16.0.66 26 172.16.0.65
	topo_container c x2 172.16.0.130 26 172.16.0.129
}

# overlay_echo_servers [PORT...]: TCP echo on 7 and UDP echo on 9 in x1
# and x2 (tests/lib/netpeer.py); waits for them and for the caller's own
# TCP servers on PORT... there, a TAP failure for each that does not listen.
overlay_echo_servers() {
	local i p ok
	for i in 1 2; do
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
		ip netns exec "x$i" "$SEMNET_TOP/tests/lib/netpeer.py" udp-echo 9 &
	done
	for i in 1 2; do
		ok=1
		for p in "$@" 7; do [ -z "$p" ] || wait_port "x$i" "$p" || ok=0; done
		wait_port "x$i" 9 udp || ok=0
		[ "$ok" = 1 ] || tap_fail "servers in x$i listen"
	done
}
