#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A point-to-point WireGuard link per peer by hand (daemon/LINKS.md §1a's
# fallback, issue 18): no GRE inside WireGuard. Each node has one
# WireGuard device for the other, wg1, whose one peer owns 0.0.0.0/0 and
# ::/0; the other's subnets are routed into it, and semnet's peers are
# `encap direct dev wg1`: the hooks take what comes out of wg1 from the
# peer's sources as from the tunnel, wg1 (ARPHRD_NONE, no Ethernet source
# to check) proven by WireGuard's keys. Dual stack, rp_filter=1 on every
# device of both nodes:
#  - RR through a ServiceIP over x1 and x2 on b, each echoing 60 KB byte
#    for byte; a bulk TCP upload, payload cmp; UDP replies from the
#    ServiceIP; the instance's port unreachable back to the client; the
#    same for IPv6;
#  - a capture on the underlay holds WireGuard's UDP only (no GRE, no
#    port 4754) and none of the payload's cleartext marker, which a
#    capture on wg1 (the control) does hold, bare (InstanceIP -> nsIP);
#    semnet0 sends nothing, the peers count both ways, no drops;
#  - stranger x on the underlay sends cleartext packets with b's nsIP,
#    b's InstanceIP (bare) and b's link address (GRE in UDP) as their
#    source to a: each dropped as peer-spoofed on a, exactly, nothing
#    received;
#  - a WireGuard data message from a to b, caught on a's ul0 and sent
#    again verbatim (a replay) and with one ciphertext byte flipped (a
#    tamper): b's nft counter of data messages on port 51820 counts each,
#    WireGuard takes neither (wg1's rx_packets and semnet's peer do not
#    move beyond the counted real traffic), the replay logged as an
#    invalid nonce (dynamic debug).
#
#   cli 172.16.0.2 fc00::2 (172.30.1.10 fdff::10)        x1 172.16.0.66 fc00::102 (172.30.1.1 fdff::1)
#    | br0                                                x2 172.16.0.67 (172.30.1.2)  br0 |
#   [a] wg1 10.255.0.1/32 ==== WireGuard, peer 0.0.0.0/0 ::/0 ==== 10.255.0.2/32 wg1 [b]
#   [a] ul0 10.99.0.1 ---------- wire (bridge ul0) ---------- 10.99.0.2 ul0 [b]
#                                        |
#                              x 10.99.0.9 (forges)
#
# a: 172.16.0.64/26, fc00::100/120 and 10.255.0.2/32 dev wg1; peers for
# both subnets `remote 10.255.0.2 encap direct dev wg1`. b: the same
# towards a. RR 172.30.0.1 -> x1, x2; RR fdff:2000::1 -> x1.
# vm-timeout: 1200
# vm-cost: 135
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
tap_need jq socat python3 tcpdump wg nft

RR4=172.30.0.1 RR6=fdff:2000::1
I_CLI4=172.30.1.10 I_X14=172.30.1.1 I_X24=172.30.1.2 I_CLI6=fdff::10 I_X16=fdff::1
NS_CLI4=172.16.0.2 NS_X14=172.16.0.66 NS_X24=172.16.0.67 NS_CLI6=fc00::2 NS_X16=fc00::102
UL_A=${OVERLAY_UL[a]} UL_X=${OVERLAY_UL[stranger]}
declare -A LINK=([a]=10.255.0.1 [b]=10.255.0.2)
WG_PORT=51820
MARKER=semnet-wgp2p-cleartext-marker-9b2e
BULK=200000
LOGS=$(mktemp -d)
PEER=$SEMNET_TOP/tests/lib/netpeer.py
CRAFT=$SEMNET_TOP/tests/lib/craft.py

peer_field() {	# peer_field NODE SUBNET FIELD
	jq_in "$1" ".[] | select(.subnet == \"$2\") | .$3" -s peer show
}

# wg_p2p NODE OTHER: NODE's WireGuard device wg1 for OTHER alone: its one
# peer OTHER owns every address (endpoint OTHER's underlay address);
# NODE's link address on it, OTHER's link address and subnets routed
# into it; semnet's peers for OTHER's subnets direct on wg1.
wg_p2p() {
	local n=$1 o=$2
	ip -n "$n" link add wg1 type wireguard &&
	ip netns exec "$n" wg set wg1 private-key "$LOGS/$n.key" listen-port "$WG_PORT" \
		peer "$(cat "$LOGS/$o.pub")" endpoint "${OVERLAY_UL[$o]}:$WG_PORT" \
		allowed-ips 0.0.0.0/0,::/0 &&
	ip -n "$n" addr add "${LINK[$n]}/32" dev wg1 &&
	ip -n "$n" link set wg1 up &&
	ip -n "$n" route add "${LINK[$o]}/32" dev wg1 src "${LINK[$n]}" &&
	ip -n "$n" route add "${OVERLAY_SUB4[$o]}" dev wg1 &&
	ip -n "$n" -6 route add "${OVERLAY_SUB6[$o]}" dev wg1 &&
	overlay_peer "$n" "${OVERLAY_SUB4[$o]}" "${LINK[$o]}" encap direct dev wg1 &&
	overlay_peer "$n" "${OVERLAY_SUB6[$o]}" "${LINK[$o]}" encap direct dev wg1
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
	tap_run "a: wg1 for b (allowed-ips 0.0.0.0/0 ::/0), routes, direct peers on wg1" wg_p2p a b
	tap_run "b: wg1 for a, the same" wg_p2p b a
	tap_eq "wg1 has no link layer (ARPHRD_NONE)" \
		"$(ip -n a -j link show wg1 | jq -r '.[0].link_type')" none
	tap_eq "peer show -j: direct, dev wg1, remote b's link address" \
		"$(jq_in a '.[] | select(.subnet == "'"${OVERLAY_SUB4[b]}"'") |
			"\(.encap) \(.dev) \(.remote)"' peer show)" "direct wg1 ${LINK[b]}"
	tap_match "peer show: the IPv6 subnet too" "$(ip netns exec a semnet peer show)" \
		"^${OVERLAY_SUB6[b]} +remote ${LINK[b]} .*encap direct .*dev wg1"
	tap_run "a reaches b's link address through wg1" \
		ip netns exec a ping -c 1 -W 5 "${LINK[b]}"
	topo_netns x &&
		ip -n wire link add ul-x type veth peer name ul0 netns x &&
		ip -n wire link set ul-x master ul0 up &&
		overlay_ul_addr x "$UL_X" &&
		ip -n x route add "${OVERLAY_SUB4[a]}" via "$UL_A"
	tap_eq "stranger x on the wire, routing a's subnet to a" "$?" 0
}

test_instances() {
	local n
	topo_container a cli "$NS_CLI4" 26 "${OVERLAY_GW4[a]}" &&
	topo_container6 a cli "$NS_CLI6" 120 "${OVERLAY_GW6[a]}" &&
	topo_container b x1 "$NS_X14" 26 "${OVERLAY_GW4[b]}" &&
	topo_container6 b x1 "$NS_X16" 120 "${OVERLAY_GW6[b]}" &&
	topo_container b x2 "$NS_X24" 26 "${OVERLAY_GW4[b]}"
	tap_eq "containers cli on a, x1 (dual stack) and x2 on b" "$?" 0
	ip netns exec a semnet -batch - <<EOF &&
service add $RR4 name b4.ns.svc.ns
service add $RR6 name b6.ns.svc.ns
instance add $I_X14 service b4.ns.svc.ns nsip $NS_X14 node ${LINK[b]}
instance add $I_X24 service b4.ns.svc.ns nsip $NS_X24 node ${LINK[b]}
instance add $I_X16 service b6.ns.svc.ns nsip $NS_X16
instance add $I_CLI4 service cli4.ns.c.ns nsip $NS_CLI4 dev cli
instance add $I_CLI6 service cli6.ns.c.ns nsip $NS_CLI6 dev cli
EOF
	# No GRE key to learn the client's nsIPs from: b must know the
	# client's InstanceIPs (semnetd resolves them on the miss).
	ip netns exec b semnet -batch - <<EOF
instance add $I_X14 service b4.ns.svc.ns nsip $NS_X14 dev x1
instance add $I_X24 service b4.ns.svc.ns nsip $NS_X24 dev x2
instance add $I_X16 service b6.ns.svc.ns nsip $NS_X16 dev x1
instance add $I_CLI4 service cli4.ns.c.ns nsip $NS_CLI4 node ${LINK[a]}
instance add $I_CLI6 service cli6.ns.c.ns nsip $NS_CLI6
EOF
	tap_eq "services and instances" "$?" 0
	for n in a b; do
		# shellcheck disable=SC2016 # expanded by that shell
		ip netns exec "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do
			echo 1 >"$f"; done'
	done
	tap_eq "rp_filter=1 on every device of a and b" \
		"$(for n in a b; do ip netns exec "$n" sh -c \
			'cat /proc/sys/net/ipv4/conf/*/rp_filter'; done | sort -u)" 1
	# Servers: who answers and echoes (8000), a bulk sink in x1 (5001,
	# [::]: IPv4 too), TCP echo in x1 (7), UDP echo in both (9).
	for n in x1 x2; do
		ip netns exec "$n" socat TCP-LISTEN:8000,fork,reuseaddr SYSTEM:"echo $n; exec cat" &
	done
	ip netns exec x1 socat -u TCP6-LISTEN:5001,fork,reuseaddr SYSTEM:"cat >$LOGS/recv" &
	ip netns exec x1 socat -t 10 TCP6-LISTEN:7,fork,reuseaddr EXEC:cat &
	ip netns exec x1 "$PEER" udp-echo 9 &
	ip netns exec x2 "$PEER" udp-echo 9 &
	{ wait_port x1 8000 && wait_port x2 8000 && wait_port x1 5001 && wait_port x1 7 &&
		wait_port x1 9 udp && wait_port x2 9 udp; } || tap_fail "servers in x1 and x2 listen"
	# A payload the captures can look for: the marker, then random bytes.
	{ for _ in $(seq 64); do printf '%s' "$MARKER"; done
	  head -c "$BULK" /dev/urandom; } >"$LOGS/payload"
	head -c 60000 /dev/urandom >"$LOGS/named"
}

# pcap_kinds PCAP: "ARP", "ICMP6", "UDP SPORT DPORT" or "OTHER ..." per
# packet; pcap_ip PCAP: "IP4 SRC DST PROTO [DPORT]" or "IP6 ..." per
# packet (tests/lib/pcap.py; Ethernet or a device without a link layer).
pcap_kinds() { "$SEMNET_TOP/tests/lib/pcap.py" kinds "$1"; }
pcap_ip() { "$SEMNET_TOP/tests/lib/pcap.py" ip "$1"; }

# bulk TO: cli uploads the payload to x1 at socat address TO; compares it.
bulk() {
	rm -f "$LOGS/recv"
	ip netns exec cli socat -u -T60 "OPEN:$LOGS/payload" "$1" || return 1
	wait_for_output 20 "$(stat -c %s "$LOGS/payload")" stat -c %s "$LOGS/recv" 2>/dev/null
	cmp "$LOGS/payload" "$LOGS/recv"
}

# rr_names: four connections from cli to RR4, 60 KB echoed by each: who
# answered ("bad" for a wrong echo), sorted.
rr_names() {
	local i
	for i in 1 2 3 4; do
		echo_named cli "$RR4" 8000 "$LOGS/named" "$LOGS/named.$i"
	done | sort | paste -sd ' '
}

tx_dev() {	# tx_dev NODE DEV: packets DEV has sent
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

test_traffic() {
	local tx0 rx0 s0 kinds ip p n d
	CAPTURES=()
	tx0=$(peer_field a "${OVERLAY_SUB4[b]}" tx_bytes)
	rx0=$(peer_field a "${OVERLAY_SUB4[b]}" rx_bytes)
	s0=$(tx_dev a semnet0)
	capture b ul0 underlay
	capture b wg1 wg
	sleep 1		# tcpdump has opened its socket once the file exists; be generous
	tap_eq "IPv4 RR over x1 and x2: four connections, 60 KB echoed by each" \
		"$(rr_names)" "x1 x1 x2 x2"
	tap_run "IPv4 RR: bulk TCP upload to x1, payload cmp" bulk "TCP:$RR4:5001"
	tap_run "IPv6 RR: bulk TCP upload to x1, payload cmp" bulk "TCP6:[$RR6]:5001"
	tap_run "IPv6 RR: 100 KB echoed byte for byte" ip netns exec cli "$PEER" tcp "$RR6" 7 100000
	tap_run "IPv4 RR: UDP replies come from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR4" 9 1000
	tap_run "IPv6 RR: UDP replies come from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR6" 9 1000
	tap_run "IPv4 RR: the instance's ICMP port unreachable reaches the client" \
		ip netns exec cli "$PEER" udp-refused "$RR4" 9999
	tap_run "IPv6 RR: the instance's ICMPv6 port unreachable reaches the client" \
		ip netns exec cli "$PEER" udp-refused "$RR6" 9999
	for p in "${CAPTURES[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	kinds=$(pcap_kinds "$LOGS/underlay.pcap" | sort | uniq -c)
	tap_note "underlay: $(echo "$kinds" | tr -s ' \n' ' ')"
	tap_run "underlay: WireGuard's UDP between the nodes" \
		grep -qE "UDP $WG_PORT $WG_PORT\$" <<<"$kinds"
	tap_eq "underlay: nothing but WireGuard's UDP, ARP and ICMPv6" \
		"$(grep -vcE "UDP $WG_PORT $WG_PORT\$| ARP\$| ICMP6\$" <<<"$kinds")" 0
	tap_eq "underlay: no cleartext marker" "$(grep -c -a "$MARKER" "$LOGS/underlay.pcap")" 0
	tap_run "control: wg1 (inside the tunnel) carries the marker in clear" \
		grep -q -a "$MARKER" "$LOGS/wg.pcap"
	ip=$(pcap_ip "$LOGS/wg.pcap")
	tap_run "wg1: IPv4 InstanceIP -> nsIP bare (no GRE)" \
		grep -q "^IP4 $I_CLI4 $NS_X14 6\$" <<<"$ip"
	tap_run "wg1: IPv6 InstanceIP -> nsIP bare" \
		grep -q "^IP6 $I_CLI6 $NS_X16 6\$" <<<"$ip"
	tap_run "wg1: replies from b's InstanceIP to the client's nsIP" \
		grep -q "^IP4 $I_X14 $NS_CLI4 6\$" <<<"$ip"
	tap_eq "wg1: no GRE in UDP inside (port 4754)" "$(grep -c ' 17 4754$' <<<"$ip")" 0
	tap_eq "semnet0 on a sent nothing" "$(($(tx_dev a semnet0) - s0))" 0
	# Bytes, not packets: GRO and TSO decide how many packets carry them.
	tap_run "a's peer b counts the IPv4 upload and echoes a sent it into wg1 (at POST_ROUTING)" \
		test "$(peer_field a "${OVERLAY_SUB4[b]}" tx_bytes)" -gt $((tx0 + BULK + 4 * 60000))
	tap_run "a's peer b counts the IPv4 echoes a received from it out of wg1" \
		test "$(peer_field a "${OVERLAY_SUB4[b]}" rx_bytes)" -gt $((rx0 + 4 * 60000))
	for n in a b; do
		d=$(jq_in "$n" '[.drops[]] | add' stats)
		tap_eq "no drops on $n" "$d" 0
		[ "$d" = 0 ] || tap_note "$n: drops $(ip netns exec "$n" semnet -j stats |
				jq -c '.drops | with_entries(select(.value > 0))')"
	done
}

rx_b() { peer_field a "${OVERLAY_SUB4[b]}" rx_packets; }

# forged WHAT CMD...: CMD sends one cleartext packet on the underlay that
# claims to be b's: a drops it as peer-spoofed, exactly once, and its
# peer for b receives nothing.
forged() {
	local what=$1 sp0 rx0
	shift
	sp0=$(drop_in a peer_spoofed) rx0=$(rx_b)
	"$@" || tap_fail "$what: sent"
	wait_for_counter 10 $((sp0 + 1)) drop_in a peer_spoofed
	tap_eq "$what: peer-spoofed +1 on a, nothing received" \
		"$(($(drop_in a peer_spoofed) - sp0)) $(($(rx_b) - rx0))" "1 0"
}

test_forged() {
	forged "x sends from b's nsIP, bare on ul0" send_from x "$NS_X14" "$NS_CLI4"
	forged "x sends from b's InstanceIP, bare on ul0" send_from x "$I_X14" "$NS_CLI4"
	# GRE in UDP from b's link address (what reaches semnet0 for b would
	# carry), but on ul0, not out of wg1. Strict reverse-path filtering
	# would drop it before semnet0's socket (the route back is wg1): loose
	# on a's ul0 for it.
	ip netns exec a sysctl -qw net.ipv4.conf.ul0.rp_filter=2
	forged "x sends GRE in UDP from b's link address on ul0 (rp_filter=2 there)" \
		ip netns exec x "$CRAFT" gre "$UL_A" "$NS_X14" "$NS_X14" "$NS_CLI4" spoof="${LINK[b]}"
	ip netns exec a sysctl -qw net.ipv4.conf.ul0.rp_filter=1
	tap_run "RR traffic still flows: UDP replies from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR4" 9 1000
}

# udp_burst N: the client sends N datagrams to the RR address, port 9,
# without waiting for answers.
udp_burst() {
	ip netns exec cli python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"fail-closed", (sys.argv[1], 9))' "$RR4" "$1"
}

# Fail closed: a's peer for b bound to wg1 but with b's underlay address
# as its remote (as semnetd sets it up), and b's subnet route into wg1
# gone for a moment: what the platform route then takes into semnet0 is
# dropped as not-via-device, never sent as GRE in clear on ul0. With the
# route back, traffic flows through wg1 again.
test_fail_closed() {
	local nv0 kinds p
	CAPTURES=()
	tap_run "a: b's peer now at b's underlay address, still bound to wg1" \
		ip netns exec a semnet peer change "${OVERLAY_SUB4[b]}" remote "${OVERLAY_UL[b]}"
	tap_run "a: b's subnet route into wg1 removed" \
		ip -n a route del "${OVERLAY_SUB4[b]}" dev wg1
	nv0=$(drop_in a not_via_device)
	capture a ul0 failclosed
	sleep 1		# as in test_traffic
	udp_burst 5
	wait_for_counter 10 $((nv0 + 5)) drop_in a not_via_device
	tap_eq "a: 5 datagrams into semnet0, 5 dropped as not-via-device" \
		"$(($(drop_in a not_via_device) - nv0))" 5
	for p in "${CAPTURES[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	kinds=$(pcap_kinds "$LOGS/failclosed.pcap" | sort | uniq -c)
	tap_note "underlay meanwhile: $(echo "$kinds" | tr -s ' \n' ' ')"
	tap_eq "underlay: no GRE in UDP (port 4754) left a" "$(grep -c ' 4754\( \|$\)' <<<"$kinds")" 0
	tap_run "a: the route into wg1 back" ip -n a route add "${OVERLAY_SUB4[b]}" dev wg1
	tap_run "RR traffic flows again: UDP replies from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR4" 9 1000
	tap_eq "and nothing more was dropped as not-via-device" \
		"$(($(drop_in a not_via_device) - nv0))" 5
}

# WireGuard keeps no counter of the datagrams it refuses (receive.c: a
# failed decryption or a replayed nonce is freed uncounted), so b counts
# the data messages (type 4, the first payload byte) reaching its port and
# compares them with what wg1 took: a refused one is counted by the first
# and not the second; real traffic (keepalives too) by both.
wg_data_in() {
	ip netns exec b nft -j list counter inet wgt data | jq '.nftables[1].counter.packets'
}
wg_rx() { ip netns exec b cat /sys/class/net/wg1/statistics/rx_packets; }
refused() { echo $(($(wg_data_in) - $(wg_rx))); }

test_tamper() {
	local c0 x0 e0 p0 catch dbg=/sys/kernel/debug/dynamic_debug/control
	ip netns exec b nft -f - <<-EOF
	table inet wgt {
		counter data { }
		chain in {
			type filter hook input priority -10;
			udp dport $WG_PORT @th,64,8 4 counter name data
		}
	}
	EOF
	tap_eq "b counts WireGuard data messages to port $WG_PORT (nft)" "$?" 0
	coproc CATCH { wg_catch a ul0 "$WG_PORT" "$LOGS/frame.hex"; }
	catch=$CATCH_PID	# bash unsets CATCH_PID when it ends
	read -r -t 30 _ <&"${CATCH[0]}"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		udp_burst 1
		[ -s "$LOGS/frame.hex" ] && break
		sleep 1
	done
	wait "$catch"
	tap_run "a data message from a to b caught on a's ul0" test -s "$LOGS/frame.hex"
	[ -w "$dbg" ] && echo 'module wireguard +p' >"$dbg"
	c0=$(refused) x0=$(udp_in) e0=$(csum_errors)
	p0=$(peer_field b "${OVERLAY_SUB4[a]}" rx_packets)
	wg_inject a ul0 "$LOGS/frame.hex"
	tap_wait "replayed verbatim: counted at b's port, not taken by wg1" 10 \
		test_refused $((c0 + 1))
	wg_inject a ul0 "$LOGS/frame.hex" 20
	tap_wait "one ciphertext byte flipped: counted, not taken" 10 test_refused $((c0 + 2))
	tap_eq "b's UDP passed both on to WireGuard (no checksum errors)" "$(csum_errors)" "$e0"
	tap_eq "semnet's peer for a on b received nothing of them" \
		"$(($(peer_field b "${OVERLAY_SUB4[a]}" rx_packets) - p0))" 0
	tap_eq "neither x1 nor x2 got a datagram again" "$(udp_in)" "$x0"
	if [ -w "$dbg" ]; then
		tap_match "the kernel's log: WireGuard saw the replay's nonce again" \
			"$(dmesg | grep -c 'Packet has invalid nonce')" '^[1-9]'
		echo 'module wireguard -p' >"$dbg"
	else
		tap_note "no dynamic debug: WireGuard's own log line is not checked"
	fi
	tap_run "RR traffic still flows: UDP replies from the ServiceIP" \
		ip netns exec cli "$PEER" udp "$RR4" 9 1000
	# Polled: a packet between the two counters' reads skews one read.
	tap_wait "and nothing else was refused" 10 test_refused $((c0 + 2))
}
test_refused() { [ "$(refused)" = "$1" ]; }
# shellcheck disable=SC2016 # an awk program
csum_errors() { ip netns exec b awk '/^Udp:/ { n = $8 } END { print n }' /proc/net/snmp; }
# udp_in: the UDP datagrams x1 and x2 received (InDatagrams)
udp_in() {
	local n t=0
	for n in x1 x2; do
		# shellcheck disable=SC2016 # an awk program
		t=$((t + $(ip netns exec "$n" awk '/^Udp:/ { n = $2 } END { print n }' /proc/net/snmp)))
	done
	echo "$t"
}

tap_cases test_topology test_instances test_traffic test_forged test_tamper test_fail_closed
rm -rf "$LOGS"
tap_done
