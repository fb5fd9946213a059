#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one-node datapath (issue 3): TCP/UDP/ICMP through the RR address,
# exact round robin, tuple clash, flow expiry, a full flow table, instance
# deletion mid-run, a service without instances, spoofing. Every assertion
# checks exact counts, payload equality or the kernel's own counters.
# Knobs: SEMNET_DATAPATH_RP (rp_filter 0/1/2, default 1: strict) and
# SEMNET_DATAPATH_FIREWALL (none, or docker: a Docker-style FORWARD DROP
# firewall with "ct state invalid drop"; tests/e2e/datapath_firewall.sh),
# SEMNET_NODE_MODE (bridged, or routed: no br0, routed veths, the gateway
# on gw0; tests/lib/topo.sh, tests/e2e/datapath_routed.sh).
#
#   cli 172.16.0.2    x1 172.16.0.3    x2 172.16.0.4    x3 172.16.0.5
#   (172.30.1.10)     (172.30.1.1)     (172.30.1.2)     (172.30.1.3)
#        |                 |                |                |
#   netns n: br0 172.16.0.1/26 ----------------------------------
#   service app.ns.svc.ns, RR address 172.30.0.1 -> x1 x2 x3
#   x*: TCP 80 (answers its name), TCP 7 and UDP 9 (echo)
# vm-timeout: 900
# vm-cost: 50
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need jq socat python3

SEMNET_DATAPATH_RP=${SEMNET_DATAPATH_RP:-1}
SEMNET_DATAPATH_FIREWALL=${SEMNET_DATAPATH_FIREWALL:-none}
[ "$SEMNET_DATAPATH_FIREWALL" = none ] || tap_need iptables
RR=172.30.0.1
SVC=app.ns.svc.ns
PEER=$SEMNET_TOP/tests/lib/netpeer.py
LOGS=$(mktemp -d)
N=(ip netns exec n)
C=(ip netns exec cli)

sn() { "${N[@]}" semnet "$@"; }
jq_n() { jq_in n "$@"; }
# instance_flows: "ADDR FLOWS" per instance, one a line.
instance_flows() { jq_n '.[] | "\(.address) \(.counters.flows)"' instance show; }
flows_of() { awk -v a="$1" '$1 == a { print $2 }' <<<"$2"; }
stat_of() { stat_in n "$1"; }
drop_of() { drop_in n "$1"; }
server_hits() { if [ -f "$LOGS/$1.log" ]; then wc -l <"$LOGS/$1.log"; else echo 0; fi; }
# flows_where JQ_CONDITION: how many flows match
flows_where() { jq_n "[.[] | select($1)] | length" flow show; }

# 30 connections to the RR address, each answered with the server's name.
rr_round() {	# rr_round COUNT: prints the answering names, one a line
	local i
	for i in $(seq "$1"); do
		"${C[@]}" socat -T10 -t10 - "TCP:$RR:80" </dev/null
	done
}

setup() {
	local i ns
	topo_node n 172.16.0.0/26 172.16.0.1
	topo_container n cli 172.16.0.2 26 172.16.0.1
	for i in 1 2 3; do
		topo_container n "x$i" "172.16.0.$((i + 2))" 26 172.16.0.1
	done
	topo_rp_filter n "$SEMNET_DATAPATH_RP"
	for ns in cli x1 x2 x3; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter="$SEMNET_DATAPATH_RP" \
			net.ipv4.conf.eth0.rp_filter="$SEMNET_DATAPATH_RP"
	done

	if [ "$SEMNET_DATAPATH_FIREWALL" = docker ]; then
		# What Docker leaves on a host: FORWARD policy drop, established
		# accepted, a DOCKER-USER chain for the admin; plus the common
		# "ct state invalid drop". semnet's packets are untracked, so only the
		# accept rules semnetd installs for its interfaces let them through.
		"${N[@]}" iptables -P FORWARD DROP
		"${N[@]}" iptables -N DOCKER-USER
		"${N[@]}" iptables -A FORWARD -j DOCKER-USER
		"${N[@]}" iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
		"${N[@]}" iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		"${N[@]}" iptables -A DOCKER-USER -j RETURN
	fi
}

test_config() {
	local i
	tap_run "node set (${TOPO_ATTACH[*]})" sn node set platform 172.16.0.0/12 \
		services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 "${TOPO_ATTACH[@]}"
	tap_run "service add $RR" sn service add "$RR" name "$SVC" policy rr
	for i in 1 2 3; do
		tap_run "instance add 172.30.1.$i" sn instance add "172.30.1.$i" \
			service "$SVC" nsip "172.16.0.$((i + 2))" dev "x$i"
	done
	tap_run "client instance add 172.30.1.10" sn instance add 172.30.1.10 \
		service client.ns.cli.ns nsip 172.16.0.2 dev cli
	tap_eq "service shows 3 instances" "$(jq_n '.[0].instances' service show)" 3
}

test_servers() {
	local i dev
	for i in 1 2 3; do
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:80,fork,reuseaddr \
			SYSTEM:"echo hit >>$LOGS/x$i.log; echo x$i" &
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
		ip netns exec "x$i" "$PEER" udp-echo 9 &
	done
	for i in 1 2 3; do
		if ! { wait_port "x$i" 80 && wait_port "x$i" 7 && wait_port "x$i" 9 udp; }; then
			tap_fail "servers in x$i listen"
		fi
	done

	if [ "$SEMNET_DATAPATH_FIREWALL" = docker ]; then
		tap_run "the firewall drops semnet traffic until semnet's rules are in" \
			bash -c "! ip netns exec cli socat -T2 - TCP:$RR:80,connect-timeout=3 </dev/null | grep -q x"
		for dev in "${TOPO_IFACES[@]}"; do
			"${N[@]}" iptables -I DOCKER-USER -i "$dev" -j ACCEPT
			"${N[@]}" iptables -I DOCKER-USER -o "$dev" -j ACCEPT
		done
	fi
}

test_traffic() {
	tap_run "TCP through the RR address: 300 KB echoed byte for byte" \
		echo_intact cli "$RR" 7 300000
	tap_run "UDP through the RR address: echo from $RR:9" \
		"${C[@]}" "$PEER" udp "$RR" 9 512
	tap_run "UDP: an 8 KB datagram (fragments reassembled, translated, echoed)" \
		"${C[@]}" "$PEER" udp "$RR" 9 8192
	tap_run "UDP: a 30 KB datagram" "${C[@]}" "$PEER" udp "$RR" 9 30000
	tap_run "ICMP errors: port unreachable from an instance reaches the client's socket" \
		"${C[@]}" "$PEER" udp-refused "$RR" 9999
	tap_run "ping the RR address" "${C[@]}" ping -c 3 -i 0.2 -W 2 "$RR"
	tap_run "ping an InstanceIP" "${C[@]}" ping -c 3 -i 0.2 -W 2 172.30.1.2
	tap_run "TCP to an InstanceIP" "${C[@]}" "$PEER" tcp 172.30.1.3 7 20000
	tap_eq "ping replies come from the RR address" "$(ping_source cli "$RR")" "$RR"
}

# Exact round robin: 30 new connections, 10 each, by the kernel's
# counters and by the servers' own logs.
test_round_robin() {
	local before after names i hits=()
	sn flow flush
	before=$(instance_flows)
	for i in 1 2 3; do hits[i]=$(server_hits "x$i"); done
	names=$(rr_round 30)
	after=$(instance_flows)
	for i in 1 2 3; do
		tap_eq "round robin: x$i answered 10 of 30" "$(count_of "x$i" "$names")" 10
		tap_eq "round robin: x$i's log has 10 new connections" \
			"$(($(server_hits "x$i") - hits[i]))" 10
		tap_eq "round robin: kernel counts 10 new flows to x$i" \
			"$(($(flows_of "172.30.1.$i" "$after") - $(flows_of "172.30.1.$i" "$before")))" 10
	done
}

# The tuple clash: the same source port to the RR address and, at once,
# to the InstanceIP the RR flow went to. Both work; one port is remapped.
test_tuple_clash() {
	local remaps target next
	sn flow flush
	remaps=$(stat_of port_remaps)
	target=$(rr_round 1)	# which instance the next RR pick is, by name
	# The pick after that goes to the next instance in turn.
	case $target in x1) next=2 ;; x2) next=3 ;; *) next=1 ;; esac
	tap_run "tuple clash: RR and InstanceIP flows from one source port both echo" \
		"${C[@]}" "$PEER" clash "$RR" "172.30.1.$next" 7 40000
	tap_eq "tuple clash: one source port remapped" "$(($(stat_of port_remaps) - remaps))" 1
	tap_eq "tuple clash: two flows from source port 40000" \
		"$(flows_where '.sport == 40000')" 2
}

# Flow dump and expiry.
test_flow_expiry() {
	local expired dump
	tap_run "node set timeout-udp 2" sn node set platform 172.16.0.0/12 \
		services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 "${TOPO_ATTACH[@]}" \
		timeout-udp 2
	expired=$(stat_of flows_expired)
	"${C[@]}" "$PEER" udp "$RR" 9 100 >/dev/null
	dump=$(sn flow show)
	tap_match "flow dump: the UDP flow, client, RR address, InstanceIP and nsIP" \
		"$dump" "udp +172\.16\.0\.2:[0-9]+ +-> +$RR:9 +=> +172\.30\.1\.10:[0-9]+ +-> +172\.16\.0\.[345]:9"
	wait_for_output 15 0 flows_where '.proto == "udp"'
	tap_eq "the idle UDP flow expired" "$(flows_where '.proto == "udp"')" 0
	tap_run "the reaper counted it" test "$(stat_of flows_expired)" -gt "$expired"
}

# A full flow table drops new flows (and counts them), never old ones.
test_flow_table_full() {
	local full
	sn flow flush
	full=$(drop_of flow_table_full)
	tap_run "node change flow-max 1 (UDP idle 30 s again)" sn node change flow-max 1 timeout-udp 30
	tap_run "the one allowed flow works" "${C[@]}" "$PEER" udp "$RR" 9 100
	tap_fails "a second flow does not fit" "${C[@]}" "$PEER" udp "$RR" 9 100
	tap_eq "flow-table-full drops counted" "$(($(drop_of flow_table_full) - full))" 1
	tap_run "node change flow-max 1000" sn node change flow-max 1000
}

# An instance deleted mid-run: a held connection to a surviving instance
# carries on, flows to the deleted one are purged, new flows skip it.
test_instance_delete() {
	local holder doomed names
	sn flow flush
	rm -f "$LOGS/go"
	"${C[@]}" "$PEER" hold 172.30.1.1 7 "$LOGS/go" >"$LOGS/hold" 2>&1 &
	holder=$!
	"${C[@]}" "$PEER" hold 172.30.1.3 7 "$LOGS/never" >/dev/null 2>&1 &
	doomed=$!
	wait_for_output 5 2 flows_where '.proto == "tcp"'
	tap_run "instance del 172.30.1.3 (x3) mid-run" sn instance del 172.30.1.3
	tap_eq "flows to the deleted instance are purged" \
		"$(flows_where '.instance == "172.30.1.3"')" 0
	tap_eq "the flow to a surviving instance stays" \
		"$(flows_where '.instance == "172.30.1.1"')" 1
	touch "$LOGS/go"
	wait "$holder"
	tap_eq "the held connection still echoes after the delete" "$?" 0
	kill "$doomed" 2>/dev/null
	# The deleted instance's container leaves too: on a routed node what
	# x3 still sent (its echo of the doomed connection, retransmitted)
	# would count as spoofed from then on, in test_spoofing's window.
	ip -n x3 link set eth0 down
	names=$(rr_round 12)
	tap_eq "after the delete: x1 answers 6 of 12" "$(count_of x1 "$names")" 6
	tap_eq "after the delete: x2 answers 6 of 12" "$(count_of x2 "$names")" 6
	tap_eq "after the delete: x3 answers none" "$(count_of x3 "$names")" 0
}

# A service whose name has no instance: the client is told at once.
test_no_instance() {
	local before out
	sn service add 172.30.0.9 name nobody.ns.svc.ns
	before=$(drop_of no_instance)
	out=$("${C[@]}" socat -T5 - TCP:172.30.0.9:80,connect-timeout=5 </dev/null 2>&1)
	tap_match "a service without instances: the connection fails at once, host unreachable" \
		"$out" "No route to host"
	tap_eq "and the SYN is counted as no-instance" "$(($(drop_of no_instance) - before))" 1
	sn service del 172.30.0.9
}

# A container sending with its neighbour's nsIP is dropped at the bridge.
test_spoofing() {
	local spoofed
	spoofed=$(drop_of spoofed_source)
	"${C[@]}" ip addr add 172.16.0.4/32 dev eth0 noprefixroute
	tap_run "a packet spoofing x2's nsIP gets nowhere" \
		bash -c "! ip netns exec cli ping -c 2 -i 0.2 -W 1 -I 172.16.0.4 $RR"
	tap_eq "spoofed-source drops counted" "$(($(drop_of spoofed_source) - spoofed))" 2
	"${C[@]}" ip addr del 172.16.0.4/32 dev eth0
}

test_no_bad_drops() {
	tap_eq "no drops for malformed packets or lack of memory" \
		"$(jq_n '.drops.malformed + .drops.nomem' stats)" 0
}

tap_note "mode=$SEMNET_NODE_MODE rp_filter=$SEMNET_DATAPATH_RP firewall=$SEMNET_DATAPATH_FIREWALL"
setup
tap_cases test_config test_servers test_traffic test_round_robin test_tuple_clash \
	test_flow_expiry test_flow_table_full test_instance_delete test_no_instance \
	test_spoofing test_no_bad_drops
rm -rf "$LOGS"
tap_done
