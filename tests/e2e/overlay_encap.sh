#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnet0's encapsulations and offloads, three nodes on an underlay bridge
# (and with IPv4 a fourth, a stand-in Oakestra node):
#  - GRE in UDP between a and b: a bulk TCP transfer through a ServiceIP
#    with the underlay's UDP-tunnel segmentation on (GSO packets cross the
#    veth whole) and off (a segments in software, b merges the segments
#    again in receive GRO before decapsulating: the peer's receive counter
#    sees fewer, larger packets than went over the wire);
#  - ipudp (Oakestra's bare IPv4 in UDP, port 50103) between a and c: TCP
#    and UDP through a ServiceIP, the wire carries bare IPv4 after the UDP
#    header, spoofed inner sources and non-ipudp senders are dropped and
#    counted;
#  - bare IP at the GRE port (4754), where an Oakestra node sends (the
#    host_port a semnet node reports): c as an ipudp peer of a on port
#    4754, a bulk transfer merged in c's GRO; malformed and short packets
#    there, bare packets from a GRE peer, each counted;
#  - (IPv4) node d, a stand-in Oakestra node (tests/lib/oakestra_node.py:
#    oakestra-net's proxy on the wire, a tun, bare IPv4 in UDP, ServiceIPs
#    translated to nsIPs and InstanceIPs), an ipudp peer of a, b and c on
#    its own port 50110; RR_ALL (172.30.0.3) gets x1 on b, x2 on c and x3
#    on d: a semnet client (cli on a) and the stand-in's (dcli on d) each
#    reach all three in turn, echoes byte for byte, and the semnet nodes'
#    peer counters equal the stand-in's.
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
#   node d ul0 10.99.0.4 (stand-in, port 50110; subnet 172.16.0.192/26 on
#   its br0, route 172.16.0.0/12 into its tun): x3 172.16.0.194
#   (172.30.1.13), dcli 172.16.0.195 (172.30.1.14)
# vm-timeout: 900
# vm-cost: 147
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq socat python3 tcpdump ethtool nstat
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
	SUB6_A='' SUB6_C=''
	;;
6)
	RR_B=fdff:2000::1 RR_C=fdff:2000::2
	I_CLI=fdff::10 I_X1=fdff::1 I_X2=fdff::2
	NS_CLI=fc00::2 NS_X1=fc00::102 NS_X2=fc00::202 NS_A3=fc00::3
	SUB_A=${OVERLAY_SUB6[a]} SUB_C=${OVERLAY_SUB6[c]}
	TCP=TCP6 L='[' R=']' PING=(ping -6) IP_HDR=40
	WIRE_INNER="6[0-9a-f]{15}fdff0{26}10fc000{25}202"
	SUB6_A=${OVERLAY_SUB6[a]} SUB6_C=${OVERLAY_SUB6[c]}
	;;
esac
UL_A=${OVERLAY_UL[a]} UL_B=${OVERLAY_UL[b]} UL_C=${OVERLAY_UL[c]}
# How `semnet instance add` names a node: by its IPv4 underlay address.
AT_A=() AT_B=() AT_C=()
[ -z "$OVERLAY_AT" ] || AT_A=(node "$UL_A") AT_B=(node "$UL_B") AT_C=(node "$UL_C")
PEER=$SEMNET_TOP/tests/lib/netpeer.py
# Node d, the stand-in Oakestra node (IPv4 only), and RR_ALL's instances.
UL_D=10.99.0.4 P_D=50110 SUB_D=172.16.0.192/26 GW_D=172.16.0.193
RR_ALL=172.30.0.3
NS_X3=172.16.0.194 NS_DCLI=172.16.0.195 I_X3=172.30.1.13 I_DCLI=172.30.1.14
OAK_PID=''
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
# packet (in IPv4 or IPv6) in PCAP (tests/lib/pcap.py).
udp_payloads() {
	"$SEMNET_TOP/tests/lib/pcap.py" udp "$1"
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
	# Back to no GRO: the packet counters of later cases are exact.
	ip netns exec b ethtool -K ul0 gro off >/dev/null
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

# udp_raw NS ADDR PORT SPEC...: from NS, one UDP datagram per SPEC to
# ADDR:PORT, in one start of python. A SPEC is hex=BYTES, or
# ip=SRC,DST[,cut=N][,grow=N]: netpeer.py's inner packet SRC -> DST
# (IPv4 ICMP echo or IPv6 UDP), its first N bytes, or its IP length
# field N more than the bytes sent (the IPv4 header checksum still right).
udp_raw() {
	ip netns exec "$1" python3 -S - "${@:2}" <<EOF
import socket, struct, sys
sys.path.insert(0, "$SEMNET_TOP/tests/lib")
import netpeer
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(netpeer.family(addr), socket.SOCK_DGRAM)
for spec in sys.argv[3:]:
    kind, _, rest = spec.partition("=")
    if kind == "hex":
        p = bytes.fromhex(rest)
    else:
        f = rest.split(",")
        o = dict(x.split("=") for x in f[2:])
        p = bytearray((netpeer.inner6 if ":" in f[0] else netpeer.inner4)(f[0], f[1]))
        grow = int(o.get("grow", 0))
        if grow and p[0] >> 4 == 6:
            struct.pack_into("!H", p, 4, struct.unpack_from("!H", p, 4)[0] + grow)
        elif grow:
            struct.pack_into("!H", p, 2, struct.unpack_from("!H", p, 2)[0] + grow)
            struct.pack_into("!H", p, 10, 0)
            struct.pack_into("!H", p, 10, netpeer.checksum(bytes(p[:20])))
        p = bytes(p[:int(o.get("cut", len(p)))])
    s.sendto(p, (addr, port))
EOF
}

# bulk_to ADDR NS: CLI uploads the first BULK_GRE bytes of the payload to
# ADDR:5001, the sink in container NS; compares them.
BULK_GRE=300000		# over 210 full-size segments
bulk_to() {
	rm -f "$LOGS/recv.$2"
	head -c "$BULK_GRE" "$LOGS/payload" >"$LOGS/payload.gre"
	"${C[@]}" socat -u -T60 "OPEN:$LOGS/payload.gre" "$(tcp_to "$1" 5001)" || return 1
	wait_for_output 10 "$BULK_GRE" stat -c %s "$LOGS/recv.$2" 2>/dev/null
	cmp "$LOGS/payload.gre" "$LOGS/recv.$2"
}

# c as an ipudp peer of a at port 4754, c's GRE port, as a node reports it
# to Oakestra: a sends bare IP there, c's GRE socket takes it (the first
# nibble) and merges the segments in GRO as it does GRE.
test_ipudp_at_gre_port() {
	local rx0 rx rxb wire
	ip netns exec a semnet peer change "$SUB_C" port 4754 &&
		{ [ -z "$SUB6_C" ] || ip netns exec a semnet peer change "$SUB6_C" port 4754; }
	tap_eq "a's ipudp peer c at port 4754" \
		"$(jq_in a '.[] | select(.subnet == "'"$SUB_C"'") | "\(.encap) \(.port)"' peer show)" \
		"ipudp 4754"
	ip netns exec x2 socat -u "$OVERLAY_LISTEN:5001,fork,reuseaddr" SYSTEM:"cat >$LOGS/recv.x2" &
	wait_port x2 5001 || tap_fail "bulk sink in x2 listens"
	ip netns exec wire ethtool -K ul-c tso off >/dev/null
	ip netns exec c ethtool -K ul0 gro on >/dev/null
	rx0=$(peer_rx c "${SUB6_A:-$SUB_A}" rx_packets)
	rxb=$(peer_rx c "${SUB6_A:-$SUB_A}" rx_bytes)
	tap_run "bare IP to c's port 4754: bulk TCP through a ServiceIP, payload intact" \
		bulk_to "$RR_C" x2
	rx=$(($(peer_rx c "${SUB6_A:-$SUB_A}" rx_packets) - rx0))
	rxb=$(($(peer_rx c "${SUB6_A:-$SUB_A}" rx_bytes) - rxb))
	wire=$((BULK_GRE / SEG))
	echo "# c received $rxb bytes from a in $rx packets after GRO ($wire+ segments on the wire)"
	tap_run "GRO at the GRE port: c decapsulates at most 3/4 as many bare packets as a sent" \
		test $((rx * 4)) -le $((wire * 3))
	tap_eq "no malformed, bad-encap or spoofed drops on c" \
		"$(jq_in c '.drops.malformed + .drops.bad_encap + .drops.peer_spoofed' stats)" 0
	ip netns exec c ethtool -K ul0 gro off >/dev/null
	ip netns exec a semnet peer change "$SUB_C" port 50103 &&
		{ [ -z "$SUB6_C" ] || ip netns exec a semnet peer change "$SUB6_C" port 50103; }
}

# ip_stat NS COUNTER: an IP counter of nstat (e.g. Ip6InTruncatedPkts).
ip_stat() {
	ip netns exec "$1" nstat -asz "$2" | awk '{ n += $2 } END { print n + 0 }'
}

# What a's GRE port (4754) refuses, each counted once: short and malformed
# UDP payloads, bare IP from a GRE peer (b) and with a spoofed inner
# source from an ipudp one (c). A bare packet from c whose IP length says
# more than came passes semnet's checks and is the IP layer's to drop.
test_gre_port_drops() {
	local be0 sp0 up0 ma0 rx0 tr0 cut=12 trunc=IpExtInTruncatedPkts
	[ "$SEMNET_FAMILY" = 6 ] && cut=30 trunc=Ip6InTruncatedPkts
	be0=$(drop_in a bad_encap) sp0=$(drop_in a peer_spoofed)
	up0=$(drop_in a unknown_peer) ma0=$(drop_in a malformed)
	rx0=$(peer_rx a "${SUB6_C:-$SUB_C}" rx_packets)
	tr0=$(ip_stat a "$trunc")
	# Empty; 3 bytes; IPv4 with a 16-byte header; IP cut short of its
	# header; nibble 7; GRE with a sequence number; GRE of Ethernet.
	udp_raw c "$UL_A" 4754 hex= hex=450000 "hex=44$(printf '%038d' 0)" \
		"ip=$NS_X2,$NS_CLI,cut=$cut" "hex=70$(printf '%078d' 0)" \
		hex=300008000a0a0a0a45 hex=200065580a0a0a0a45
	wait_for_counter 5 $((be0 + 7)) drop_in a bad_encap
	tap_eq "GRE port: 7 short or malformed payloads dropped as bad-encap" \
		"$(($(drop_in a bad_encap) - be0))" 7
	udp_raw c "$UL_A" 4754 "ip=$NS_A3,$NS_CLI"
	wait_for_counter 5 $((sp0 + 1)) drop_in a peer_spoofed
	tap_eq "GRE port: bare IP from ipudp peer c, inner source not c's: peer-spoofed" \
		"$(($(drop_in a peer_spoofed) - sp0))" 1
	udp_raw b "$UL_A" 4754 "ip=$NS_X1,$NS_CLI"
	wait_for_counter 5 $((up0 + 1)) drop_in a unknown_peer
	tap_eq "GRE port: bare IP from b, a gre-udp peer: unknown-peer" \
		"$(($(drop_in a unknown_peer) - up0))" 1
	udp_raw c "$UL_A" 4754 "ip=$NS_X2,$NS_CLI,grow=100"
	wait_for_counter 5 $((tr0 + 1)) ip_stat a "$trunc"
	tap_eq "GRE port: from c, an inner IP length past the packet: the IP layer drops it ($trunc)" \
		"$(($(ip_stat a "$trunc") - tr0))" 1
	tap_eq "GRE port: a counts that one as received from c" \
		"$(($(peer_rx a "${SUB6_C:-$SUB_C}" rx_packets) - rx0))" 1
	tap_eq "GRE port: no other drop on a (9 in all)" \
		"$(($(drop_in a bad_encap) - be0 + $(drop_in a peer_spoofed) - sp0 + \
		$(drop_in a unknown_peer) - up0 + $(drop_in a malformed) - ma0))" 9
}

# oak_inst NUMBER NSIP HOST PORT [RR] INSTANCEIP: an instance of Oakestra's
# table query response (mqtt/Tablequery.go ServiceInstance).
oak_inst() {
	local rr=''
	[ $# -lt 6 ] || rr="{\"IpType\": \"RR\", \"Address\": \"$5\"}, "
	echo "{\"instance_number\": $1, \"namespace_ip\": \"$2\", \"host_ip\": \"$3\"," \
		"\"host_port\": $4, \"service_ip\": [$rr{\"IpType\": \"InstanceNumber\"," \
		"\"Address\": \"${*: -1}\"}]}"
}

# oak_table: the stand-in's table: a semnet node's host_port is its GRE
# port, 4754, d's its own.
oak_table() {
	cat <<EOF
[{"app_name": "all.ns.svc.ns", "instance_list": [
  $(oak_inst 0 "$NS_X1" "$UL_B" 4754 "$RR_ALL" "$I_X1"),
  $(oak_inst 1 "$NS_X2" "$UL_C" 4754 "$RR_ALL" "$I_X2"),
  $(oak_inst 2 "$NS_X3" "$UL_D" "$P_D" "$RR_ALL" "$I_X3")]},
 {"app_name": "cli.ns.c.ns", "instance_list": [$(oak_inst 0 "$NS_CLI" "$UL_A" 4754 "$I_CLI")]},
 {"app_name": "dcli.ns.c.ns", "instance_list": [$(oak_inst 0 "$NS_DCLI" "$UL_D" "$P_D" "$I_DCLI")]}]
EOF
}

# who_server NS NAME: on port 8000 in NS, its name, then an echo.
who_server() {
	ip netns exec "$1" socat TCP-LISTEN:8000,fork,reuseaddr SYSTEM:"echo $2; exec cat" &
}

# Node d: the stand-in on the wire (ul-d has no offloads on: it segments
# and checksums what the semnet nodes send, as a NIC between two hosts
# would), its containers behind br0 with the proxy's MTU (Oakestra gives
# container veths the tun's, 1450); x1 and x2 move to RR_ALL's service;
# the peers and instances the semnet nodes need (semnetd's job: d an
# ipudp peer at the port it reports). Python and socat start while the
# rest is set up.
test_oakestra_node() {
	local n
	topo_netns d &&
		ip -n wire link add ul-d type veth peer name ul0 netns d &&
		ip -n wire link set ul-d master ul0 up &&
		ip netns exec wire ethtool -K ul-d tx off tx-udp_tnl-segmentation off \
			tx-udp_tnl-csum-segmentation off >/dev/null &&
		overlay_ul_addr d "$UL_D" &&
		oak_table >"$LOGS/table.json" || return 1
	ip netns exec d "$SEMNET_TOP/tests/lib/oakestra_node.py" --table "$LOGS/table.json" \
		--local "$UL_D" --port "$P_D" --services "$SERVICES" --tun-ip 172.19.1.254/12 \
		--route "$PLATFORM" --stats "$LOGS/d.stats" >"$LOGS/d.out" 2>&1 &
	OAK_PID=$!
	ip -n d link add br0 type bridge &&
		ip -n d addr add "$GW_D/26" dev br0 &&
		ip -n d link set br0 up &&
		ip netns exec d sysctl -qw net.ipv4.ip_forward=1 &&
		topo_container d x3 "$NS_X3" 26 "$GW_D" &&
		topo_container d dcli "$NS_DCLI" 26 "$GW_D" &&
		ip -n d link set x3 mtu 1450 && ip -n x3 link set eth0 mtu 1450 &&
		ip -n d link set dcli mtu 1450 && ip -n dcli link set eth0 mtu 1450
	tap_eq "node d and its containers x3, dcli" "$?" 0 || return 1
	who_server x1 x1
	who_server x2 x2
	who_server x3 x3
	# One batch per node (each start of semnet counts under TCG).
	ip netns exec a semnet -batch - <<EOF &&
peer add $SUB_D remote $UL_D encap ipudp port $P_D
service add $RR_ALL name all.ns.svc.ns
instance change $I_X1 service all.ns.svc.ns
instance change $I_X2 service all.ns.svc.ns
instance add $I_X3 service all.ns.svc.ns nsip $NS_X3 node $UL_D
EOF
		ip netns exec b semnet -batch - <<EOF &&
peer add $SUB_D remote $UL_D encap ipudp port $P_D
instance change $I_X1 service all.ns.svc.ns
instance add $I_DCLI service dcli.ns.c.ns nsip $NS_DCLI node $UL_D
EOF
		ip netns exec c semnet -batch - <<EOF
peer add $SUB_D remote $UL_D encap ipudp port $P_D
instance change $I_X2 service all.ns.svc.ns
instance add $I_DCLI service dcli.ns.c.ns nsip $NS_DCLI node $UL_D
EOF
	tap_eq "a, b, c: d an ipudp peer at port $P_D; RR_ALL: x1 on b, x2 on c, x3 on d" "$?" 0
	# semnet's peer counters count a GSO packet once, the stand-in each
	# segment that reaches it: the semnet side's containers send segments.
	for n in cli x1 x2; do
		ip netns exec "$n" ethtool -K eth0 tso off gso off >/dev/null
	done
	head -c 60000 /dev/urandom >"$LOGS/opayload"
	tap_wait "the stand-in Oakestra node listens on $P_D" 30 grep -qx ready "$LOGS/d.out" ||
		{ sed 's/^/# /' "$LOGS/d.out"; return 1; }
	for n in x1 x2 x3; do wait_port "$n" 8000 || tap_fail "the server in $n listens"; done
}

# rr_names NS: three connections from NS to RR_ALL, 60 KB echoed by each:
# who answered ("bad" for a wrong echo), sorted.
rr_names() {
	local i
	for i in 1 2 3; do echo_named "$1" "$RR_ALL" 8000 "$LOGS/opayload" "$LOGS/oak.$1"; done | sort | paste -sd ' '
}

test_oakestra_from_semnet() {
	tap_eq "cli on a -> RR_ALL: x1 (gre-udp), x2 (ipudp), x3 (stand-in), 60 KB echoed by each" \
		"$(rr_names cli)" "x1 x2 x3"
}

test_oakestra_from_oakestra() {
	tap_eq "dcli on d -> RR_ALL: x1, x2 through b's and c's port 4754, x3 on d, 60 KB echoed by each" \
		"$(rr_names dcli)" "x1 x2 x3"
}

# Every packet the stand-in got from a semnet node that node counted as
# sent to it, and the other way round (its counters at SIGUSR1).
test_oakestra_counters() {
	local n ul tx rx peer oak
	rm -f "$LOGS/d.stats"
	if ! kill -USR1 "$OAK_PID" || ! wait_for_file 5 "$LOGS/d.stats"; then
		tap_fail "the stand-in writes its counters"
		sed 's/^/# stand-in: /' "$LOGS/d.out"
		return 1
	fi
	oak=$(cat "$LOGS/d.stats")
	tap_note "stand-in: $oak"
	for n in a b c; do
		ul=${OVERLAY_UL[$n]}
		peer=$(jq_in "$n" '.[] | select(.subnet == "'"$SUB_D"'") | "\(.tx_packets) \(.rx_packets)"' \
			-s peer show)
		tx=${peer% *} rx=${peer#* }
		tap_eq "$n sent d $tx packets, the stand-in received as many from $ul" \
			"$(json_get "$oak" ".rx[\"$ul\"] // 0")" "$tx"
		tap_eq "$n received $rx packets from d, the stand-in sent as many to $ul:4754" \
			"$(json_get "$oak" ".tx[\"$ul:4754\"] // 0")" "$rx"
		tap_run "$n and d exchanged packets both ways" test "$tx" -gt 0 -a "$rx" -gt 0
	done
}

CASES=(test_topology test_instances test_gso test_gro test_ipudp test_ipudp_drops
	test_ipudp_at_gre_port test_gre_port_drops)
# The stand-in speaks IPv4. The VM's /dev has no static nodes: the TUN
# module makes /dev/net/tun.
if [ "$SEMNET_FAMILY" = 4 ] && [ "$SEMNET_UNDERLAY" = 4 ]; then
	if [ -c /dev/net/tun ] || modprobe tun; then
		CASES+=(test_oakestra_node test_oakestra_from_semnet test_oakestra_from_oakestra
			test_oakestra_counters)
	else
		tap_skip "the stand-in Oakestra node" "no TUN driver"
	fi
else
	tap_note "the stand-in Oakestra node speaks IPv4: its cases run with SEMNET_FAMILY=4"
fi
tap_cases "${CASES[@]}"
rm -rf "$LOGS"
tap_done
