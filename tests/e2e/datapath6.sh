#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one-node IPv6 datapath (issue 16, item 2): TCP, UDP and ICMPv6
# through an IPv6 RR address, exact round robin, payload intact, the
# server seeing the client's IPv6 InstanceIP, replies from the address the
# client asked, the IPv4 side of the same service name untouched, and the
# refusals (no instance: ICMPv6 unreachable at once; a source outside the
# node's subnets: spoofing). An unknown IPv6 address is a table miss: an
# event in `semnet monitor -j` naming both IPv6 addresses, the SYN held
# and sent on once the instance is added (or dropped when the hold
# expires). `semnet flow show -j` lists the IPv6 flows (all of them, after
# as many IPv4 ones, across dump messages), and `flow flush service` of
# the IPv6 ServiceIP removes exactly its flows.
#
#   cli fc00::102     x1 fc00::103      x2 fc00::104      x3 fc00::105
#   (fdff::10,        (fdff::1)         (fdff::2)         (fdff::3, added
#    172.16.0.2 later)                                     on its miss)
#        |                 |                 |                 |
#   netns n: br0 172.16.0.1/26, fc00::101/120 ------------------------
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
	# A MAC of its own: a bridge takes its lowest port's, so a container
	# added later (spy, x3) could change it under the containers' neighbour
	# caches, and their packets to the old one would be another host's.
	ip -n n link set br0 address 02:5e:00:00:00:01
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
	before=$(drop_of hold_expired)
	"${C[@]}" socat -T2 - "TCP6:[fdff:2000::77]:80,connect-timeout=2" </dev/null 2>/dev/null
	# A miss (test_miss_event): held for hold-timeout (2 s), then dropped.
	tap_wait "an unknown IPv6 ServiceIP: held, then dropped and counted" 10 \
		counter_at_least $((before + 1)) drop_of hold_expired
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

# genl_listener NS: a process in NS listens to a generic netlink multicast
# group (/proc/net/netlink shows the first 32 groups of each socket).
genl_listener() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$1" awk '$2 == 16 && $3 != 0 && $4 != "00000000" { found = 1 } END { exit !found }' \
		/proc/net/netlink
}

# A connection to an IPv6 ServiceIP the node does not know: one event in
# `semnet monitor -j` with the IPv6 ServiceIP and the client's nsIP; the
# SYN waits and goes on once the service is added.
test_miss_event() {
	local addr=fdff:2000::20 monitor text client miss
	# One event per address: the SYN's retransmissions raise no more.
	sn node change hold-timeout 20000 miss-interval 60000
	"${N[@]}" semnet -j monitor count 1 >"$LOGS/misses" &
	monitor=$!
	"${N[@]}" semnet monitor count 1 >"$LOGS/misses-text" &
	text=$!
	# Joined the group? (Not visible when its id is over 31: then 5 s pass.)
	wait_until 5 genl_listener n || tap_note "the monitor's subscription is not visible: waited 5 s"
	"${C[@]}" socat -T60 -t60 - "TCP6:[$addr]:80,connect-timeout=20" </dev/null \
		>"$LOGS/late-svc" 2>&1 &
	client=$!
	tap_wait "semnet monitor shows the IPv6 miss" 10 lines_at_least 1 "$LOGS/misses"
	miss=$(head -n 1 "$LOGS/misses")
	tap_eq "the miss names the IPv6 ServiceIP, the client's nsIP, TCP port 80, one held" \
		"$(jq -r '[.event, .kind, .family, .addr, .src, .proto, .dport, .held] | join(" ")' \
			<<<"$miss")" "miss address inet6 $addr fc00::102 tcp 80 1"
	wait "$monitor"
	tap_eq "semnet monitor count 1 exits after the event" "$?" 0
	wait "$text"
	tap_eq "the text monitor's line" "$(cat "$LOGS/misses-text")" \
		"miss $addr from fc00::102 tcp port 80 held 1"
	tap_run "stats count the held SYN" test "$(stat_of held)" -ge 1
	sn service add "$addr" name "$SVC"
	wait "$client"
	tap_eq "once the service is added, the held connection completes" "$?" 0
	tap_match "and reaches an instance" "$(cat "$LOGS/late-svc")" "^x[12] "
}

# A SYN to an InstanceIP not installed yet (x3's) is held; adding the
# instance sends it on through the IPv6 hooks: the connection succeeds.
test_held_syn() {
	local released before_drops client
	sn node change hold-timeout 20000
	container6 x3 fc00::105
	ip netns exec x3 socat -t 10 TCP6-LISTEN:80,fork,reuseaddr SYSTEM:"echo x3 \$SOCAT_PEERADDR" &
	wait_port x3 80 || tap_fail "the server in x3 listens"
	released=$(stat_of released)
	before_drops=$(jq_n '.drops.hold_expired + .drops.hold_full' stats)
	"${C[@]}" socat -T60 -t60 - "TCP6:[fdff::3]:80,connect-timeout=20" </dev/null \
		>"$LOGS/late-inst" 2>&1 &
	client=$!
	tap_wait "the SYN to the unknown InstanceIP fdff::3 is held" 10 \
		counter_at_least 1 stat_of held
	tap_run "instance fdff::3 (x3) added" \
		sn instance add fdff::3 service x3.ns.x.ns nsip fc00::105 dev x3
	wait "$client"
	tap_eq "once the instance is added, the held connection completes" "$?" 0
	tap_match "and reaches x3, from the client's InstanceIP" "$(cat "$LOGS/late-inst")" \
		"^x3 \\[fdff(:0000){6}:0010\\]"
	tap_run "the held packets were released, none dropped" test \
		"$(stat_of released)" -gt "$released" -a \
		"$(jq_n '.drops.hold_expired + .drops.hold_full' stats)" -eq "$before_drops"
	tap_eq "nothing is held any more" "$(stat_of held)" 0
}

# udp_flows DST N [PORT]: N datagrams from cli to DST:PORT (default 5555,
# where nobody listens), each from a port of its own: N flows.
udp_flows() {
	"${C[@]}" python3 - "$1" "$2" "${3:-5555}" <<'PY'
import socket, sys
dst, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
socks = []
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(b"flow", (dst, port))
    socks.append(s)	# open until all are sent: every port differs
PY
}

# cli speaks IPv4 too (172.16.0.2, InstanceIP 172.30.1.10), for flows of
# both families.
cli_dual_stack() {
	"${N[@]}" semnet instance show 172.30.1.10 >/dev/null 2>&1 && return 0
	ip -n cli addr add 172.16.0.2/26 dev eth0 &&
	ip -n cli route add default via 172.16.0.1 &&
	sn instance add 172.30.1.10 service client.ns.cli.ns nsip 172.16.0.2 dev cli
}

# How many flows of `semnet -j flow show ARGS` FILTER selects.
flows_where() {
	local filter=$1
	shift
	jq_n "[.[] | select($filter)] | length" flow show "$@"
}

# `semnet flow show -j` has the IPv6 flows with their addresses as sent and
# as translated, their ServiceIP and instance; a dump of 150 flows of each
# family spans several messages and the two tables, and misses none.
test_flow_show() {
	local flows got
	tap_run "cli is dual stack" cli_dual_stack
	sn flow flush
	for _ in 1 2 3; do
		got=$(echo flow6 | "${C[@]}" socat -t5 -T5 - "UDP6:[$RR6]:9")
		[ "$got" = flow6 ] && break
	done
	flows=$("${N[@]}" semnet -j flow show)
	# The instance it picked and the nsIP it went to agree.
	tap_match "an IPv6 UDP flow to $RR6: as sent, translated, its service and instance" \
		"$(json_get "$flows" '[.[] | select(.proto == "udp" and .dst == "'"$RR6"'") |
		  "\(.src) \(.dport) => \(.xsrc) \(.xdport) \(.service) \(.instance) " +
		  (if {"fdff::1": "fc00::103", "fdff::2": "fc00::104"}[.instance] == .xdst
		   then "paired" else "xdst \(.xdst)" end)] | .[0]')" \
		"^fc00::102 9 => fdff::10 9 $RR6 fdff::[12] paired$"
	tap_match "the text shows it as [ADDR]:PORT" "$(sn flow show)" \
		"^udp +\\[fc00::102\\]:[0-9]+ +-> +\\[$RR6\\]:9 +=> +\\[fdff::10\\]:[0-9]+ +-> +\\[fc00::10[34]\\]:9 +instance fdff::[12] "
	sn flow flush
	udp_flows "$RR6" 150
	udp_flows "$RR4" 150
	flows=$("${N[@]}" semnet -j flow show)
	tap_jq "the dump has 150 IPv6 flows to $RR6 and 150 IPv4 ones to $RR4" "$flows" \
		'[.[] | .dst] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' \
		"$RR4=150 $RR6=150"
	tap_jq "IPv4 flows first, then IPv6" "$flows" \
		'[.[] | (.dst | contains(":"))] | . == sort' true
	tap_eq "as many as the module counts" "$(json_get "$flows" length)" "$(stat_of flows)"
	tap_eq "flow show service $RR6: the IPv6 ones (the module filters)" \
		"$(flows_where '.service == "'"$RR6"'"' service "$RR6")" 150
	tap_eq "flow show instance fdff::2: its own" \
		"$(flows_where '.instance != "fdff::2"' instance fdff::2)" 0
}

# `semnet flow flush service` of the IPv6 ServiceIP removes its flows and
# nothing else: not the IPv4 service's, not those to an IPv6 InstanceIP.
test_flow_flush() {
	local flows
	cli_dual_stack
	sn flow flush
	udp_flows "$RR6" 20
	udp_flows "$RR4" 20
	udp_flows fdff::2 5
	flows=$("${N[@]}" semnet -j flow show)
	tap_jq "20 flows to $RR6, 20 to $RR4, 5 to the InstanceIP fdff::2" "$flows" \
		'[.[] | .dst] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' \
		"$RR4=20 $RR6=20 fdff::2=5"
	tap_run "flow flush service $RR6" sn flow flush service "$RR6"
	flows=$("${N[@]}" semnet -j flow show)
	tap_jq "exactly the flows of $RR6 are gone" "$flows" \
		'[.[] | .dst] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' \
		"$RR4=20 fdff::2=5"
	tap_run "flow flush instance fdff::2" sn flow flush instance fdff::2
	tap_jq "then those to fdff::2: the IPv4 ones stay" "$("${N[@]}" semnet -j flow show)" \
		'[.[] | .dst] | unique | join(" ")' "$RR4"
	tap_fails "flush takes one filter: service and instance together are refused" \
		sn flow flush service "$RR6" instance fdff::2
}

setup
tap_cases test_config test_round_robin test_payload test_icmp test_refusals test_spoofing \
	test_miss_event test_held_syn test_flow_show test_flow_flush
tap_done
