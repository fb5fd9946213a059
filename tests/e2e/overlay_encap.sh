#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnet0's encapsulations and offloads, three nodes on an underlay bridge:
#  - GRE in UDP between a and b: a bulk TCP transfer through a ServiceIP
#    with the underlay's UDP-tunnel segmentation on (GSO packets cross the
#    veth whole) and off (a segments in software, b merges the segments
#    again in receive GRO before decapsulating: the peer's receive counter
#    sees fewer, larger packets than went over the wire);
#  - ipudp (Oakestra's bare IPv4 in UDP, port 50103) between a and c: TCP
#    and UDP through a ServiceIP, the wire carries bare IPv4 after the UDP
#    header, spoofed inner sources and non-ipudp senders are dropped and
#    counted.
# SEMNET_FAMILY=6 (default 4): the same over IPv6 (second line below):
# dual-stack nodes and containers (tests/lib/overlay.sh), peers for both
# families, the traffic to the IPv6 addresses; ipudp then carries bare
# IPv6 after the UDP header. The underlay stays IPv4.
#
#   cli 172.16.0.2 (172.30.1.10)   x1 172.16.0.66 (172.30.1.1)   x2 172.16.0.130 (172.30.1.2)
#       fc00::2 (fdff::10)             fc00::102 (fdff::1)           fc00::202 (fdff::2)
#        |                              |                             |
#   node a ul0 10.99.0.1 --gre-udp-- node b ul0 10.99.0.2           |
#        \------------------ipudp---------------------- node c ul0 10.99.0.3
#   (all three on netns wire's bridge ul0; RR_B 172.30.0.1 (fdff:2000::1)
#    -> x1, RR_C 172.30.0.2 (fdff:2000::2) -> x2)
# vm-timeout: 900
# vm-cost: 21
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq socat python3 tcpdump ethtool
tap_note "family=$SEMNET_FAMILY underlay=$SEMNET_UNDERLAY"

# What the cases use, by family: RR_B (instance x1 on b, GRE in UDP) and
# RR_C (x2 on c, ipudp), InstanceIPs and nsIPs, an nsIP of a's subnet
# nobody uses, node a's and c's subnets, socat's TCP form, ping, the inner
# IP header's size, and the start of the inner packet on the ipudp wire
# (its version, then the client's InstanceIP as source and x2's nsIP as
# destination, in hex).
case $SEMNET_FAMILY in
4)
	RR_B=172.30.0.1 RR_C=172.30.0.2
	I_CLI=172.30.1.10 I_X1=172.30.1.1 I_X2=172.30.1.2
	NS_CLI=172.16.0.2 NS_X1=172.16.0.66 NS_X2=172.16.0.130 NS_A3=172.16.0.3
	SUB_A=${OVERLAY_SUB4[a]} SUB_C=${OVERLAY_SUB4[c]}
	TCP=TCP L='' R='' PING=(ping) IP_HDR=20
	WIRE_INNER="45[0-9a-f]{22}ac1e010aac100082"
	;;
6)
	RR_B=fdff:2000::1 RR_C=fdff:2000::2
	I_CLI=fdff::10 I_X1=fdff::1 I_X2=fdff::2
	NS_CLI=fc00::2 NS_X1=fc00::102 NS_X2=fc00::202 NS_A3=fc00::3
	SUB_A=${OVERLAY_SUB6[a]} SUB_C=${OVERLAY_SUB6[c]}
	TCP=TCP6 L='[' R=']' PING=(ping -6) IP_HDR=40
	WIRE_INNER="6[0-9a-f]{15}fdff0{26}10fc000{25}202"
	;;
esac
UL_A=${OVERLAY_UL[a]} UL_B=${OVERLAY_UL[b]} UL_C=${OVERLAY_UL[c]}
# How `semnet instance add` names a node: by its IPv4 underlay address.
AT_A=() AT_B=() AT_C=()
[ -z "$OVERLAY_AT" ] || AT_A=(node "$UL_A") AT_B=(node "$UL_B") AT_C=(node "$UL_C")
PEER=$SEMNET_TOP/tests/lib/netpeer.py
LOGS=$(mktemp -d)
C=(ip netns exec cli)
BULK=700000		# bytes; over 490 full-size segments at MTU 1464
# A full-size TCP segment's payload through semnet0 (TCP timestamps on).
SEG=$((OVERLAY_TUN_MTU - IP_HDR - 20 - 12))

tcp_to() {	# tcp_to ADDR PORT: socat's address of ADDR:PORT over TCP
	echo "$TCP:$L$1$R:$2"
}

peer_rx() {	# peer_rx NODE SUBNET FIELD
	jq_in "$1" ".[] | select(.subnet == \"$2\") | .$3" -s peer show
}

# ipudp_send NODE ADDR SRC DST: from NODE, one ipudp packet (SRC -> DST,
# tests/lib/netpeer.py's gre-send inner packet) to ADDR:50103, as a peer
# speaking Oakestra's format would.
ipudp_send() {
	ip netns exec "$1" "$PEER" ipudp-send "$2" 50103 "$3" "$4" >/dev/null
}

# udp_payloads PCAP: "DPORT HEX" of the first 40 payload bytes of each UDP
# packet (in IPv4 or IPv6) in PCAP. (A few lines of Python: tshark takes
# minutes to start on the debug kernel.)
udp_payloads() {
	python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 24
while off + 16 <= len(data):
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    ip = pkt[14:]
    if len(ip) >= 40 and ip[0] >> 4 == 6 and ip[6] == 17:
        udp = ip[40:]
    elif len(ip) >= 20 and ip[0] >> 4 == 4 and ip[9] == 17:
        udp = ip[(ip[0] & 15) * 4:]
    else:
        continue
    print(struct.unpack_from("!H", udp, 2)[0], udp[8:48].hex())
EOF
}

test_topology() {
	overlay_abc
	overlay_peer_node a b && overlay_peer_node b a &&
		overlay_peer_node a c encap ipudp && overlay_peer_node c a encap ipudp
	tap_eq "peers configured: a-b gre-udp, a-c ipudp" "$?" 0
	tap_eq "an ipudp peer gets port 50103 by default" \
		"$(jq_in a '.[] | select(.subnet == "'"$SUB_C"'") | "\(.encap) \(.port)"' peer show)" \
		"ipudp 50103"
}

test_instances() {
	overlay_containers
	ip netns exec a semnet service add "$RR_B" name b.ns.svc.ns
	ip netns exec a semnet service add "$RR_C" name c.ns.svc.ns
	ip netns exec a semnet instance add "$I_X1" service b.ns.svc.ns nsip "$NS_X1" "${AT_B[@]}"
	ip netns exec a semnet instance add "$I_X2" service c.ns.svc.ns nsip "$NS_X2" "${AT_C[@]}"
	ip netns exec a semnet instance add "$I_CLI" service cli.ns.c.ns nsip "$NS_CLI" dev cli
	ip netns exec b semnet instance add "$I_X1" service b.ns.svc.ns nsip "$NS_X1" dev x1
	ip netns exec c semnet instance add "$I_X2" service c.ns.svc.ns nsip "$NS_X2" dev x2
	# ipudp has no GRE key to learn the client's nsIP from: c must know the
	# client's InstanceIP (semnetd resolves it on the table miss, as Oakestra's
	# NetManager does).
	ip netns exec c semnet instance add "$I_CLI" service cli.ns.c.ns nsip "$NS_CLI" "${AT_A[@]}"

	ip netns exec x1 socat -u "$OVERLAY_LISTEN:5001,fork,reuseaddr" SYSTEM:"cat >$LOGS/recv" &
	overlay_echo_servers ""
	wait_port x1 5001 || tap_fail "bulk sink in x1 listens"
	head -c "$BULK" /dev/urandom >"$LOGS/payload"
}

# bulk MODE: CLI uploads the payload to x1 through RR_B; compares it.
bulk() {
	rm -f "$LOGS/recv"
	"${C[@]}" socat -u -T60 "OPEN:$LOGS/payload" "$(tcp_to "$RR_B" 5001)" || return 1
	wait_for_output 10 "$BULK" stat -c %s "$LOGS/recv" 2>/dev/null
	cmp "$LOGS/payload" "$LOGS/recv"
}

# GRE in UDP with the underlay's UDP-tunnel segmentation (GSO) on.
test_gso() {
	ip netns exec a ethtool -K ul0 tx-udp_tnl-segmentation on >/dev/null
	tap_run "bulk TCP a->b, underlay UDP-tunnel segmentation on: payload intact" bulk
}

# a segments in software; the wire side of b's veth does not (so b's veth
# takes the NAPI path) and b's veth runs GRO, which hands the tunnel
# packets to semnet0's socket's gro_receive.
test_gro() {
	local rx0 rxb0 rx rxb wire
	ip netns exec a ethtool -K ul0 tx-udp_tnl-segmentation off >/dev/null
	ip netns exec wire ethtool -K ul-b tso off >/dev/null
	ip netns exec b ethtool -K ul0 gro on >/dev/null
	rx0=$(peer_rx b "$SUB_A" rx_packets)
	rxb0=$(peer_rx b "$SUB_A" rx_bytes)
	tap_run "bulk TCP a->b, segmentation off: payload intact" bulk
	rx=$(($(peer_rx b "$SUB_A" rx_packets) - rx0))
	rxb=$(($(peer_rx b "$SUB_A" rx_bytes) - rxb0))
	wire=$((BULK / SEG))
	echo "# b received $rxb bytes from a in $rx packets after GRO ($wire+ segments on the wire)"
	# Without GRO b would decapsulate every segment, none over the MTU.
	tap_run "GRO: b decapsulates at most 3/4 as many packets as a sent segments" \
		test $((rx * 4)) -le $((wire * 3))
	tap_run "GRO: the packets b decapsulates average over the MTU ($OVERLAY_TUN_MTU)" \
		test "$rxb" -gt $((rx * OVERLAY_TUN_MTU))
	tap_run "echo through the tunnel with GRO: 200 KB byte for byte" \
		"${C[@]}" "$PEER" tcp "$RR_B" 7 200000
	tap_eq "no malformed, bad-encap or spoofed drops on b" \
		"$(jq_in b '.drops.malformed + .drops.bad_encap + .drops.peer_spoofed' stats)" 0
}

test_ipudp() {
	local capture payloads
	ip netns exec c tcpdump -i ul0 -n -U -c 4 -w "$LOGS/ipudp.pcap" udp port 50103 \
		>/dev/null 2>&1 &
	capture=$!
	wait_for_file 5 "$LOGS/ipudp.pcap"
	tap_run "ipudp: TCP through a ServiceIP, 100 KB echoed" "${C[@]}" "$PEER" tcp "$RR_C" 7 100000
	tap_run "ipudp: UDP through a ServiceIP, reply from it" "${C[@]}" "$PEER" udp "$RR_C" 9 1000
	tap_run "ipudp: an 8 KB UDP datagram" "${C[@]}" "$PEER" udp "$RR_C" 9 8192
	tap_run "ipudp: ping the ServiceIP" "${C[@]}" "${PING[@]}" -c 2 -i 0.3 -W 2 "$RR_C"
	wait_gone 5 "$capture"
	kill "$capture" 2>/dev/null
	wait "$capture" 2>/dev/null
	# The UDP payload is the inner packet: its version (IPv4: version/IHL
	# 0x45), the client's InstanceIP as its source, x2's nsIP as its
	# destination.
	payloads=$(udp_payloads "$LOGS/ipudp.pcap")
	tap_match "ipudp: the wire carries bare IPv$SEMNET_FAMILY from the client's InstanceIP to port 50103" \
		"$payloads" "^50103[[:space:]]$WIRE_INNER"
	tap_eq "ipudp: a counts its packets to and from c" \
		"$(jq_in a '.[] | select(.subnet == "'"$SUB_C"'") | (.tx_packets > 0 and .rx_packets > 0)' -s peer show)" \
		true
}

test_ipudp_drops() {
	local before
	before=$(drop_in a peer_spoofed)
	# From c, with inner sources that are not c's: an nsIP of a's own subnet,
	# and b's InstanceIP.
	ipudp_send c "$UL_A" "$NS_A3" "$NS_CLI"
	ipudp_send c "$UL_A" "$I_X1" "$NS_CLI"
	wait_for_counter 5 $((before + 2)) drop_in a peer_spoofed
	tap_eq "ipudp: spoofed inner sources from a peer are dropped and counted" \
		"$(($(drop_in a peer_spoofed) - before))" 2
	before=$(drop_in a unknown_peer)
	# b is a's peer, but speaks GRE in UDP: a bare IPv4 packet from it is not
	# accepted, even with an inner source of b's.
	ipudp_send b "$UL_A" "$NS_X1" "$NS_CLI"
	wait_for_counter 5 $((before + 1)) drop_in a unknown_peer
	tap_eq "ipudp: a packet from a gre-udp peer on the ipudp port is dropped as unknown" \
		"$(($(drop_in a unknown_peer) - before))" 1
	tap_eq "ipudp: no malformed or bad-encap drops on a or c" \
		"$(($(jq_in a '.drops.malformed + .drops.bad_encap' stats) + \
		$(jq_in c '.drops.malformed + .drops.bad_encap + .drops.peer_spoofed' stats)))" 0
}

tap_cases test_topology test_instances test_gso test_gro test_ipudp test_ipudp_drops
rm -rf "$LOGS"
tap_done
