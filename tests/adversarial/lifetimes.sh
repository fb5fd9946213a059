#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifetimes under KASAN: what flows point at is never freed under them.
#
#   node n: br0 172.16.0.1/26, the client: FLOWS UDP flows (5,000 in make
#           check, 20,000 with SEMNET_FULL=1) from its own processes
#           (LOCAL_OUT), half to each service
#     172.16.0.3   instance 172.30.1.1 of a (ServiceIP 172.30.0.1)
#     172.16.0.4   instance 172.30.1.2 of b (ServiceIP 172.30.0.2)
#   The instances' nsIPs answer no ARP: packets are translated (flows
#   made) and go no further, which keeps a flow cheap under KASAN.
#
# 1. Deleting service a removes every one of its flows, exactly,
#    and b's stay (KUnit's semnet_lifetime suite: instances, and a flow a
#    purge misses).
# 2. An instance add that fails (its nsIP taken) while packets stream to
#    its InstanceIP leaves no flow to the instance it frees.
# 3. A namespace destroyed with FLOWS flows in it (b's, and a's again)
#    frees them all.
# 4. rmmod right after traffic: the flow cache is empty (no "cache still
#    has objects"), and the module loads again.
# vm-timeout: 1500
# vm-smp: 1
# check-tier: ci
# vm-cost: 244 657
# shellcheck disable=SC2016,SC2317 # eval strings expand late; tap_run calls the functions
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"

FLOWS=${SEMNET_LIFETIME_FLOWS:-$(adv_size 5000 20000)}
ADDS=$(adv_size 30 100)	# instance adds with a taken nsIP (each ~1 s on the debug kernel)
FLOWPY=$SEMNET_TOP/tests/adversarial/flows.py
N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
stat_of() { sn -j stats | jq -r ".$1"; }
flows_of() {	# flows_of service|instance ADDR: flows the table has for it
	sn -j flow show "$1" "$2" | jq length
}


setup_node() {
	topo_node n 172.16.0.0/26 172.16.0.1 &&
	ip -n n route add 172.30.0.0/16 dev br0 &&
	sn node set platform 172.16.0.0/12 services 172.30.0.0/16 \
		subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0 \
		flow-max $((FLOWS * 2)) unreplied-max $((FLOWS * 2)) \
		timeout-unreplied 600 timeout-udp 600 &&
	sn service add 172.30.0.1 name a &&
	sn service add 172.30.0.2 name b &&
	sn instance add 172.30.1.1 service a nsip 172.16.0.3 &&
	sn instance add 172.30.1.2 service b nsip 172.16.0.4
}

# open_flows SERVICE COUNT: COUNT flows from n to SERVICE.
open_flows() {
	local start=$SECONDS want=$(($(stat_of flows) + $2))
	"${N[@]}" "$FLOWPY" udp "$1" 80 "$2" --first-port 10000 >/dev/null &&
	wait_for_counter 120 "$want" stat_of flows
	tap_note "$2 flows to $1 opened in $((SECONDS - start)) s"
}

test_delete_purges_exactly() {
	local start
	tap_run "node with services a and b" setup_node
	open_flows 172.30.0.1 $((FLOWS / 2))
	open_flows 172.30.0.2 $((FLOWS / 2))
	tap_eq "$FLOWS flows in the table" "$(stat_of flows)" "$FLOWS"
	tap_eq "half of them to a" "$(flows_of service 172.30.0.1)" $((FLOWS / 2))

	start=$(date +%s%N)
	tap_run "service del a" sn service del 172.30.0.1
	tap_note "service a and its $((FLOWS / 2)) flows deleted in $((($(date +%s%N) - start) / 1000000)) ms"
	tap_eq "no flow of a remains" "$(flows_of service 172.30.0.1)" 0
	tap_eq "b's flows all remain" "$(flows_of service 172.30.0.2)" $((FLOWS / 2))
	tap_eq "the flow count agrees" "$(stat_of flows)" $((FLOWS / 2))
}

test_failed_add_under_traffic() {
	local tries=0 fails=0 pid end=$((SECONDS + ADDS * 6 / 10))
	# Packets to an InstanceIP not (yet) in the tables, all the time.
	"${N[@]}" "$FLOWPY" udp 172.30.1.9 80 2000 --seconds 90 \
		--random-ports >/dev/null &
	pid=$!
	# Its nsIP is 172.30.1.1's: each add inserts it, fails, and frees it again:
	# ADDS times, or for ADDS * 0.6 seconds.
	for _ in $(seq "$ADDS"); do
		[ "$SECONDS" -lt "$end" ] || break
		tries=$((tries + 1))
		sn instance add 172.30.1.9 service a nsip 172.16.0.3 2>/dev/null ||
			fails=$((fails + 1))
		kill -0 "$pid" 2>/dev/null || break
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	tap_note "$tries adds with a taken nsIP under traffic, $fails refused"
	tap_run "adds were tried" test "$tries" -gt 0
	tap_eq "every add with a taken nsIP failed" "$fails" "$tries"
	tap_eq "no flow to the instance that was never added" \
		"$(flows_of instance 172.30.1.9)" 0
	tap_eq "no instance 172.30.1.9" "$(sn -j instance show | jq '[.[] | select(.address == "172.30.1.9")] | length')" 0
}

# Flow objects in use (the cache may be merged with others of its size:
# only the changes count). Shrinking first returns what per-CPU slabs
# hold, which "objects" would count as in use.
slab_flows() {
	echo 1 >/sys/kernel/slab/semnet_flow/shrink
	cut -d' ' -f1 /sys/kernel/slab/semnet_flow/objects
}

test_netns_destroyed_full() {
	local before=$SLAB_BASE peak
	sn service add 172.30.0.1 name a
	open_flows 172.30.0.1 $((FLOWS / 2))
	tap_eq "$FLOWS flows before the namespace goes" "$(stat_of flows)" "$FLOWS"
	peak=$(slab_flows)
	tap_run "the flow cache holds them" test $((peak - before)) -ge "$FLOWS"
	# (setup_node ran under tap_run, in a subshell: delete n by name.)
	tap_run "ip netns del n" ip netns del n
	# Namespaces are freed by a worker: wait until n's flows are.
	tap_run "the node's namespace is freed with its $FLOWS flows" \
		wait_until 180 eval 'test $(($(slab_flows) - before)) -lt $((FLOWS / 10))'
	tap_note "flow objects: $before before, $peak with the flows, $(slab_flows) after"
}

test_rmmod_after_traffic() {
	tap_run "node again" setup_node
	open_flows 172.30.0.1 1000
	dmesg -C
	tap_run "rmmod right after traffic" rmmod semnet
	tap_eq "the flow cache was empty" "$(dmesg | grep -c 'still has objects')" 0
	tap_run "insmod again" insmod "$SEMNET_MODULE"
}

SLAB_BASE=$(slab_flows)
test_delete_purges_exactly
test_failed_add_under_traffic
test_netns_destroyed_full
test_rmmod_after_traffic
tap_done
