#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connections nobody completes must not lock anyone out.
#
#   node n: br0 172.16.0.1/26, flow-max 256
#     atk  172.16.0.2   SYN flood at 172.30.0.1:80, random source ports; it
#                       drops the SYN-ACKs (no RST: the flows stay open);
#                       instance 172.30.1.2 of atk
#     cli  172.16.0.3   a legitimate client: one connection every 100 ms;
#                       instance 172.30.1.3 of cli
#     x1   172.16.0.4   instance 172.30.1.1 of web (ServiceIP 172.30.0.1)
#
# 1. unreplied-max 64: the flood is held to 64 flows; the client's every
#    connection succeeds.
# 2. unreplied-max 512: the flood alone fills the table; a full table
#    evicts unreplied flows (early drop), never the client's, and every
#    connection still succeeds.
# Both: the flow count never exceeds flow-max, and once the flood stops
# the table drains within the unreplied timeout.
# Also: misses sprayed from one container do not silence another's.
# vm-timeout: 600
# check-tier: ci
# vm-cost: 300
# shellcheck disable=SC2016,SC2317 # eval strings expand late; tap_run calls the functions
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"

SECS=${SEMNET_FLOOD_SECONDS:-20}
# SYNs a second (0: as fast as the sender can). At full speed the sender
# alone takes every cycle of a TCG guest with KASAN (about 90 a second),
# and the client's server cannot even fork: 50 still fills the per-source
# limit and, with a 10 s unreplied timeout, the table.
RATE=${SEMNET_FLOOD_RATE:-50}
FLOW_MAX=256
FLOWPY=$SEMNET_TOP/tests/adversarial/flows.py
N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
stat_of() { sn -j stats | jq -r ".$1"; }
drop_of() { sn -j stats | jq -r ".drops[\"$1\"]"; }


setup() {
	topo_node n 172.16.0.0/26 172.16.0.1 &&
	topo_container n atk 172.16.0.2 26 172.16.0.1 &&
	topo_container n cli 172.16.0.3 26 172.16.0.1 &&
	topo_container n x1 172.16.0.4 26 172.16.0.1 &&
	# One batch: a process costs seconds on the debug kernel under TCG.
	sn -batch - <<-EOF &&
		node set platform 172.16.0.0/12 services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0 flow-max $FLOW_MAX unreplied-max 64 timeout-unreplied 10 timeout-tcp-close 2
		service add 172.30.0.1 name web
		instance add 172.30.1.1 service web nsip 172.16.0.4 dev x1
		instance add 172.30.1.2 service atk nsip 172.16.0.2 dev atk
		instance add 172.30.1.3 service cli nsip 172.16.0.3 dev cli
	EOF
	ip netns exec atk iptables -A INPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP &&
	# The server gives up on a half-open connection within seconds, and
	# has room for every one semnet lets through: what is tested is
	# semnet's fairness, not the server's (the debug kernel has no SYN
	# cookies, so a full queue would drop the client's SYN there).
	ip netns exec x1 sysctl -qw net.ipv4.tcp_synack_retries=2 \
		net.ipv4.tcp_max_syn_backlog=4096 || return 1
	# Not on tap_run's output pipe, which it waits for the end of. -t 15:
	# after the client's EOF, wait for the echo's answer (socat waits
	# 0.5 s by default, less than a loaded debug guest takes to fork it).
	ip netns exec x1 socat -t 15 TCP-LISTEN:80,fork,reuseaddr,backlog=1024 SYSTEM:'echo x1' \
		</dev/null >/dev/null 2>&1 &
	wait_port x1 80
}

# flood_round WHAT: the flood for SECS seconds; meanwhile the client
# connects every 100 ms and the flow count is sampled.
flood_round() {
	local what=$1 fpid spid ok=0 tries=0 answer most first_failure='' start
	local samples=$SEMNET_OUT/flows.$$
	ip netns exec atk "$FLOWPY" syn 172.30.0.1 80 1000 --random-ports --rate "$RATE" \
		--seconds "$SECS" >"$SEMNET_OUT/flood.$$" &
	fpid=$!
	: >"$samples"
	( while kill -0 "$fpid" 2>/dev/null; do stat_of flows >>"$samples"; sleep 1; done ) &
	spid=$!
	sleep 2	# the flood is on
	start=$(date +%s)
	while kill -0 "$fpid" 2>/dev/null; do
		tries=$((tries + 1))
		# Generous timeouts: a loaded TCG host forks the server slowly.
		answer=$(ip netns exec cli socat -T15 -t15 - \
			TCP:172.30.0.1:80,connect-timeout=15 </dev/null 2>"$SEMNET_OUT/cli.err")
		if [ "$answer" = x1 ]; then
			ok=$((ok + 1))
		elif [ -z "${first_failure:-}" ]; then
			first_failure="attempt $tries after $(($(date +%s) - start)) s: answer '$answer', $(tr '\n' ' ' <"$SEMNET_OUT/cli.err")"
		fi
		sleep 0.1
	done
	wait "$fpid" "$spid"
	most=$(sort -n "$samples" | tail -n 1)
	[ -z "$first_failure" ] || tap_note "$what: first failure: $first_failure"
	tap_note "$what: $(cat "$SEMNET_OUT/flood.$$"); client $ok of $tries connected; flows at most $most of $FLOW_MAX; early drops $(stat_of early_drops), unreplied-limit drops $(drop_of unreplied_limit), table-full drops $(drop_of flow_table_full)"
	tap_run "$what: the client connected at all" test "$tries" -gt 0
	tap_eq "$what: every connection of the client succeeded" "$ok" "$tries"
	tap_run "$what: the flow count stayed within flow-max" test "${most:-0}" -le "$FLOW_MAX"
	if ! wait_until 60 eval 'test "$(stat_of flows)" -le 2'; then
		tap_fail "$what: the table drains once the flood stops" \
			"$(sn flow show | head -n 5)" "$(sn flow show | awk '{ print $(NF-2) }' | sort | uniq -c)"
	else
		tap_ok "$what: the table drains once the flood stops"
	fi
}

test_per_source_limit() {
	flood_round "unreplied-max 64"
	tap_run "the flood hit its per-source limit" test "$(drop_of unreplied_limit)" -gt 0
	tap_eq "nothing was dropped for a full table" "$(drop_of flow_table_full)" 0
}

test_early_drop() {
	sn node change unreplied-max 512
	flood_round "unreplied-max 512"
	tap_run "a full table evicted unreplied flows" test "$(stat_of early_drops)" -gt 0
}

# cli_misses_once BEFORE: cli sends to an unknown address; true once the
# miss events went past BEFORE (retried: a source that shares cli's slot,
# 1 in 256, may hold it full for a moment).
cli_misses_once() {
	ip netns exec cli python3 -S -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("172.30.99.99", 80))'
	test "$(stat_of miss_events)" -gt "$1"
}

test_miss_fairness() {
	local before pid
	sn node change hold-packets 0
	# atk sprays unknown ServiceIPs; then cli misses one address.
	ip netns exec atk "$FLOWPY" udp 172.30.9.1 80 1 --seconds 1 >/dev/null
	ip netns exec atk python3 -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"x", ("172.30.%d.%d" % (100 + i // 250, i % 250), 80))
' &
	pid=$!
	wait "$pid"
	before=$(stat_of miss_events)
	tap_run "another container's miss still raises an event" \
		wait_until 10 cli_misses_once "$before"
	tap_note "misses $(stat_of misses), events $(stat_of miss_events), evicted $(stat_of miss_evicted)"
}

tap_run "node with web behind 172.30.0.1" setup
test_per_source_limit
test_early_drop
test_miss_fairness
tap_done
