#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Direct and device-bound peers (issue 18) under churn, bad requests and
# rmmod, on the debug kernel (KASAN, lockdep, kmemleak, panic_on_warn):
#
#   cli 172.16.0.2 fc00::2 (172.30.1.10 fdff::10)   x1 172.16.0.66 fc00::102 (172.30.1.1 fdff::1)
#    | br0                                               br0 |
#   [a] ul0 10.99.0.1 2001:db8::1 --- wire --- 10.99.0.2 2001:db8::2 ul0 [b]
#        dd0 (dummy, made and deleted)               dd0 (the same)
#
# a and b route each other's subnets via the other's underlay address and
# peer `encap direct dev ul0` (tests/e2e/links_direct.sh's setup). While
# cli connects to the RR ServiceIPs (both families) in a loop, a churner
# in each node, for CHURN_ROUNDS rounds, flips its peers between direct
# and gre-udp, binds them to a dummy device and deletes that device under
# the binding, deletes and re-adds them, and flushes the neighbour table
# the Ethernet check reads. Then:
#  - requests that must fail (a direct peer without a device, a device
#    that does not exist) fail and change nothing: the peer dump is the
#    same before and after;
#  - with the peers set back, RR works again in both families (payload
#    echoed byte for byte), and the churn ran (rounds counted);
#  - rmmod with the direct peers and the client loop running succeeds, and
#    the module loads and works again.
# Knobs: SEMNET_LINKS_CHURN_ROUNDS (6; 30 with SEMNET_FULL=1): each round is
# 14 peer changes and 4 device changes, in each node at once.
# vm-timeout: 1500
# check-tier: ci
# vm-cost: 400
# shellcheck disable=SC2016,SC2317 # eval strings expand late; tap_cases calls the functions
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"
SEMNET_FAMILY=6		# dual-stack nodes and containers (tests/lib/overlay.sh)
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq python3

CHURN_ROUNDS=${SEMNET_LINKS_CHURN_ROUNDS:-$(adv_size 6 30)}
RR4=172.30.0.1 RR6=fdff:2000::1
I_CLI4=172.30.1.10 I_X14=172.30.1.1 I_CLI6=fdff::10 I_X16=fdff::1
NS_CLI4=172.16.0.2 NS_X14=172.16.0.66 NS_CLI6=fc00::2 NS_X16=fc00::102
declare -A UL4=([a]=10.99.0.1 [b]=10.99.0.2)
declare -A UL6=([a]=2001:db8::1 [b]=2001:db8::2)
declare -A OTHER=([a]=b [b]=a)
LOGS=$(mktemp -d)
PEER=$SEMNET_TOP/tests/lib/netpeer.py
PIDS=()

# direct_peers NODE: NODE's two peers towards the other node, direct over ul0.
direct_peers() {
	local n=$1 o=${OTHER[$1]}
	ip netns exec "$n" semnet peer add "${OVERLAY_SUB4[$o]}" remote "${UL4[$o]}" \
		encap direct dev ul0 &&
	ip netns exec "$n" semnet peer add "${OVERLAY_SUB6[$o]}" remote "${UL6[$o]}" \
		encap direct dev ul0
}

# direct NODE: NODE routes the other node's subnets via its underlay
# addresses and peers with it directly, both families.
direct() {
	local n=$1 o=${OTHER[$1]}
	ip -n "$n" addr add "${UL6[$n]}/64" dev ul0 nodad &&
	ip -n "$n" route add "${OVERLAY_SUB4[$o]}" via "${UL4[$o]}" dev ul0 &&
	ip -n "$n" -6 route add "${OVERLAY_SUB6[$o]}" via "${UL6[$o]}" dev ul0 &&
	direct_peers "$n"
}

test_topology() {
	local n
	overlay_underlay
	for n in a b; do
		tap_run "node $n" overlay_abc_node "$n"
	done
	for n in a b; do
		tap_run "$n: direct routes and peers" direct "$n"
	done
	topo_container a cli "$NS_CLI4" 26 "${OVERLAY_GW4[a]}" &&
	topo_container6 a cli "$NS_CLI6" 120 "${OVERLAY_GW6[a]}" &&
	topo_container b x1 "$NS_X14" 26 "${OVERLAY_GW4[b]}" &&
	topo_container6 b x1 "$NS_X16" 120 "${OVERLAY_GW6[b]}"
	tap_eq "containers cli on a, x1 on b (dual stack)" "$?" 0
	ip netns exec a semnet service add "$RR4" name b4.ns.svc.ns &&
	ip netns exec a semnet service add "$RR6" name b6.ns.svc.ns &&
	ip netns exec a semnet instance add "$I_X14" service b4.ns.svc.ns nsip "$NS_X14" &&
	ip netns exec a semnet instance add "$I_X16" service b6.ns.svc.ns nsip "$NS_X16" &&
	ip netns exec a semnet instance add "$I_CLI4" service cli4.ns.c.ns nsip "$NS_CLI4" dev cli &&
	ip netns exec a semnet instance add "$I_CLI6" service cli6.ns.c.ns nsip "$NS_CLI6" dev cli &&
	ip netns exec b semnet instance add "$I_X14" service b4.ns.svc.ns nsip "$NS_X14" dev x1 &&
	ip netns exec b semnet instance add "$I_X16" service b6.ns.svc.ns nsip "$NS_X16" dev x1 &&
	ip netns exec b semnet instance add "$I_CLI4" service cli4.ns.c.ns nsip "$NS_CLI4" &&
	ip netns exec b semnet instance add "$I_CLI6" service cli6.ns.c.ns nsip "$NS_CLI6"
	tap_eq "services and instances" "$?" 0
	ip netns exec x1 socat -t 10 TCP6-LISTEN:7,fork,reuseaddr EXEC:cat &
	PIDS+=($!)
	wait_port x1 7 || tap_fail "x1's echo server listens"
	tap_run "IPv4 RR before the churn: echoed" ip netns exec cli "$PEER" tcp "$RR4" 7 2000
	tap_run "IPv6 RR before the churn: echoed" ip netns exec cli "$PEER" tcp "$RR6" 7 2000
}

# client_loop: cli connects to both RR addresses until $LOGS/stop exists,
# one line per connection in $LOGS/conns ("ok" or "fail").
client_loop() {
	local to
	while [ ! -e "$LOGS/stop" ]; do
		for to in "$RR4" "$RR6"; do
			if timeout 5 ip netns exec cli "$PEER" tcp "$to" 7 200 >/dev/null 2>&1; then
				echo ok
			else
				echo fail
			fi
		done
	done >>"$LOGS/conns"
}

# churn NODE: NODE's peers changed in CHURN_ROUNDS rounds, each two
# batches of peer changes and two of device changes, one line per round in
# $LOGS/rounds.NODE. Some lines fail by design (a device deleted under its
# binding, then named again): the kernel must refuse them cleanly, and the
# checks after the churn look at the state.
churn() {
	local n=$1 o=${OTHER[$1]} r
	local s4=${OVERLAY_SUB4[$o]} s6=${OVERLAY_SUB6[$o]}
	local u4=${UL4[$o]} u6=${UL6[$o]}
	for ((r = 0; r < CHURN_ROUNDS; r++)); do
		ip -n "$n" -force -batch - <<-EOF
			link add dd0 type dummy
			link set dd0 up
			neigh flush dev ul0
		EOF
		ip netns exec "$n" semnet -force -batch - <<-EOF
			peer change $s4 encap gre-udp
			peer change $s6 encap gre-udp dev none
			peer change $s4 dev dd0
			peer change $s6 encap direct dev dd0
		EOF
		ip -n "$n" link del dd0
		ip netns exec "$n" semnet -force -batch - <<-EOF
			peer set $s4 cost $r
			peer change $s6 remote $u6
			peer change $s6 dev ul0
			peer change $s4 encap direct dev ul0
			peer del $s4
			peer del $s6
			peer add $s4 remote $u4 encap direct dev ul0
			peer add $s6 remote $u6 encap direct dev ul0
			peer change $s4 encap gre-udp dev none
			peer change $s4 encap direct dev ul0
		EOF
		echo "$r" >>"$LOGS/rounds.$n"
	done >/dev/null 2>&1
}

test_churn() {
	local n ok fail ca cb
	rm -f "$LOGS/stop"
	client_loop &
	PIDS+=($!)
	churn a &
	ca=$!
	churn b &
	cb=$!
	wait "$ca" "$cb"
	for n in a b; do
		tap_eq "$n churned its peers: rounds" "$(wc -l <"$LOGS/rounds.$n")" "$CHURN_ROUNDS"
	done
	# Binding to dd0 drops b's packets on purpose: connections during the
	# churn may fail; after it, they must not (test_after).
	ok=$(grep -c '^ok$' "$LOGS/conns") fail=$(grep -c '^fail$' "$LOGS/conns")
	tap_note "client connections during the churn: $ok echoed, $fail not"
}

# Put both nodes back: direct over ul0, neighbours warm.
restore() {
	local n o
	for n in a b; do
		o=${OTHER[$n]}
		ip -n "$n" link del dd0 2>/dev/null
		ip netns exec "$n" semnet peer del "${OVERLAY_SUB4[$o]}" 2>/dev/null
		ip netns exec "$n" semnet peer del "${OVERLAY_SUB6[$o]}" 2>/dev/null
		direct_peers "$n" || return 1
	done
	for n in a b; do
		o=${OTHER[$n]}
		ip netns exec "$n" ping -c 1 -W 5 "${UL4[$o]}" >/dev/null &&
		ip netns exec "$n" ping -6 -c 1 -W 5 "${UL6[$o]}" >/dev/null || return 1
	done
}

peer_config() {	# peer_config NODE: its peers without their counters
	jq_in "$1" 'map(del(.tx_packets, .tx_bytes, .rx_packets, .rx_bytes))' peer show
}

# Requests that must be refused, each leaving a's peers as they were.
test_refused() {
	local before
	tap_run "peers set back to direct over ul0, neighbours warm" restore
	before=$(peer_config a)
	tap_fails "a direct peer without a device is refused" \
		ip netns exec a semnet peer change "${OVERLAY_SUB4[b]}" dev none
	tap_fails "a device that does not exist is refused" \
		ip netns exec a semnet peer change "${OVERLAY_SUB6[b]}" dev nosuch0
	tap_fails "a direct peer added without a device is refused" \
		ip netns exec a semnet peer add 172.16.0.192/26 remote 10.99.0.7 encap direct
	tap_eq "the peers are as before" "$(peer_config a)" "$before"
}

test_after() {
	local n
	touch "$LOGS/stop"
	tap_run "IPv4 RR after the churn: echoed byte for byte" \
		ip netns exec cli "$PEER" tcp "$RR4" 7 20000
	tap_run "IPv6 RR after the churn: echoed byte for byte" \
		ip netns exec cli "$PEER" tcp "$RR6" 7 20000
	for n in a b; do
		tap_eq "$n: two direct peers bound to ul0" \
			"$(jq_in "$n" '[.[] | select(.encap == "direct" and .dev == "ul0")] | length' \
				-s peer show)" 2
	done
}

new_node() {	# new_node NS: a node configured in a new namespace NS
	topo_node "$1" 172.16.0.0/26 172.16.0.1 &&
	ip netns exec "$1" semnet node set platform "$PLATFORM" services "$SERVICES" \
		subnet 172.16.0.0/26 gateway 172.16.0.1 "${TOPO_ATTACH[@]}" &&
	ip netns exec "$1" semnet node show >/dev/null
}

# rmmod with direct peers configured and the client loop running.
test_unload() {
	local tries=0
	rm -f "$LOGS/stop"
	client_loop &
	PIDS+=($!)
	wait_until 30 test -s "$LOGS/conns"
	until rmmod semnet 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 60 ] || break
		sleep 1
	done
	if [ "$tries" -lt 60 ]; then
		tap_ok "rmmod with direct peers and traffic ($tries retries)"
	else
		tap_fail "rmmod with direct peers and traffic" "$(lsmod | grep semnet)"
	fi
	touch "$LOGS/stop"
	tap_run "insmod again" insmod "$SEMNET_MODULE"
	tap_run "a new node after the reload" new_node z
}

tap_cases test_topology test_churn test_refused test_after test_unload
touch "$LOGS/stop"
kill "${PIDS[@]}" 2>/dev/null
wait 2>/dev/null
rm -rf "$LOGS"
tap_done
