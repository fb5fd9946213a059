#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Anti-spoofing on a routed node (issue 15, item 1): no bridge, each
# container's host-side veth is its port. A container sends as its
# neighbour, as the gateway, from an address of the subnet nobody owns and
# from a foreign address; a veth that is no instance's port sends as the
# address routed to it (allowed: its instance may not be known yet) and as
# others of the subnet, the one routed to another such veth among them (the
# reverse path is strict: the route's device, not just a route); a port's
# device goes away and comes back with a new ifindex; the node switches to
# bridged and back under all this.
# Every forged packet is dropped and counted spoofed-source, exactly;
# normal traffic keeps working; the node reaches its own gateway address.
#
#   container a (netns ca)  container b (netns cb)  rogue (netns cr)    bystander (cx)
#   eth0 172.16.0.2         eth0 172.16.0.3         eth0 172.16.0.9     eth0 172.16.0.10
#   InstanceIP 172.30.1.1   InstanceIP 172.30.1.2   (no instance, then  (no instance)
#       |  veth "ca"            |  veth "cb"          172.30.1.9)           |  veth "cx"
#       |  proxy_arp, /32       |                       |  veth "cr"        |
#   node n: gw0 172.16.0.1/32 (the gateway), routes 172.16.0.x/32 per veth
#           RR address 172.30.0.1 -> b
#
# The containers send with `ping -I ADDR` after adding ADDR to their eth0,
# to neighbours they reach through static neighbour entries (no ARP).
# Knob: ROUTED_REPEAT (default 3), echo requests per forged source.
# vm-timeout: 600
# vm-smp: 1
# check-tier: ci
# vm-cost: 231
# shellcheck disable=SC2317 # the cases run from a list or through tap_run
export SEMNET_NODE_MODE=routed
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"
# shellcheck source=tests/lib/spoof.sh
. "$SEMNET_TOP/tests/lib/spoof.sh"

REPEAT=${ROUTED_REPEAT:-3}
RR=172.30.0.1
GW=172.16.0.1
A_IP=172.16.0.2
B_IP=172.16.0.3
R_IP=172.16.0.9
X_IP=172.16.0.10
LOGS=$(mktemp -d)
SENT=0		# forged packets sent, all cases (expect_spoofed counts them)

# static_neigh NS PORT ADDR...: NS reaches each ADDR at the MAC of its
# port PORT in n, without ARP.
static_neigh() {
	local ns=$1 mac addr
	mac=$(mac_of n "$2")
	shift 2
	for addr in "$@"; do
		ip -n "$ns" neigh replace "$addr" lladdr "$mac" dev eth0 nud permanent
	done
}
# forge NS SRC DST: NS sends REPEAT echo requests SRC -> DST, which must
# get no reply (run through tap_run, in a subshell).
forge() {
	local ns=$1 src=$2 dst=$3 ret
	ip -n "$ns" addr add "$src/32" dev eth0 noprefixroute
	ip netns exec "$ns" ping -c "$REPEAT" -i 0.2 -W 1 -I "$src" "$dst" >/dev/null 2>&1
	ret=$?
	ip -n "$ns" addr del "$src/32" dev eth0
	[ "$ret" != 0 ]
}
# expect_spoofed WHAT WANT_DELTA BEFORE: SPOOFED reached BEFORE +
# WANT_DELTA, the packets forged since BEFORE (added to SENT).
expect_spoofed() {
	SENT=$((SENT + $2))
	wait_drops SPOOFED $(($3 + $2))
	tap_eq "$1: $2 counted spoofed-source" "$((SPOOFED - $3))" "$2"
}

# ------------------------------------------------------------ topology
spoof_topology "cr:$R_IP" "cx:$X_IP"
tap_eq "node show: mode routed, no bridge" \
	"$(sn -j node show | jq -r '"\(.mode) \(.bridge // "none")"')" "routed none"
static_neigh ca ca "$GW" "$B_IP"
static_neigh cr cr "$GW" "$B_IP"
drops_now
SPOOF0=$SPOOFED

# --------------------------------------------------------------- cases
case_traffic() {
	tap_run "$1: a pings b (proxy ARP for the neighbour)" \
		ip netns exec ca ping -c 1 -W 2 "$B_IP"
	tap_run "$1: a pings the gateway" ip netns exec ca ping -c 1 -W 2 "$GW"
	tap_run "$1: b pings a" ip netns exec cb ping -c 1 -W 2 "$A_IP"
	tap_eq "$1: TCP from a through the RR address to b echoes" \
		"$(echo semnet-routed | ip netns exec ca socat -T10 -t10 - "TCP:$RR:7")" \
		semnet-routed
}

# a sends as b, as the gateway, as an unowned address of the subnet and
# as a foreign address: dropped at its port.
case_port() {
	local before
	drops_now
	before=$SPOOFED
	tap_run "a as b's nsIP gets no answer" forge ca "$B_IP" "$GW"
	tap_run "a as the gateway gets no answer" forge ca "$GW" "$B_IP"
	tap_run "a as an unowned address of the subnet gets no answer" \
		forge ca 172.16.0.50 "$B_IP"
	tap_run "a as a foreign address gets no answer" forge ca 10.9.9.9 "$B_IP"
	expect_spoofed "forged sources from a port" $((4 * REPEAT)) "$before"
}

# cr's veth is no instance's port (its container's instance is not known
# yet): it sends as the address the node routes to it, and as nothing
# else of the subnet; not as the address routed to cx either, another
# veth that is no port (a route to the address is not enough: it must go
# out the device the packet came in on).
case_no_port() {
	local before
	drops_now
	before=$SPOOFED
	tap_run "a veth that is no port reaches the gateway as the address routed to it" \
		ip netns exec cr ping -c 1 -W 2 "$GW"
	tap_run "a veth that is no port, as b, gets no answer" forge cr "$B_IP" "$GW"
	tap_run "a veth that is no port, as an address routed nowhere, gets no answer" \
		forge cr 172.16.0.50 "$GW"
	tap_match "the node routes cx's address to cx" "$(ip -n n route get "$X_IP")" " dev cx "
	tap_run "a veth that is no port, as the address routed to another one, gets no answer" \
		forge cr "$X_IP" "$GW"
	expect_spoofed "a veth that is no port" $((3 * REPEAT)) "$before"
	tap_run "an instance names cr its port" \
		sn instance add 172.30.1.9 service rogue.ns.r.ns nsip "$R_IP" dev cr
	tap_run "the rogue pings the gateway" ip netns exec cr ping -c 1 -W 2 "$GW"
	drops_now
	before=$SPOOFED
	tap_run "and still not as b" forge cr "$B_IP" "$GW"
	expect_spoofed "the new port as b" "$REPEAT" "$before"
}

# The port's device goes and comes back with another ifindex: it is no
# port until the instance names it again.
case_port_gone() {
	local before old new
	old=$(ip -n n -o link show cr | cut -d: -f1)
	ip -n n link del cr
	ip -n n link add cr type veth peer name eth0 netns cr
	ip netns exec n sysctl -qw net.ipv4.conf.cr.proxy_arp=1
	ip -n n link set cr up
	ip -n n route replace "$R_IP/32" dev cr
	ip -n cr addr add "$R_IP/26" dev eth0
	ip -n cr link set eth0 up
	ip -n cr route add default via "$GW"
	static_neigh cr cr "$GW" "$B_IP"
	new=$(ip -n n -o link show cr | cut -d: -f1)
	tap_note "cr's veth: ifindex $old, then $new"
	drops_now
	before=$SPOOFED
	tap_run "a new device with the port's name is no port" forge cr "$R_IP" "$GW"
	expect_spoofed "the gone port's successor" "$REPEAT" "$before"
	tap_run "instance change names it" sn instance change 172.30.1.9 dev cr
	tap_run "then the rogue pings the gateway" ip netns exec cr ping -c 1 -W 2 "$GW"
}

# Bridged and back on the live node; the mode's rules each way.
case_mode_switch() {
	local before out
	out=$(sn node change mode bridged 2>&1)
	tap_match "bridged without a bridge is refused" "$out" "a bridged node needs a bridge"
	out=$(sn node change bridge lo 2>&1)
	tap_match "a bridge on a routed node is refused" "$out" "a routed node has no bridge"
	ip -n n link add br0 type bridge
	tap_run "node change mode bridged bridge br0" sn node change mode bridged bridge br0
	tap_eq "node show: bridged, br0" \
		"$(sn -j node show | jq -r '"\(.mode) \(.bridge)"')" "bridged br0"
	tap_run "node change mode routed" sn node change mode routed
	tap_eq "node show: routed, the bridge dropped" \
		"$(sn -j node show | jq -r '"\(.mode) \(.bridge // "none")"')" "routed none"
	ip -n n link del br0
	drops_now
	before=$SPOOFED
	tap_run "routed again: a as b's nsIP gets no answer" forge ca "$B_IP" "$GW"
	expect_spoofed "routed again" "$REPEAT" "$before"
}

# The node's own packets to its gateway address come in on lo.
case_loopback() {
	local before
	drops_now
	before=$SPOOFED
	tap_run "the node pings its gateway address" "${N[@]}" ping -c 2 -i 0.2 -W 2 "$GW"
	drops_now
	tap_eq "and nothing is dropped" "$SPOOFED" "$before"
}

case_traffic "before"
case_port
case_no_port
case_port_gone
case_mode_switch
case_loopback
case_traffic "after the attacks"

drops_now
spoofed=$((SPOOFED - SPOOF0))
tap_eq "drops: spoofed-source = forged packets sent" "$spoofed" "$SENT"
tap_eq "no drops for malformed packets or lack of memory" "$BAD" 0
tap_note "forged packets sent: $SENT (each source $REPEAT times), spoofed-source drops: $spoofed"
rm -rf "$LOGS"
tap_done
