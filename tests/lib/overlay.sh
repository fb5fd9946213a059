# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Multi-node topologies: semnet nodes (namespaces) on an underlay bridge,
# each with its container bridge, /26 and semnet0 tunnel. Source after
# tests/lib/topo.sh.

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
		subnet "$subnet" gateway "$gw" bridge br0 &&
	ip -n "$node" link add semnet0 type semnet &&
	ip -n "$node" link set semnet0 up &&
	ip -n "$node" route add "$PLATFORM" dev semnet0 src "$gw"
}

# overlay_peer NODE SUBNET UNDERLAY_IP: NODE sends SUBNET's packets to
# UNDERLAY_IP and accepts that peer's.
overlay_peer() {
	ip netns exec "$1" semnet peer add "$2" remote "$3"
}
