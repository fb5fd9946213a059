#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod while everything runs, SEMNET_UNLOAD_ROUNDS times (1 in make check:
# about 10 minutes a round on the debug kernel under TCG; 5 with
# SEMNET_FULL=1):
#
#   node n: br0 172.16.0.1/26, flow-max FLOW_MAX (filled: 300 in make
#           check, 1,000 with SEMNET_FULL=1)
#     cli  172.16.0.2   a TCP stream and short UDP flows through 172.30.0.1,
#                       packets held for an unknown ServiceIP
#     x1   172.16.0.3   instance 172.30.1.1 of web (ServiceIP 172.30.0.1)
#   requesters          genl adds, deletes and dumps in n, in a loop
#   churn               node namespaces made and deleted, each configured
#
# The module must unload (retried while a dump holds it), the kernel log
# stay clean (KASAN, lockdep, panic_on_warn: the VM runner checks), and
# the module load and work again after each round.
# vm-timeout: 2400
# vm-cost: 245 4523
# shellcheck disable=SC2016,SC2317 # eval strings expand late; tap_run calls the functions
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"

ROUNDS=${SEMNET_UNLOAD_ROUNDS:-$(adv_size 1 5)}
# The flow table filled before each unload (filling takes the time: the
# traffic is slow under TCG, KASAN and kmemleak).
FLOW_MAX=$(adv_size 300 1000)
FLOWPY=$SEMNET_TOP/tests/adversarial/flows.py
N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
PIDS=()


configure() {	# configure NS BRIDGE: a node config in NS
	ip netns exec "$1" semnet node set platform 172.16.0.0/12 \
		services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 \
		bridge "$2" flow-max "$FLOW_MAX" hold-packets 8 \
		hold-timeout 30000 timeout-unreplied 600
}

topology() {
	topo_node n 172.16.0.0/26 172.16.0.1 &&
	topo_container n cli 172.16.0.2 26 172.16.0.1 &&
	topo_container n x1 172.16.0.3 26 172.16.0.1 || return 1
	# Not on tap_run's output pipe, which it waits for the end of.
	ip netns exec x1 iperf3 -s -D -p 5201 </dev/null >/dev/null 2>&1 || return 1
	ip netns exec x1 socat -u UDP-RECV:80 OPEN:/dev/null </dev/null >/dev/null 2>&1 &
	wait_port x1 5201
}

configure_n() {
	configure n br0 &&
	sn service add 172.30.0.1 name web &&
	sn instance add 172.30.1.1 service web nsip 172.16.0.3 dev x1
}

# Everything that runs through the unload, in the background.
start_load() {
	# A TCP stream through the ServiceIP (it dies with the module). The
	# rates are low: under TCG, KASAN and kmemleak a few hundred packets
	# a second take all the guest has.
	ip netns exec cli iperf3 -c 172.30.0.1 -p 5201 -t 600 -b 200K \
		>/dev/null 2>&1 &
	PIDS+=($!)
	# A full flow table, and more flows all the time.
	ip netns exec cli "$FLOWPY" udp 172.30.0.1 80 $((FLOW_MAX + 200)) --seconds 600 \
		--random-ports --rate 100 >/dev/null 2>&1 &
	PIDS+=($!)
	# Packets held for a ServiceIP nobody resolves.
	ip netns exec cli "$FLOWPY" udp 172.30.77.7 80 4 --seconds 600 --rate 20 \
		>/dev/null 2>&1 &
	PIDS+=($!)
}

# The control-plane load, started once the table is full: forking as fast
# as it can, it would otherwise starve the traffic that fills it.
start_requesters() {
	# Requesters: adds, deletes and dumps. Once the family is gone
	# every command fails at once: they back off rather than fork as
	# fast as the guest can, which starves the unload they are testing.
	( while :; do
		sn service add 172.30.0.9 name other || sleep 0.5
		sn instance add 172.30.1.9 service other nsip 172.16.0.9
		sn -j flow show >/dev/null
		sn instance del 172.30.1.9
		sn service del 172.30.0.9
		sn -j instance show >/dev/null
	  done >/dev/null 2>&1 ) &
	PIDS+=($!)
	( while :; do
		sn -j flow show >/dev/null || sleep 0.5
		sn -j stats >/dev/null
	  done 2>/dev/null ) &
	PIDS+=($!)
	# Node namespaces made, configured and deleted.
	( i=0; while :; do
		i=$((i + 1))
		if ! { ip netns add "churn$i" &&
		       ip -n "churn$i" link add br0 type bridge &&
		       ip -n "churn$i" addr add 172.16.0.1/26 dev br0 &&
		       configure "churn$i" br0; }; then
			sleep 0.5
		fi
		ip netns del "churn$i"
	  done >/dev/null 2>&1 ) &
	PIDS+=($!)
}

stop_load() {
	local pid
	for pid in "${PIDS[@]}"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	wait "${PIDS[@]}" 2>/dev/null
	PIDS=()
	for ns in $(ip netns list | awk '/^churn/ { print $1 }'); do
		ip netns del "$ns"
	done
}

# rmmod, retried while something (a dump in progress) holds the module.
unload() {
	local tries=0
	until rmmod semnet 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || return 1
		sleep 0.1
	done
	echo "$tries"
}

round() {	# round N
	local flows held retries
	tap_run "round $1: configured" configure_n
	start_load
	tap_run "round $1: the table fills" wait_until 180 \
		eval 'test "$(sn -j stats | jq .flows)" -ge $((FLOW_MAX * 99 / 100))'
	wait_until 30 eval 'test "$(sn -j stats | jq .held)" -gt 0'
	start_requesters
	sleep 2
	flows=$(sn -j stats | jq .flows)
	held=$(sn -j stats | jq .held)
	if retries=$(unload); then
		tap_ok "round $1: rmmod with $flows flows, $held held packets, requesters and churn running ($retries retries)"
	else
		tap_fail "round $1: rmmod with everything running"
	fi
	stop_load
	tap_run "round $1: insmod again" insmod "$SEMNET_MODULE"
	tap_run "round $1: the module answers" semnet version
}

tap_run "topology" topology
for r in $(seq "$ROUNDS"); do
	round "$r"
done
tap_done
