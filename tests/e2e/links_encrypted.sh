#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An encrypted node link by hand (daemon/LINKS.md §1a, issue 18 stage 1):
# semnet0's GRE in UDP rides inside a WireGuard device, and each peer is
# bound to it (`semnet peer ... dev wg0`, SEMNET_A_PEER_IFINDEX):
#  - RR traffic through a ServiceIP between the nodes, payload cmp;
#  - a capture on the underlay holds WireGuard's UDP (port 51820) only, and
#    none of the payload's cleartext marker, which a capture on wg0 (the
#    control) does hold;
#  - a cleartext GRE-in-UDP packet that stranger x forges with a's link
#    address as its outer source, sent on the underlay to b (whose
#    rp_filter is loose), is accepted while b's peer for a is bound to no
#    device and dropped as peer-spoofed (exactly one, nothing received)
#    once it is bound to wg0; "dev none" unbinds it again;
#  - a device index beyond INT_MAX is refused by its range (errno 34);
#  - an ICMPv6 "packet too big" about b's tunnel packets to a's IPv6 link
#    address (fd55::1, b's peer for a moved there), forged by x on the
#    underlay (fd99::/64), lowers the path MTU to it while the peer is
#    unbound and not once it is bound to wg0, where a genuine one (sent by
#    a through wg0) still does;
#  - wg0 deleted and a veth to x given its index (ip link add ... index):
#    the binding is gone (peer show: dev gone), and the forged packet that
#    arrives on the new device with the old index is dropped as
#    peer-spoofed, not accepted;
#  - a VRF: ul9 enslaved to vrf-blue, where the stack reports the VRF as
#    the packet's device (and ul9 as its sdif): the peer bound to ul9
#    accepts a's packet arriving there, and a packet through another slave
#    of the VRF (ul8) is peer-spoofed (skipped without the vrf module).
#
#   cli 172.16.0.2 (172.30.1.10)                 x1 172.16.0.66 (172.30.1.1)
#    | br0 .1                                         br0 .65 |
#   [a] wg0 10.255.0.1/32 ===== WireGuard ===== 10.255.0.2/32 wg0 [b]
#   [a] ul0 10.99.0.1 ---- wire (bridge ul0) ---- 10.99.0.2 ul0 [b]
#                                  |
#                         x 10.99.0.9 (forges)
#   (test_too_big adds fd55::1 and fd55::2 on the wg0s, fd99::2 on b's ul0
#   and fd99::9 on x's)
#   [b] ul9 10.98.0.2 ---- veth, made at wg0's old index ---- 10.98.0.9 ul9x [x]
#   [b] ul8 10.97.0.2 ---- veth ---- 10.97.0.9 ul8x [x]  (VRF case: ul8, ul9
#                                          slaves of b's vrf-blue, table 10)
#
# Peers: a's for 172.16.0.64/26 is at 10.255.0.2 (routed into wg0), b's
# for 172.16.0.0/26 at 10.255.0.1. RR 172.30.0.1 -> x1.
# vm-timeout: 900
# vm-cost: 110
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq socat python3 tcpdump wg

RR=172.30.0.1
I_CLI=172.30.1.10 I_X1=172.30.1.1
NS_CLI=172.16.0.2 NS_X1=172.16.0.66
SUB_A=${OVERLAY_SUB4[a]} SUB_B=${OVERLAY_SUB4[b]}
UL_B=${OVERLAY_UL[b]} UL_X=${OVERLAY_UL[stranger]}
declare -A LINK=([a]=10.255.0.1 [b]=10.255.0.2) LINK6=([a]=fd55::1 [b]=fd55::2)
WG_PORT=51820
MARKER=semnet-links-cleartext-marker-5d1c
BULK=200000
LOGS=$(mktemp -d)
CRAFT=$SEMNET_TOP/tests/lib/craft.py

peer_field() {	# peer_field NODE SUBNET FIELD
	jq_in "$1" ".[] | select(.subnet == \"$2\") | .$3" -s peer show
}

# wg_node NODE OTHER: NODE's WireGuard device wg0 with its link address,
# OTHER as its one peer (allowed-ips OTHER's link address, endpoint its
# underlay address), and the route to OTHER's link address into it.
wg_node() {
	local n=$1 o=$2
	ip -n "$n" link add wg0 type wireguard &&
	ip netns exec "$n" wg set wg0 private-key "$LOGS/$n.key" listen-port "$WG_PORT" \
		peer "$(cat "$LOGS/$o.pub")" endpoint "${OVERLAY_UL[$o]}:$WG_PORT" \
		allowed-ips "${LINK[$o]}/32" &&
	ip -n "$n" addr add "${LINK[$n]}/32" dev wg0 &&
	ip -n "$n" link set wg0 up &&
	ip -n "$n" route add "${LINK[$o]}/32" dev wg0 src "${LINK[$n]}"
}

test_topology() {
	local n
	overlay_underlay
	tap_run "node a" overlay_abc_node a
	tap_run "node b" overlay_abc_node b
	for n in a b; do
		(umask 077 && wg genkey >"$LOGS/$n.key" && wg pubkey <"$LOGS/$n.key" >"$LOGS/$n.pub") ||
			tap_fail "WireGuard keys for $n"
	done
	tap_run "WireGuard device wg0 on a" wg_node a b
	tap_run "WireGuard device wg0 on b" wg_node b a
	tap_run "a reaches b's link address through wg0" \
		ip netns exec a ping -c 1 -W 5 "${LINK[b]}"
	topo_netns x &&
		ip -n wire link add ul-x type veth peer name ul0 netns x &&
		ip -n wire link set ul-x master ul0 up &&
		overlay_ul_addr x "$UL_X"
	tap_eq "stranger x on the wire" "$?" 0
	# Loose reverse-path filtering on b: a cleartext packet from a's link
	# address on ul0 gets through to semnet0's socket (strict would drop it,
	# the route back being wg0's).
	ip netns exec b sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.ul0.rp_filter=2
	# Peers at the link addresses, not yet bound to wg0.
	overlay_peer a "$SUB_B" "${LINK[b]}" && overlay_peer b "$SUB_A" "${LINK[a]}"
	tap_eq "peers at the link addresses" "$?" 0
	tap_eq "a peer bound to no device: dev null, ifindex 0" \
		"$(jq_in a '.[0] | "\(.dev) \(.ifindex)"' peer show)" "null 0"
}

test_instances() {
	topo_container a cli "$NS_CLI" 26 "${OVERLAY_GW4[a]}"
	topo_container b x1 "$NS_X1" 26 "${OVERLAY_GW4[b]}"
	ip netns exec a semnet service add "$RR" name b.ns.svc.ns &&
		ip netns exec a semnet instance add "$I_X1" service b.ns.svc.ns nsip "$NS_X1" \
			node "$UL_B" &&
		ip netns exec a semnet instance add "$I_CLI" service cli.ns.c.ns nsip "$NS_CLI" \
			dev cli &&
		ip netns exec b semnet instance add "$I_X1" service b.ns.svc.ns nsip "$NS_X1" dev x1
	tap_eq "service and instances" "$?" 0
	ip netns exec x1 socat -u TCP-LISTEN:5001,fork,reuseaddr SYSTEM:"cat >$LOGS/recv" &
	ip netns exec x1 socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
	{ wait_port x1 5001 && wait_port x1 7; } || tap_fail "servers in x1 listen"
	# A payload the capture can look for: the marker, then random bytes.
	{ for _ in $(seq 64); do printf '%s' "$MARKER"; done
	  head -c "$BULK" /dev/urandom; } >"$LOGS/payload"
}

# forge: from x, one cleartext GRE-in-UDP packet to b's tunnel port with
# a's link address as its outer source, key and inner source a's client
# nsIP, to x1: what a's own tunnel would carry, but not through wg0.
forge() {
	ip netns exec x "$CRAFT" gre "$UL_B" "$NS_CLI" "$NS_CLI" "$NS_X1" spoof="${LINK[a]}"
}

# peer_is NODE SUBNET JQ: JQ of NODE's peer for SUBNET (from peer show -j).
peer_is() {
	jq_in "$1" ".[] | select(.subnet == \"$2\") | $3" -s peer show
}

# b's peer for a's subnet: packets received, and b's peer-spoofed drops.
rx_a() { peer_field b "$SUB_A" rx_packets; }

test_forged_unbound() {
	local rx0 sp0
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	forge
	wait_for_counter 10 $((rx0 + 1)) rx_a
	tap_eq "unbound: b accepts a cleartext packet forged with a's link address" \
		"$(($(rx_a) - rx0))" 1
	tap_eq "unbound: no peer-spoofed drop on b" "$(($(drop_in b peer_spoofed) - sp0))" 0
}

test_bind() {
	ip netns exec a semnet peer change "$SUB_B" dev wg0 &&
		ip netns exec b semnet peer change "$SUB_A" dev wg0
	tap_eq "peers bound to wg0" "$?" 0
	tap_eq "peer show -j: dev and ifindex" \
		"$(jq_in a '.[0] | "\(.dev) \(.ifindex)"' peer show)" \
		"wg0 $(ip netns exec a cat /sys/class/net/wg0/ifindex)"
	tap_match "peer show: dev wg0" "$(ip netns exec b semnet peer show)" \
		"^$SUB_A +remote ${LINK[a]} .* dev wg0( |\$)"
	tap_eq "a change that leaves dev out keeps it" \
		"$(ip netns exec b semnet peer change "$SUB_A" port 4754 &&
			peer_field b "$SUB_A" dev)" wg0
	tap_fails "dev of a device that does not exist: refused" \
		ip netns exec b semnet peer change "$SUB_A" dev nosuch0
	tap_fails "peer set takes no dev (change does)" \
		ip netns exec b semnet peer set "$SUB_A" dev wg0
}

# pcap_kinds PCAP: its packets, "ARP", "ICMP6" (the veths' neighbour
# discovery and MLD), "UDP SPORT DPORT" or "OTHER PROTO", one line each
# (tests/lib/pcap.py; also of a device without a link-layer header, wg0).
pcap_kinds() {
	"$SEMNET_TOP/tests/lib/pcap.py" kinds "$1"
}

bulk() {
	rm -f "$LOGS/recv"
	ip netns exec cli socat -u -T60 "OPEN:$LOGS/payload" "TCP:$RR:5001" || return 1
	wait_for_output 20 "$(stat -c %s "$LOGS/payload")" stat -c %s "$LOGS/recv" 2>/dev/null
	cmp "$LOGS/payload" "$LOGS/recv"
}

test_traffic() {
	local tx0 kinds p
	CAPTURES=()
	tx0=$(peer_field a "$SUB_B" tx_packets)
	capture b ul0 underlay
	capture b wg0 wg
	sleep 1		# tcpdump has opened its socket once the file exists; be generous
	tap_run "RR through wg0: bulk TCP upload to x1, payload cmp" bulk
	tap_run "RR through wg0: 100 KB echoed byte for byte" \
		ip netns exec cli "$SEMNET_TOP/tests/lib/netpeer.py" tcp "$RR" 7 100000
	for p in "${CAPTURES[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	tap_run "a's peer for b counts what it sent" \
		test "$(peer_field a "$SUB_B" tx_packets)" -gt "$tx0"
	kinds=$(pcap_kinds "$LOGS/underlay.pcap" | sort | uniq -c)
	tap_note "underlay: $(echo "$kinds" | tr -s ' \n' ' ')"
	tap_run "underlay: WireGuard's UDP between the nodes" \
		grep -qE "UDP $WG_PORT $WG_PORT\$" <<<"$kinds"
	tap_eq "underlay: nothing but WireGuard's UDP, ARP and ICMPv6" \
		"$(grep -vcE "UDP $WG_PORT $WG_PORT\$| ARP\$| ICMP6\$" <<<"$kinds")" 0
	tap_eq "underlay: no cleartext marker" "$(grep -c -a "$MARKER" "$LOGS/underlay.pcap")" 0
	tap_run "control: wg0 (inside the tunnel) carries the marker in clear" \
		grep -q -a "$MARKER" "$LOGS/wg.pcap"
	tap_run "control: wg0 carries semnet's GRE in UDP (port 4754)" \
		grep -qE "UDP [0-9]+ 4754\$" <<<"$(pcap_kinds "$LOGS/wg.pcap")"
}

test_forged_bound() {
	local rx0 sp0
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	forge
	wait_for_counter 10 $((sp0 + 1)) drop_in b peer_spoofed
	tap_eq "bound to wg0: the forged cleartext packet is dropped as peer-spoofed" \
		"$(($(drop_in b peer_spoofed) - sp0))" 1
	tap_eq "bound to wg0: b received nothing from it" "$(($(rx_a) - rx0))" 0
	tap_run "bound to wg0: RR traffic still flows" \
		ip netns exec cli "$SEMNET_TOP/tests/lib/netpeer.py" tcp "$RR" 7 20000
}

test_unbind() {
	local rx0 sp0
	tap_run "dev none unbinds" ip netns exec b semnet peer change "$SUB_A" dev none
	tap_eq "unbound again: dev null" "$(peer_field b "$SUB_A" dev)" null
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	forge
	wait_for_counter 10 $((rx0 + 1)) rx_a
	tap_eq "unbound again: the forged packet is accepted" \
		"$(($(rx_a) - rx0)) $(($(drop_in b peer_spoofed) - sp0))" "1 0"
}

test_ifindex_range() {
	local out
	out=$(ip netns exec b "$SEMNET_TOP/tests/lib/genl.py" NEW_PEER \
		"PEER{SUBNET{ADDR:ip:${SUB_A%/*},LEN:u8:${SUB_A#*/}},IFINDEX:u32:2147483648}")
	tap_match "IFINDEX 2^31: refused as out of range, naming it" "$out" \
		"^errno 34 .*\\(range 0\\.\\.2147483647\\)\$"
	tap_eq "IFINDEX 2^31: the peer unchanged" "$(peer_field b "$SUB_A" dev)" null
}

# The path MTU b's routing holds for a's IPv6 link address ("none"
# without one).
pmtu_a() {
	ip -6 -n b route get "${LINK6[a]}" | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | grep . ||
		echo none
}

# too_big FROM_NS DST MTU: an ICMPv6 "packet too big" about a tunnel packet
# b sent to a's IPv6 link address (port 4754), sent from FROM_NS to DST.
too_big() {
	ip netns exec "$1" "$CRAFT" too-big "$2" "${LINK6[b]}" "${LINK6[a]}" "$3"
}

# link6: IPv6 link addresses on both wg0s, in each other's allowed-ips and
# routed into wg0; IPv6 on the wire for b and x; b's peer for a at a's.
link6() {
	local n o
	for n in a b; do
		o=$([ "$n" = a ] && echo b || echo a)
		ip netns exec "$n" wg set wg0 peer "$(cat "$LOGS/$o.pub")" \
			allowed-ips "${LINK[$o]}/32,${LINK6[$o]}/128" &&
			ip -n "$n" addr add "${LINK6[$n]}/128" dev wg0 nodad &&
			ip -n "$n" -6 route add "${LINK6[$o]}/128" dev wg0 || return 1
	done
	ip -n b addr add fd99::2/64 dev ul0 nodad &&
		ip -n x addr add fd99::9/64 dev ul0 nodad &&
		ip netns exec b semnet peer change "$SUB_A" remote "${LINK6[a]}"
}

# Over an IPv6 underlay (here a's IPv6 link address): on IPv4, the
# kernel's own udp_err() lowers the route's MTU for any UDP packet quoted
# in a "fragmentation needed", whatever semnet's socket says.
test_too_big() {
	tap_run "IPv6 link addresses on wg0; b's peer for a at a's" link6
	tap_eq "no path MTU for a's link address yet" "$(pmtu_a)" none
	too_big x fd99::2 1400
	wait_for_output 10 1400 pmtu_a
	tap_eq "unbound: a forged packet-too-big from the underlay lowers it (control)" \
		"$(pmtu_a)" 1400
	tap_run "bound to wg0 again" ip netns exec b semnet peer change "$SUB_A" dev wg0
	# The forged one first, then a genuine one through wg0: either order,
	# taking the forged one would leave 1300 (a larger MTU never raises it).
	too_big x fd99::2 1300
	too_big a "${LINK6[b]}" 1350
	wait_for_output 10 1350 pmtu_a
	tap_eq "bound: a forged packet-too-big from the underlay is ignored, one through wg0 taken" \
		"$(pmtu_a)" 1350
	tap_run "b's peer for a back at a's IPv4 link address" \
		ip netns exec b semnet peer change "$SUB_A" remote "${LINK[a]}"
}

# forge_ul9: the forged packet of forge(), from x into b's ul9.
forge_ul9() {
	ip netns exec x "$CRAFT" gre 10.98.0.2 "$NS_CLI" "$NS_CLI" "$NS_X1" spoof="${LINK[a]}"
}

test_index_reused() {
	local old rx0 sp0
	old=$(ip netns exec b cat /sys/class/net/wg0/ifindex)
	tap_run "wg0 deleted" ip -n b link del wg0
	tap_eq "peer show -j: the binding is gone (dev null, ifindex 0, dev_gone $old)" \
		"$(peer_is b "$SUB_A" '"\(.dev) \(.ifindex) \(.dev_gone)"')" "null 0 $old"
	tap_match "peer show: dev gone (ifindex $old)" "$(ip netns exec b semnet peer show)" \
		"^$SUB_A +remote ${LINK[a]} .* dev gone \\(ifindex $old\\)"
	ip -n b link add ul9 index "$old" type veth peer name ul9x netns x &&
		ip -n b addr add 10.98.0.2/24 dev ul9 && ip -n b link set ul9 up &&
		ip -n x addr add 10.98.0.9/24 dev ul9x && ip -n x link set ul9x up &&
		ip -n b route add "${LINK[a]}/32" dev ul9
	tap_eq "veth ul9 on b at wg0's old index $old" "$?" 0
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	forge_ul9
	wait_for_counter 10 $((sp0 + 1)) drop_in b peer_spoofed
	tap_eq "a forged packet on the device that took the index: peer-spoofed, not accepted" \
		"$(($(rx_a) - rx0)) $(($(drop_in b peer_spoofed) - sp0))" "0 1"
	tap_run "dev ul9 binds the peer again" ip netns exec b semnet peer change "$SUB_A" dev ul9
	tap_eq "bound to ul9: dev ul9, no dev_gone" \
		"$(peer_is b "$SUB_A" '"\(.dev) \(.dev_gone)"')" "ul9 null"
}

# vrf_setup: b's vrf-blue (table 10) with ul9 and a new veth ul8 to x as
# slaves, the route to a's link address through ul9 in its table, and
# semnet0's unbound UDP socket taking what arrives through the VRF.
vrf_setup() {
	ip -n b link add vrf-blue type vrf table 10 &&
		ip -n b link set vrf-blue up &&
		ip -n b link add ul8 type veth peer name ul8x netns x &&
		ip -n b link set ul9 master vrf-blue && ip -n b link set ul8 master vrf-blue &&
		ip -n b addr add 10.97.0.2/24 dev ul8 && ip -n b link set ul8 up &&
		ip -n x addr add 10.97.0.9/24 dev ul8x && ip -n x link set ul8x up &&
		ip -n b route add "${LINK[a]}/32" dev ul9 table 10 &&
		ip netns exec b sysctl -qw net.ipv4.udp_l3mdev_accept=1
}

test_vrf() {
	local rx0 sp0 why
	if ! why=$(ip -n b link add vrf-probe type vrf table 11 2>&1); then
		tap_skip "VRF: a's packet through the bound VRF slave is accepted" \
			"no VRF devices in this kernel (CONFIG_NET_VRF, vrf module): $why"
		tap_skip "VRF: one through another slave is peer-spoofed" "as above"
		return
	fi
	ip -n b link del vrf-probe
	vrf_setup
	tap_eq "vrf-blue on b, ul9 and ul8 its slaves" "$?" 0
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	forge_ul9
	wait_for_counter 10 $((rx0 + 1)) rx_a
	tap_eq "VRF: a's packet through the bound VRF slave is accepted" \
		"$(($(rx_a) - rx0)) $(($(drop_in b peer_spoofed) - sp0))" "1 0"
	rx0=$(rx_a) sp0=$(drop_in b peer_spoofed)
	ip netns exec x "$CRAFT" gre 10.97.0.2 "$NS_CLI" "$NS_CLI" "$NS_X1" spoof="${LINK[a]}"
	wait_for_counter 10 $((sp0 + 1)) drop_in b peer_spoofed
	tap_eq "VRF: one through another slave is peer-spoofed" \
		"$(($(rx_a) - rx0)) $(($(drop_in b peer_spoofed) - sp0))" "0 1"
}

tap_cases test_topology test_instances test_forged_unbound test_bind test_traffic \
	test_forged_bound test_unbind test_ifindex_range test_too_big test_index_reused test_vrf
tap_done
