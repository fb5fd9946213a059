#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A direct node link by hand (daemon/LINKS.md §1b, issue 18 stage 1): two
# nodes on one segment route each other's subnets via the peer's underlay
# address, as semnetd will, and peer with `encap direct dev ul0`. Nothing
# is encapsulated; the hooks take the peer's bare packets as from the
# tunnel once their Ethernet source is the peer's neighbour entry:
#  - RR through a ServiceIP in both families: TCP payload cmp, UDP replies
#    from the ServiceIP, the instance's ICMP port unreachable back to the
#    client, with rp_filter=1 on every device of both nodes;
#  - a capture on the segment holds the inner packets bare (InstanceIP ->
#    nsIP) and no UDP to port 4754; semnet0 sends nothing, the peers count
#    both ways;
#  - y, a third namespace on the segment, sends packets from b's nsIP (IPv4
#    and IPv6) to a's client with its own MAC: each dropped and counted as
#    peer-spoofed on a, exactly; the same packets from b itself are taken.
#
#   cli 172.16.0.2 fc00::2 (172.30.1.10 fdff::10)   x1 172.16.0.66 fc00::102 (172.30.1.1 fdff::1)
#    | br0                                               br0 |
#   [a] ul0 10.99.0.1 2001:db8::1 --- wire --- 10.99.0.2 2001:db8::2 ul0 [b]
#                                      |
#                   y 10.99.0.9 2001:db8::9 (spoofs b's nsIPs)
#
# a: 172.16.0.64/26 via 10.99.0.2, fc00::100/120 via 2001:db8::2 (dev ul0);
# b: the same towards a. RR 172.30.0.1 and fdff:2000::1 -> x1.
# vm-timeout: 1200
# vm-cost: 140
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
SEMNET_FAMILY=6		# dual-stack nodes and containers (tests/lib/overlay.sh)
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq socat python3 tcpdump

RR4=172.30.0.1 RR6=fdff:2000::1
I_CLI4=172.30.1.10 I_X14=172.30.1.1 I_CLI6=fdff::10 I_X16=fdff::1
NS_CLI4=172.16.0.2 NS_X14=172.16.0.66 NS_CLI6=fc00::2 NS_X16=fc00::102
declare -A UL4=([a]=10.99.0.1 [b]=10.99.0.2 [y]=10.99.0.9)
declare -A UL6=([a]=2001:db8::1 [b]=2001:db8::2 [y]=2001:db8::9)
LOGS=$(mktemp -d)
PEER=$SEMNET_TOP/tests/lib/netpeer.py
BULK=300000

peer_field() {	# peer_field NODE SUBNET FIELD
	jq_in "$1" ".[] | select(.subnet == \"$2\") | .$3" -s peer show
}

# direct NODE OTHER: NODE routes OTHER's subnets via OTHER's underlay
# addresses and peers with it directly, both families.
direct() {
	local n=$1 o=$2
	ip -n "$n" addr add "${UL6[$n]}/64" dev ul0 nodad &&
	ip -n "$n" route add "${OVERLAY_SUB4[$o]}" via "${UL4[$o]}" dev ul0 &&
	ip -n "$n" -6 route add "${OVERLAY_SUB6[$o]}" via "${UL6[$o]}" dev ul0 &&
	ip netns exec "$n" semnet peer add "${OVERLAY_SUB4[$o]}" remote "${UL4[$o]}" \
		encap direct dev ul0 &&
	ip netns exec "$n" semnet peer add "${OVERLAY_SUB6[$o]}" remote "${UL6[$o]}" \
		encap direct dev ul0
}

# warm NODE OTHER: NODE's neighbour entries for OTHER's underlay addresses,
# as semnetd's probes keep them (what the Ethernet check compares with).
warm() {
	ip netns exec "$1" ping -c 1 -W 5 "${UL4[$2]}" >/dev/null &&
	ip netns exec "$1" ping -6 -c 1 -W 5 "${UL6[$2]}" >/dev/null
}

test_topology() {
	overlay_underlay
	tap_run "node a" overlay_abc_node a
	tap_run "node b" overlay_abc_node b
	tap_fails "a direct peer needs its device" \
		ip netns exec a semnet peer add "${OVERLAY_SUB4[b]}" remote "${UL4[b]}" encap direct
	tap_run "a: direct routes and peers towards b" direct a b
	tap_run "b: direct routes and peers towards a" direct b a
	tap_run "neighbour entries warm, both ways" eval "warm a b && warm b a"
	tap_eq "peer show -j: direct, dev ul0" \
		"$(jq_in a '.[] | select(.subnet == "'"${OVERLAY_SUB4[b]}"'") |
			"\(.encap) \(.dev) \(.port)"' peer show)" "direct ul0 4754"
	tap_match "peer show: encap direct dev ul0" "$(ip netns exec a semnet peer show)" \
		"^${OVERLAY_SUB6[b]} +remote ${UL6[b]} .*encap direct .*dev ul0"
	topo_netns y &&
		ip -n wire link add ul-y type veth peer name ul0 netns y &&
		ip -n wire link set ul-y master ul0 up &&
		ip -n y addr add "${UL4[y]}/24" dev ul0 &&
		ip -n y addr add "${UL6[y]}/64" dev ul0 nodad &&
		ip -n y link set ul0 up &&
		ip -n y route add "${OVERLAY_SUB4[a]}" via "${UL4[a]}" &&
		ip -n y -6 route add "${OVERLAY_SUB6[a]}" via "${UL6[a]}"
	tap_eq "y on the segment, routing a's subnets to a" "$?" 0
}

test_instances() {
	local n
	topo_container a cli "$NS_CLI4" 26 "${OVERLAY_GW4[a]}" &&
	topo_container6 a cli "$NS_CLI6" 120 "${OVERLAY_GW6[a]}" &&
	topo_container b x1 "$NS_X14" 26 "${OVERLAY_GW4[b]}" &&
	topo_container6 b x1 "$NS_X16" 120 "${OVERLAY_GW6[b]}"
	tap_eq "containers cli on a, x1 on b (dual stack)" "$?" 0
	ip netns exec a semnet service add "$RR4" name b4.ns.svc.ns &&
	ip netns exec a semnet service add "$RR6" name b6.ns.svc.ns &&
	ip netns exec a semnet instance add "$I_X14" service b4.ns.svc.ns nsip "$NS_X14" \
		node "${UL4[b]}" &&
	ip netns exec a semnet instance add "$I_X16" service b6.ns.svc.ns nsip "$NS_X16" &&
	ip netns exec a semnet instance add "$I_CLI4" service cli4.ns.c.ns nsip "$NS_CLI4" dev cli &&
	ip netns exec a semnet instance add "$I_CLI6" service cli6.ns.c.ns nsip "$NS_CLI6" dev cli &&
	ip netns exec b semnet instance add "$I_X14" service b4.ns.svc.ns nsip "$NS_X14" dev x1 &&
	ip netns exec b semnet instance add "$I_X16" service b6.ns.svc.ns nsip "$NS_X16" dev x1 &&
	# A direct link has no GRE key to learn the client's nsIP from: b must
	# know the client's InstanceIPs (semnetd resolves them on the miss).
	ip netns exec b semnet instance add "$I_CLI4" service cli4.ns.c.ns nsip "$NS_CLI4" \
		node "${UL4[a]}" &&
	ip netns exec b semnet instance add "$I_CLI6" service cli6.ns.c.ns nsip "$NS_CLI6"
	tap_eq "services and instances" "$?" 0
	for n in a b; do
		# shellcheck disable=SC2016 # expanded by that shell
		ip netns exec "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do
			echo 1 >"$f"; done'
	done
	tap_eq "rp_filter=1 on every device of a and b" \
		"$(for n in a b; do ip netns exec "$n" sh -c \
			'cat /proc/sys/net/ipv4/conf/*/rp_filter'; done | sort -u)" 1
	# Servers in x1 on [::], IPv4 too: a bulk sink, TCP and UDP echo.
	ip netns exec x1 socat -u TCP6-LISTEN:5001,fork,reuseaddr SYSTEM:"cat >$LOGS/recv" &
	ip netns exec x1 socat -t 10 TCP6-LISTEN:7,fork,reuseaddr EXEC:cat &
	ip netns exec x1 "$PEER" udp-echo 9 &
	{ wait_port x1 5001 && wait_port x1 7 && wait_port x1 9 udp; } ||
		tap_fail "servers in x1 listen"
	head -c "$BULK" /dev/urandom >"$LOGS/payload"
}

# bulk TO: cli uploads the payload to x1 at socat address TO; compares it.
bulk() {
	rm -f "$LOGS/recv"
	ip netns exec cli socat -u -T60 "OPEN:$LOGS/payload" "$1" || return 1
	wait_for_output 20 "$BULK" stat -c %s "$LOGS/recv" 2>/dev/null
	cmp "$LOGS/payload" "$LOGS/recv"
}

tx_dev() {	# tx_dev NODE DEV: packets DEV has sent
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

# pcap_ip PCAP: its packets, "IP4 SRC DST PROTO [DPORT]" or "IP6 SRC DST
# NH [DPORT]", UDP's destination port given (tests/lib/pcap.py).
pcap_ip() {
	"$SEMNET_TOP/tests/lib/pcap.py" ip "$1"
}

test_traffic() {
	local cap tx0 s0 rx0 ip n d
	tx0=$(peer_field a "${OVERLAY_SUB4[b]}" tx_bytes)
	rx0=$(peer_field a "${OVERLAY_SUB4[b]}" rx_bytes)
	s0=$(tx_dev a semnet0)
	ip netns exec b tcpdump -i ul0 -n -U -s 128 -w "$LOGS/ul.pcap" >/dev/null 2>&1 &
	cap=$!
	wait_for_file 5 "$LOGS/ul.pcap"
	sleep 1
	tap_run "IPv4 RR: bulk TCP to x1, payload cmp" bulk "TCP:$RR4:5001"
	tap_run "IPv6 RR: bulk TCP to x1, payload cmp" bulk "TCP6:[$RR6]:5001"
	tap_run "IPv4 RR: 100 KB echoed byte for byte" ip netns exec cli "$PEER" tcp "$RR4" 7 100000
	tap_run "IPv6 RR: 100 KB echoed byte for byte" ip netns exec cli "$PEER" tcp "$RR6" 7 100000
	tap_run "IPv4 RR: UDP replies come from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR4" 9 1000
	tap_run "IPv6 RR: UDP replies come from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR6" 9 1000
	# No GRE key to learn a's client from: b starts a flow for it from its
	# instance table (`node`), which x1's port unreachable then finds.
	tap_run "IPv4 RR: x1's ICMP port unreachable reaches the client" \
		ip netns exec cli "$PEER" udp-refused "$RR4" 9999
	tap_run "IPv6 RR: x1's ICMPv6 port unreachable reaches the client" \
		ip netns exec cli "$PEER" udp-refused "$RR6" 9999
	kill "$cap" 2>/dev/null
	wait "$cap" 2>/dev/null
	ip=$(pcap_ip "$LOGS/ul.pcap")
	tap_note "segment: $(wc -l <<<"$ip") IP packets"
	tap_eq "segment: no UDP to port 4754 (nothing encapsulated)" \
		"$(grep -c ' 17 4754$' <<<"$ip")" 0
	tap_run "segment: IPv4 InstanceIP -> nsIP bare" \
		grep -q "^IP4 $I_CLI4 $NS_X14 6\$" <<<"$ip"
	tap_run "segment: IPv6 InstanceIP -> nsIP bare" \
		grep -q "^IP6 $I_CLI6 $NS_X16 6\$" <<<"$ip"
	tap_run "segment: replies from b's InstanceIP to the client's nsIP" \
		grep -q "^IP4 $I_X14 $NS_CLI4 6\$" <<<"$ip"
	tap_eq "semnet0 on a sent nothing" "$(($(tx_dev a semnet0) - s0))" 0
	# Bytes, not packets: GRO and TSO decide how many packets carry them.
	tap_run "a's direct peer b counts the IPv4 upload and echo a sent it (at POST_ROUTING)" \
		test "$(peer_field a "${OVERLAY_SUB4[b]}" tx_bytes)" -gt $((tx0 + BULK + 100000))
	tap_run "a's direct peer b counts the IPv4 echo a received from it" \
		test "$(peer_field a "${OVERLAY_SUB4[b]}" rx_bytes)" -gt $((rx0 + 100000))
	for n in a b; do
		d=$(jq_in "$n" '[.drops[]] | add' stats)
		tap_eq "no drops on $n" "$d" 0
		[ "$d" = 0 ] || tap_note "$n: drops $(ip netns exec "$n" semnet -j stats |
				jq -c '.drops | with_entries(select(.value > 0))')," \
				"neighbours $(ip -n "$n" neigh show dev ul0 | tr '\n' ';')"
	done
}

rx_b() {	# a's peer for b's subnet of family $1: packets received
	if [ "$1" = 6 ]; then peer_field a "${OVERLAY_SUB6[b]}" rx_packets
	else peer_field a "${OVERLAY_SUB4[b]}" rx_packets; fi
}

# spoof FAMILY SRC DST: y sends SRC -> DST with its own MAC: a drops it as
# peer-spoofed, once; b sends the same: a takes it.
spoof() {
	local f=$1 sp0 rx0
	sp0=$(drop_in a peer_spoofed) rx0=$(rx_b "$f")
	tap_run "IPv$f: y sends from b's nsIP $2" send_from y "$2" "$3"
	wait_for_counter 10 $((sp0 + 1)) drop_in a peer_spoofed
	tap_eq "IPv$f: y's packet with b's nsIP and y's MAC: peer-spoofed +1 on a, nothing received" \
		"$(($(drop_in a peer_spoofed) - sp0)) $(($(rx_b "$f") - rx0))" "1 0"
	sp0=$(drop_in a peer_spoofed) rx0=$(rx_b "$f")
	tap_run "IPv$f: b sends the same" send_from b "$2" "$3"
	wait_for_counter 10 $((rx0 + 1)) rx_b "$f"
	tap_eq "IPv$f: from b's MAC it is taken: received +1, no drop" \
		"$(($(drop_in a peer_spoofed) - sp0)) $(($(rx_b "$f") - rx0))" "0 1"
}

test_spoof() {
	spoof 4 "$NS_X14" "$NS_CLI4"
	spoof 6 "$NS_X16" "$NS_CLI6"
}

# A cold neighbour entry: b has none for a's IPv6 underlay address. a's
# first packet is dropped (nothing proves it), b resolves a's address, and
# the next one is taken.
test_cold() {
	local sp0 rx0
	rx_a6() { peer_field b "${OVERLAY_SUB6[a]}" rx_packets; }
	ip -n b -6 neigh del "${UL6[a]}" dev ul0
	sp0=$(drop_in b peer_spoofed) rx0=$(rx_a6)
	send_from a "$NS_CLI6" "$NS_X16"
	wait_for_counter 10 $((sp0 + 1)) drop_in b peer_spoofed
	tap_eq "cold: the first packet is dropped as peer-spoofed, nothing received" \
		"$(($(drop_in b peer_spoofed) - sp0)) $(($(rx_a6) - rx0))" "1 0"
	tap_wait "cold: b resolves a's address" 10 \
		eval "ip -n b -6 neigh show ${UL6[a]} dev ul0 | grep -q lladdr"
	send_from a "$NS_CLI6" "$NS_X16"
	wait_for_counter 10 $((rx0 + 1)) rx_a6
	tap_eq "cold: the next packet is taken" \
		"$(($(drop_in b peer_spoofed) - sp0)) $(($(rx_a6) - rx0))" "1 1"
}

tap_cases test_topology test_instances test_traffic test_spoof test_cold
rm -rf "$LOGS"
tap_done
