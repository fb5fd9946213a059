# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Multi-node topologies: semnet nodes (namespaces) on an underlay bridge,
# each with its container bridge (or routed veths, SEMNET_NODE_MODE=routed:
# tests/lib/topo.sh), /26 and semnet0 tunnel. Sources tests/lib/topo.sh.
#
# SEMNET_FAMILY=6 (default 4) makes overlay_abc's nodes and
# overlay_containers' containers dual stack: the IPv4 plan as with 4, plus
# platform6 fc00::/7, services6 fdff::/16, a /120 per node (fc00::N00/120,
# gateway fc00::N01 for node N = 0, 1, 2: a, b, c) and an IPv6 nsIP per
# container (fc00::N02); overlay_peers then peers both families, and the
# TCP servers listen on IPv6 too (OVERLAY_LISTEN). SEMNET_UNDERLAY is the
# underlay's family (OVERLAY_UL, OVERLAY_TUN_MTU and OVERLAY_TUN_OVERHEAD
# say what it is): 6 puts the nodes on 2001:db8::/64 alone, with an IPv6
# default route on ul0 (semnet0 takes its MTU from it), and instances
# name no node (OVERLAY_AT is empty: that attribute is IPv4).

# shellcheck source=tests/lib/topo.sh
declare -F topo_netns >/dev/null || . "${BASH_SOURCE[0]%/*}/topo.sh"

PLATFORM=172.16.0.0/12
SERVICES=172.30.0.0/16
PLATFORM6=fc00::/7
SERVICES6=fdff::/16

SEMNET_FAMILY=${SEMNET_FAMILY:-4}
SEMNET_UNDERLAY=${SEMNET_UNDERLAY:-4}
# shellcheck disable=SC2034 # OVERLAY_* are for the scripts that source this
case $SEMNET_FAMILY in
4) OVERLAY_LISTEN=TCP-LISTEN ;;
6) OVERLAY_LISTEN=TCP6-LISTEN ;;	# [::], IPv4 too
*) echo "overlay.sh: SEMNET_FAMILY must be 4 or 6" >&2; exit 2 ;;
esac
# Underlay addresses of nodes a, b, c and of a stranger on the wire; the
# tunnel's overhead: outer IP, UDP, GRE with a key.
# shellcheck disable=SC2034
case $SEMNET_UNDERLAY in
4)
	declare -gA OVERLAY_UL=([a]=10.99.0.1 [b]=10.99.0.2 [c]=10.99.0.3 [stranger]=10.99.0.9)
	OVERLAY_UL_PLEN=24
	OVERLAY_TUN_OVERHEAD=36
	OVERLAY_AT=node		# instances name their node by IPv4 underlay address
	;;
6)
	declare -gA OVERLAY_UL=([a]=2001:db8::1 [b]=2001:db8::2 [c]=2001:db8::3 [stranger]=2001:db8::9)
	OVERLAY_UL_PLEN=64
	OVERLAY_TUN_OVERHEAD=56	# the outer IPv6 header is 20 bytes longer
	OVERLAY_AT=''		# an instance's node is an IPv4 address: none here
	;;
*) echo "overlay.sh: SEMNET_UNDERLAY must be 4 or 6" >&2; exit 2 ;;
esac
# shellcheck disable=SC2034
OVERLAY_TUN_MTU=$((1500 - OVERLAY_TUN_OVERHEAD))
# Nodes a, b, c: subnets and gateways of each family.
declare -gA OVERLAY_SUB4=([a]=172.16.0.0/26 [b]=172.16.0.64/26 [c]=172.16.0.128/26)
declare -gA OVERLAY_GW4=([a]=172.16.0.1 [b]=172.16.0.65 [c]=172.16.0.129)
declare -gA OVERLAY_SUB6=([a]=fc00::/120 [b]=fc00::100/120 [c]=fc00::200/120)
declare -gA OVERLAY_GW6=([a]=fc00::1 [b]=fc00::101 [c]=fc00::201)

# overlay_underlay: the "wire" namespace with bridge ul0.
overlay_underlay() {
	topo_netns wire &&
	ip -n wire link add ul0 type bridge &&
	ip -n wire link set ul0 up
}

# overlay_ul_addr NS ADDR: ADDR on NS's underlay device ul0 (an IPv6 one
# without duplicate address detection: usable at once), ul0 up.
overlay_ul_addr() {
	local nodad=()
	[[ $2 == *:* ]] && nodad=(nodad)
	ip -n "$1" addr add "$2/${OVERLAY_UL_PLEN:-24}" dev ul0 "${nodad[@]}" &&
	ip -n "$1" link set ul0 up
}

# overlay_node NODE UNDERLAY_IP SUBNET GATEWAY [SUBNET6 GATEWAY6]: a node
# on the wire with its container bridge, semnet configured and semnet0
# up, routing the platform range into the tunnel; with SUBNET6, dual
# stack (tests/lib/topo.sh's topo_node6), the IPv6 platform routed too.
overlay_node() {
	local node=$1 ul=$2 subnet=$3 gw=$4 subnet6=${5:-} gw6=${6:-} v6=()
	[ -z "$subnet6" ] ||
		v6=(platform6 "$PLATFORM6" services6 "$SERVICES6" subnet "$subnet6" gateway6 "$gw6")
	topo_node "$node" "$subnet" "$gw" &&
	{ [ -z "$subnet6" ] || topo_node6 "$node" "$subnet6" "$gw6"; } &&
	ip -n wire link add "ul-$node" type veth peer name ul0 netns "$node" &&
	ip -n wire link set "ul-$node" master ul0 up &&
	overlay_ul_addr "$node" "$ul" &&
	{ [ "$SEMNET_UNDERLAY" = 4 ] || ip -n "$node" -6 route add default dev ul0; } &&
	ip netns exec "$node" semnet node set platform "$PLATFORM" services "$SERVICES" \
		subnet "$subnet" gateway "$gw" "${TOPO_ATTACH[@]}" "${v6[@]}" &&
	ip -n "$node" link add semnet0 type semnet &&
	ip -n "$node" link set semnet0 up &&
	ip -n "$node" route add "$PLATFORM" dev semnet0 src "$gw" &&
	{ [ -z "$subnet6" ] || ip -n "$node" -6 route add "$PLATFORM6" dev semnet0 src "$gw6"; }
}

# overlay_peer NODE SUBNET UNDERLAY_IP [encap ENCAP]: NODE sends SUBNET's
# packets to UNDERLAY_IP and accepts that peer's. SUBNET may be IPv6 (/96
# or longer).
overlay_peer() {
	ip netns exec "$1" semnet peer add "$2" remote "$3" "${@:4}"
}

# overlay_peer_node NODE OTHER [encap ENCAP]: NODE peers with node OTHER
# of overlay_abc (a, b or c): its IPv4 subnet, and its IPv6 one with
# SEMNET_FAMILY=6.
overlay_peer_node() {
	overlay_peer "$1" "${OVERLAY_SUB4[$2]}" "${OVERLAY_UL[$2]}" "${@:3}" || return 1
	[ "$SEMNET_FAMILY" = 4 ] ||
		overlay_peer "$1" "${OVERLAY_SUB6[$2]}" "${OVERLAY_UL[$2]}" "${@:3}"
}

# overlay_peers NODE OTHER...: overlay_peer_node NODE with each OTHER.
overlay_peers() {
	local node=$1 o
	shift
	for o in "$@"; do
		overlay_peer_node "$node" "$o" || return 1
	done
}

# overlay_abc_node NODE: node a, b or c of overlay_abc, dual stack with
# SEMNET_FAMILY=6.
overlay_abc_node() {
	local v6=()
	[ "$SEMNET_FAMILY" = 4 ] || v6=("${OVERLAY_SUB6[$1]}" "${OVERLAY_GW6[$1]}")
	overlay_node "$1" "${OVERLAY_UL[$1]}" "${OVERLAY_SUB4[$1]}" "${OVERLAY_GW4[$1]}" "${v6[@]}"
}

# overlay_abc: the underlay and nodes a, b and c (10.99.0.1-3; subnets
# 172.16.0.0/26, .64/26, .128/26 with gateways .1, .65, .129; with
# SEMNET_FAMILY=6 also fc00::/120, fc00::100/120, fc00::200/120 with
# gateways fc00::1, ::101, ::201), as TAP assertions; peers are the
# caller's (overlay_peers).
overlay_abc() {
	overlay_underlay
	tap_run "node a" overlay_abc_node a
	tap_run "node b" overlay_abc_node b
	tap_run "node c" overlay_abc_node c
}

# overlay_containers: the client cli on a (172.16.0.2), x1 on b
# (172.16.0.66) and x2 on c (172.16.0.130); with SEMNET_FAMILY=6 also
# fc00::2, fc00::102 and fc00::202.
overlay_containers() {
	topo_container a cli 172.16.0.2 26 172.16.0.1
	topo_container b x1 172.16.0.66 26 172.16.0.65
	topo_container c x2 172.16.0.130 26 172.16.0.129
	[ "$SEMNET_FAMILY" = 4 ] && return 0
	topo_container6 a cli fc00::2 120 fc00::1
	topo_container6 b x1 fc00::102 120 fc00::101
	topo_container6 c x2 fc00::202 120 fc00::201
}

# overlay_echo_servers [PORT...]: TCP echo on 7 (OVERLAY_LISTEN: IPv6
# too with SEMNET_FAMILY=6) and UDP echo on 9 (both families) in x1 and x2
# (tests/lib/netpeer.py); waits for them and for the caller's own TCP
# servers on PORT... there, a TAP failure for each that does not listen.
overlay_echo_servers() {
	local i p ok
	for i in 1 2; do
		ip netns exec "x$i" socat -t 10 "$OVERLAY_LISTEN:7,fork,reuseaddr" EXEC:cat &
		ip netns exec "x$i" "$SEMNET_TOP/tests/lib/netpeer.py" udp-echo 9 &
	done
	for i in 1 2; do
		ok=1
		for p in "$@" 7; do [ -z "$p" ] || wait_port "x$i" "$p" || ok=0; done
		wait_port "x$i" 9 udp || ok=0
		[ "$ok" = 1 ] || tap_fail "servers in x$i listen"
	done
}

# send_from NS SRC DST: one ICMP echo request SRC -> DST (either family)
# through a raw socket in NS, routed by NS: with NS's own MAC, in clear on
# the underlay (what a forger on the segment can send).
send_from() {
	ip netns exec "$1" python3 -S - "$SEMNET_TOP/tests/lib" "$2" "$3" <<'EOF'
import socket, sys
sys.path.insert(0, sys.argv[1])
import craft
src, dst = sys.argv[2], sys.argv[3]
pkt = craft.inner(craft.pton(src), craft.pton(dst), {})
s = socket.socket(craft.family(dst), socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(pkt, (dst, 0))
EOF
}

# capture NS DEV NAME: a capture of DEV in NS to $LOGS/NAME.pcap, running;
# its pid appended to the caller's CAPTURES array (to stop it with).
capture() {
	ip netns exec "$1" tcpdump -i "$2" -n -U -s 0 -w "$LOGS/$3.pcap" >/dev/null 2>&1 &
	CAPTURES+=("$!")
	wait_for_file 5 "$LOGS/$3.pcap"
}

# wg_catch NS DEV DPORT FILE: in NS, the next WireGuard data message (type
# 4, not a keepalive) sent out of DEV to UDP port DPORT over IPv4, its
# Ethernet frame as hex into FILE; "ready" on stdout once listening (run it
# as a coprocess, read that line, then make traffic). Fails after 30 s
# without one.
wg_catch() {
	ip netns exec "$1" python3 -S -c '
import socket, sys, time
dev, dport, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
end = time.monotonic() + 30
print("ready", flush=True)
while True:
    s.settimeout(max(end - time.monotonic(), 0.01))
    f, addr = s.recvfrom(65535)
    if addr[2] != socket.PACKET_OUTGOING or f[12:14] != b"\x08\x00" or f[23] != 17:
        continue
    udp = 14 + (f[14] & 15) * 4
    if int.from_bytes(f[udp + 2:udp + 4], "big") != dport:
        continue
    data = f[udp + 8:]
    if data[0] == 4 and len(data) > 32:
        open(out, "w").write(f.hex())
        break' "$2" "$3" "$4"
}

# wg_inject NS DEV FILE [FLIP]: the frame in FILE (wg_catch's) sent again
# out of DEV in NS; with FLIP, byte FLIP of the WireGuard message (past
# its 16-byte header: ciphertext) is flipped first. The UDP checksum is
# cleared (none, as IPv4 allows): a frame caught on its way out may carry
# only the offload's partial sum (CHECKSUM_PARTIAL), which the receiver's
# UDP would refuse before WireGuard saw it.
wg_inject() {
	ip netns exec "$1" python3 -S -c '
import socket, sys
f = bytearray.fromhex(open(sys.argv[2]).read())
udp = 14 + (f[14] & 15) * 4
if len(sys.argv) > 3:
    f[udp + 8 + int(sys.argv[3])] ^= 0x5a
f[udp + 6:udp + 8] = b"\x00\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(bytes(f))' "${@:2}"
}
