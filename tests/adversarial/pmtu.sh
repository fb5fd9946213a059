#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU end to end, as on an LTE, PPPoE or VPN underlay: two nodes whose
# own links are 1500 bytes, with a 1400-byte hop between two routers.
#
#   cli 172.16.0.2                                           srv 172.16.0.66
#    | br0 .1                                                 br0 .65 |
#   [a] ul0 10.1.0.2 -- 10.1.0.1 [r1] 10.3.0.1 ==1400== 10.3.0.2 [r2] 10.2.0.1 -- 10.2.0.2 ul0 [b]
#
# semnet0 on both nodes takes 1464 (1500 - 36) from its default route, and
# the containers that MTU, as semnetd gives them. A 1 MiB download from
# srv and a 1 MiB upload by cli through a ServiceIP complete: each node
# learns the 1400-byte path from the router's "fragmentation needed"
# (the tunnel socket takes underlay ICMP errors), and its containers get
# "fragmentation needed" with 1364 (1400 - IPv4 20 - UDP 8 - GRE 8),
# quoting their own packets (their route caches hold it, which TCP only
# allows for an error that names one of its connections).
#
# Then the automatic MTU: a namespace whose default route leaves through a
# 1420-byte device (a larger one is there too) gets 1384; through a route
# with an MTU metric of 1400, 1364.
#
# Knobs: SEMNET_PMTU_BYTES (transfer size, 1048576).
# vm-timeout: 1200
# vm-smp: 1
# check-tier: ci
# vm-cost: 231
# shellcheck disable=SC2317 # the cases run from a list or through tap_run
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"

BYTES=${SEMNET_PMTU_BYTES:-1048576}
RR=172.30.0.1
I_CLI=172.30.1.10
I_SRV=172.30.1.1
LOGS=$(mktemp -d)

# cached_mtu NS DST: the path MTU NS's route cache holds for DST, or none.
cached_mtu() {
	ip -n "$1" route get "$2" | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | grep . || echo none
}
mtu_of() { ip -n "$1" -j link show "$2" | jq '.[0].mtu'; }

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2 [MTU]: a veth between two namespaces.
link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3/24" dev "$2" &&
	ip -n "$4" addr add "$6/24" dev "$5" &&
	if [ -n "${7:-}" ]; then
		ip -n "$1" link set "$2" mtu "$7" && ip -n "$4" link set "$5" mtu "$7"
	fi &&
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

# node NODE SUBNET GATEWAY: semnet as tests/lib/overlay.sh sets it up, on
# an underlay already wired (semnet0's MTU from the default route).
node() {
	ip netns exec "$1" semnet node set platform "$PLATFORM" services "$SERVICES" \
		subnet "$2" gateway "$3" bridge br0 &&
	ip -n "$1" link add semnet0 type semnet &&
	ip -n "$1" link set semnet0 up &&
	ip -n "$1" route add "$PLATFORM" dev semnet0 src "$3"
}

# container NODE NAME NSIP GATEWAY: at semnet0's MTU, as semnetd does.
container() {
	local mtu
	mtu=$(mtu_of "$1" semnet0)
	topo_container "$1" "$2" "$3" 26 "$4" &&
	ip -n "$2" link set eth0 mtu "$mtu" &&
	ip -n "$1" link set "$2" mtu "$mtu"
}

setup() {
	topo_node a 172.16.0.0/26 172.16.0.1 &&
	topo_node b 172.16.0.64/26 172.16.0.65 &&
	topo_netns r1 && topo_netns r2 &&
	link a ul0 10.1.0.2 r1 ul-a 10.1.0.1 &&
	link r1 hop 10.3.0.1 r2 hop 10.3.0.2 1400 &&
	link r2 ul-b 10.2.0.1 b ul0 10.2.0.2 &&
	ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec r2 sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n r1 route add 10.2.0.0/24 via 10.3.0.2 &&
	ip -n r2 route add 10.1.0.0/24 via 10.3.0.1 &&
	ip -n a route add default via 10.1.0.1 &&
	ip -n b route add default via 10.2.0.1 &&
	node a 172.16.0.0/26 172.16.0.1 &&
	node b 172.16.0.64/26 172.16.0.65 &&
	overlay_peer a 172.16.0.64/26 10.2.0.2 &&
	overlay_peer b 172.16.0.0/26 10.1.0.2 &&
	container a cli 172.16.0.2 172.16.0.1 &&
	container b srv 172.16.0.66 172.16.0.65 &&
	ip netns exec a semnet service add "$RR" name srv.ns.svc.ns &&
	ip netns exec a semnet instance add "$I_SRV" service srv.ns.svc.ns \
		nsip 172.16.0.66 node 10.2.0.2 &&
	ip netns exec a semnet instance add "$I_CLI" service cli.ns.c.ns \
		nsip 172.16.0.2 dev cli &&
	ip netns exec b semnet instance add "$I_SRV" service srv.ns.svc.ns \
		nsip 172.16.0.66 dev srv
}

test_setup() {
	tap_eq "semnet0 on a: 1464, from its default route" "$(mtu_of a semnet0)" 1464
	tap_eq "no path MTU known before: cli to the ServiceIP" "$(cached_mtu cli "$RR")" none
}

# download: cli fetches BYTES from srv through the ServiceIP.
test_download() {
	local t0 t1
	# TCP announces an MSS that fits the path MTU it knows: cli must
	# forget what the upload taught it, or srv never sends a big segment.
	ip -n cli route flush cache
	timeout 90 ip netns exec srv socat -u "OPEN:$LOGS/payload" TCP-LISTEN:5001,reuseaddr &
	wait_port srv 5001 || tap_fail "download: the server listens"
	t0=$(date +%s.%N)
	timeout 60 ip netns exec cli socat -u -T 30 "TCP:$RR:5001" "CREATE:$LOGS/down"
	t1=$(date +%s.%N)
	tap_run "download: $BYTES bytes through the ServiceIP, byte for byte" \
		cmp "$LOGS/payload" "$LOGS/down"
	tap_note "download: $(stat -c %s "$LOGS/down" 2>/dev/null || echo 0) bytes in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
	tap_eq "download: b learned the 1400-byte path to a from r2" \
		"$(cached_mtu b 10.1.0.2)" 1400
	# srv sent to the client's InstanceIP: the error quoted that packet.
	tap_eq "download: srv saw fragmentation needed, MTU 1364, for its own packets" \
		"$(cached_mtu srv "$I_CLI")" 1364
	tap_note "a: too-big drops $(drop_in a too_big), b: $(drop_in b too_big)"
	tap_run "both nodes answered oversized packets (too-big drops on a and b)" \
		test "$(drop_in a too_big)" -gt 0 -a "$(drop_in b too_big)" -gt 0
}

# upload: cli sends BYTES to srv through the ServiceIP.
test_upload() {
	head -c "$BYTES" /dev/urandom >"$LOGS/payload"
	timeout 90 ip netns exec srv socat -u -T 30 TCP-LISTEN:5002,reuseaddr "CREATE:$LOGS/up" &
	local rx=$!
	wait_port srv 5002 || tap_fail "upload: the server listens"
	timeout 60 ip netns exec cli socat -u -T 30 "OPEN:$LOGS/payload" "TCP:$RR:5002"
	wait "$rx"
	tap_run "upload: $BYTES bytes through the ServiceIP, byte for byte" \
		cmp "$LOGS/payload" "$LOGS/up"
	tap_eq "upload: a learned the 1400-byte path to b from r1" \
		"$(cached_mtu a 10.2.0.2)" 1400
	tap_eq "upload: the client saw fragmentation needed, MTU 1364, for the ServiceIP" \
		"$(cached_mtu cli "$RR")" 1364
}

# A DF ping over the tunnel's path MTU from cli: the error names the
# ServiceIP's echo as cli sent it (ping prints the MTU it reports).
test_ping() {
	local out
	out=$(ip netns exec cli ping -M "do" -s 1372 -c 2 -i 0.3 -W 2 "$RR" 2>&1)
	tap_match "ping -M do of 1400 bytes to the ServiceIP: frag needed, mtu 1364" \
		"$out" "mtu ?= ?1364"
	tap_run "ping -M do of 1364 bytes to the ServiceIP passes" \
		ip netns exec cli ping -M "do" -s 1336 -c 2 -i 0.3 -W 2 "$RR"
}

# The automatic MTU follows the default route, not the largest device.
test_auto_mtu() {
	topo_netns m
	ip -n m link add big type dummy && ip -n m link set big mtu 9000 up
	ip -n m link add up0 type dummy && ip -n m link set up0 mtu 1420 up
	ip -n m addr add 192.0.2.2/24 dev up0
	ip -n m route add default via 192.0.2.1
	ip -n m link add semnet0 type semnet
	tap_eq "auto MTU: default route through a 1420-byte device: 1384" \
		"$(mtu_of m semnet0)" 1384
	ip -n m link del semnet0
	ip -n m route replace default via 192.0.2.1 mtu 1400
	ip -n m link add semnet0 type semnet
	tap_eq "auto MTU: default route with an MTU of 1400: 1364" "$(mtu_of m semnet0)" 1364
	ip -n m link del semnet0
	ip -n m route del default
	ip -n m link add semnet0 type semnet
	tap_eq "auto MTU: no default route, the largest device: 8964" \
		"$(mtu_of m semnet0)" 8964
}

tap_run "topology: a - r1 =1400= r2 - b" setup
test_setup
test_upload
test_download
test_ping
test_auto_mtu
tap_done
