#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one-node IPv6 datapath (issue 16, item 2): TCP, UDP and ICMPv6
# through an IPv6 RR address, exact round robin, payload intact, the
# server seeing the client's IPv6 InstanceIP, replies from the address the
# client asked, the IPv4 side of the same service name untouched, and the
# refusals (no instance: ICMPv6 unreachable at once; an unknown address:
# dropped and counted; a source outside the node's subnets: spoofing).
#
#   cli fc00::102     x1 fc00::103      x2 fc00::104
#   (fdff::10)        (fdff::1)         (fdff::2)
#        |                 |                 |
#   netns n: br0 172.16.0.1/26, fc00::101/120 --------------
#   service app.ns.svc.ns: RR fdff:2000::1 -> x1 x2 (IPv6),
#                          RR 172.30.0.1 -> x1 (IPv4, 172.16.0.3)
#   x*: TCP 80 (answers its name and the peer's address), TCP 7 and
#   UDP 9 (echo)
# vm-timeout: 600
# vm-cost: 25
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need jq socat ping

RR6=fdff:2000::1
RR4=172.30.0.1
SVC=app.ns.svc.ns
N=(ip netns exec n)
C=(ip netns exec cli)
LOGS=$(mktemp -d)

sn() { "${N[@]}" semnet "$@"; }
jq_n() { jq_in n "$@"; }
stat_of() { stat_in n "$1"; }
drop_of() { drop_in n "$1"; }

# container6 NAME NSIP6: a container on br0 with only an IPv6 address.
container6() {
	topo_netns "$1" || return 1
	ip -n n link add "$1" type veth peer name eth0 netns "$1" &&
	ip -n n link set "$1" master br0 up &&
	ip -n "$1" addr add "$2/120" dev eth0 nodad &&
	ip -n "$1" link set eth0 up &&
	ip -n "$1" route add default via fc00::101
}

setup() {
	local i
	topo_node n 172.16.0.0/26 172.16.0.1
	ip -n n addr add fc00::101/120 dev br0 nodad
	"${N[@]}" sysctl -qw net.ipv6.conf.all.forwarding=1
	container6 cli fc00::102
	container6 x1 fc00::103
	container6 x2 fc00::104
	# x1 is dual stack: its IPv4 side for the service's IPv4 address.
	ip -n x1 addr add 172.16.0.3/26 dev eth0
	ip -n x1 route add default via 172.16.0.1
	for i in 1 2; do
		ip netns exec "x$i" socat -t 10 TCP6-LISTEN:80,fork,reuseaddr \
			SYSTEM:"echo hit >>$LOGS/x$i.log; echo x$i \$SOCAT_PEERADDR" &
		ip netns exec "x$i" socat -t 10 TCP6-LISTEN:7,fork,reuseaddr EXEC:cat &
		ip netns exec "x$i" socat -T 5 UDP6-RECVFROM:9,fork EXEC:cat &
	done
	for i in 1 2; do
		wait_port "x$i" 80 || tap_fail "servers in x$i listen"
	done
}

test_config() {
	tap_run "node set, both families" sn node set platform 172.16.0.0/12 \
		services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0 \
		platform6 fc00::/7 services6 fdff::/16 subnet fc00::100/120 gateway6 fc00::101
	tap_run "IPv6 service $RR6" sn service add "$RR6" name "$SVC" policy rr
	tap_run "IPv4 service $RR4 of the same name" sn service add "$RR4" name "$SVC"
	tap_run "instance fdff::1 (x1)" sn instance add fdff::1 service "$SVC" nsip fc00::103 dev x1
	tap_run "instance fdff::2 (x2)" sn instance add fdff::2 service "$SVC" nsip fc00::104 dev x2
	tap_run "instance 172.30.1.1 (x1, IPv4)" sn instance add 172.30.1.1 service "$SVC" \
		nsip 172.16.0.3 dev x1
	tap_run "the client's instance fdff::10" sn instance add fdff::10 \
		service client.ns.cli.ns nsip fc00::102 dev cli
	tap_eq "the IPv6 address has 2 instances, the IPv4 one 1" \
		"$(jq_n '[.[] | "\(.address)=\(.instances)"] | sort | join(" ")' service show)" \
		"172.30.0.1=1 $RR6=2"
}

test_round_robin() {
	local out i
	out=$(for i in $(seq 10); do
		"${C[@]}" socat -T10 -t10 - "TCP6:[$RR6]:80" </dev/null | cut -d' ' -f1
	done | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')
	tap_eq "10 connections to $RR6: 5 each, in turn" "$out" "x1=5 x2=5"
	# socat prints the peer's address uncompressed.
	tap_match "the server sees the client's InstanceIP" \
		"$("${C[@]}" socat -T10 -t10 - "TCP6:[$RR6]:80" </dev/null)" \
		"\\[fdff(:0000){6}:0010\\]"
	tap_eq "the flows' instances: both" \
		"$(jq_n '[.[] | .counters.flows] | add' instance show)" 11
}

test_payload() {
	local data sum got
	data=$(mktemp)
	head -c 300000 /dev/urandom >"$data"
	sum=$(sha256sum <"$data" | cut -d' ' -f1)
	got=$("${C[@]}" socat -T10 -t10 - "TCP6:[$RR6]:7,shut-down" <"$data" |
		sha256sum | cut -d' ' -f1)
	tap_eq "TCP: 300 KB through $RR6 echoed byte for byte" "$got" "$sum"
	# A datagram can be lost while the echo server forks (the debug
	# kernel is slow to): up to three tries.
	for _ in 1 2 3; do
		got=$(echo hello6 | "${C[@]}" socat -t5 -T5 - "UDP6:[$RR6]:9")
		[ "$got" = hello6 ] && break
	done
	tap_eq "UDP through $RR6: echoed" "$got" hello6
	rm -f "$data"
}

test_icmp() {
	local out
	out=$("${C[@]}" ping -6 -c 3 -i 0.2 -W 2 "$RR6" 2>&1)
	tap_match "ping $RR6: 3 replies" "$out" "3 received"
	tap_match "ping replies come from $RR6" "$out" "from $RR6"
	tap_run "ping an IPv6 InstanceIP" "${C[@]}" ping -6 -c 2 -i 0.2 -W 2 fdff::2
}

test_refusals() {
	local before t0 t1
	tap_run "a service without instances" sn service add fdff:2000::9 name empty.ns.x.ns
	t0=$(date +%s%N)
	"${C[@]}" socat -T30 - "TCP6:[fdff:2000::9]:80,connect-timeout=30" </dev/null 2>/dev/null
	t1=$(date +%s%N)
	# A dropped SYN would wait out the 30 s timeout (retransmits at 1 and 3 s).
	tap_eq "no instance: the connect fails at once (ICMPv6 unreachable), not on a timeout" \
		"$(( (t1 - t0) / 1000000 < 15000 ))" 1
	# The SYN, and any retransmission sent before the error arrived.
	tap_eq "counted as no-instance" "$(( $(drop_of no_instance) >= 1 ))" 1
	before=$(drop_of unknown_address)
	"${C[@]}" socat -T2 - "TCP6:[fdff:2000::77]:80,connect-timeout=2" </dev/null 2>/dev/null
	tap_eq "an unknown IPv6 ServiceIP is dropped and counted" \
		"$(( $(drop_of unknown_address) > before ))" 1
	before=$(drop_of spoofed_source)
	ip -n cli addr add fc00:5::9/128 dev eth0 nodad
	"${C[@]}" socat -T2 - "TCP6:[$RR6]:80,bind=[fc00:5::9],connect-timeout=2" </dev/null 2>/dev/null
	tap_eq "a source outside the node's subnets is dropped as spoofed" \
		"$(( $(drop_of spoofed_source) > before ))" 1
	# Or it would be the source cli picks for what follows.
	ip -n cli addr del fc00:5::9/128 dev eth0
}

# send_na NS TARGET: an unsolicited, overriding neighbour advertisement
# for TARGET from NS's eth0 to all nodes (hop limit 255, as NDP wants).
send_na() {
	ip netns exec "$1" python3 - "$2" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("eth0"))
with open("/sys/class/net/eth0/address") as f:
    mac = bytes.fromhex(f.read().strip().replace(":", ""))
# Type 136, code 0, checksum (the kernel's), flags: override.
na = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, sys.argv[1])
na += struct.pack("!BB", 2, 1) + mac	# target link-layer address option
s.sendto(na, ("ff02::1", 0, 0, socket.if_nametoindex("eth0")))
PY
}

# A port sends only as its own container: its IPv6 source, and the target
# of its neighbour advertisements (a neighbour's nsIP, the gateway's). The
# forger is a container of its own (spy, fc00::106), so that what it does
# to its addresses leaves cli alone.
test_spoofing() {
	local before mac_spy
	container6 spy fc00::106
	before=$(drop_of spoofed_source)
	ip -n spy addr add fc00::104/128 dev eth0 nodad
	ip netns exec spy socat -T2 - "TCP6:[$RR6]:80,bind=[fc00::104],connect-timeout=2" \
		</dev/null 2>/dev/null
	tap_eq "x2's nsIP sent from another port is dropped as spoofed" \
		"$(( $(drop_of spoofed_source) > before ))" 1
	before=$(drop_of spoofed_source)
	ip -n spy addr add fc00::101/128 dev eth0 nodad
	ip netns exec spy ping -6 -c 1 -W 1 -I fc00::101 fc00::103 >/dev/null 2>&1
	tap_eq "the gateway's address from a port is dropped" \
		"$(( $(drop_of spoofed_source) > before ))" 1
	"${N[@]}" ping -6 -c 1 -W 2 fc00::104 >/dev/null 2>&1
	before=$(drop_of spoofed_source)
	send_na spy fc00::104
	send_na spy fc00::101
	# At least the two (the forger's own neighbour solicitations from the
	# addresses it stole may still be retried meanwhile).
	tap_eq "neighbour advertisements for x2's nsIP and the gateway: both dropped" \
		"$(( $(drop_of spoofed_source) - before >= 2 ))" 1
	mac_spy=$(ip netns exec spy cat /sys/class/net/eth0/address)
	tap_eq "the node's neighbour entry for x2 is not the forger's" \
		"$("${N[@]}" ip -6 neigh show fc00::104 | grep -c "$mac_spy")" 0
	tap_eq "x2 still answers through $RR6" \
		"$("${C[@]}" socat -T10 -t10 - "TCP6:[$RR6]:80" </dev/null | cut -d' ' -f1 | grep -c x)" 1
}

setup
tap_cases test_config test_round_robin test_payload test_icmp test_refusals test_spoofing
tap_done
