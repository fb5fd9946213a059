#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnetd wires `direct` node links (issue 18 stage 2, daemon/LINKS.md §1b
# and §3): each node reports its underlay's on-link prefix in its `link`,
# semnet-cluster publishes its links policy in the registry, and every
# semnetd evaluates the pair's kind (sn_link_kind). Under --links-policy
# auto, nodes on one prefix (a, b, c) route each other's subnets via the
# other's underlay address (proto 150) and peer `encap direct dev ul0`;
# d, on another prefix, stays gre-udp: its pairs are encrypted, but the
# nodes run with --wg-port 0 (no WireGuard key offered), said in /status
# (tests/e2e/semnetd_encrypted.sh wires them); IPv6 subnets over this IPv4
# underlay stay in semnet0.
#  - RR from a over instances on b, c (direct) and d (gre-udp): each
#    answers 2 of 6, echoed payloads cmp equal, UDP replies from the
#    ServiceIP; the segment carries no UDP 4754 among a, b, c (it does to
#    d), the inner packets bare;
#  - the cluster restarted with --links-policy gre-udp: every pair back on
#    gre-udp, no direct route left, RR still whole; back to auto: direct
#    again;
#  - c leaves (semnetd stopped, DELETE /api/net/node/c): a and b drop its
#    peers and routes, nothing of c left behind;
#  - a restarts (kill -9) while d leaves: its earlier run's direct route
#    goes at setup, and d's kernel peer once the registry came.
#
#               netns ctl 10.99.0.100: semnet-root, semnet-cluster (links), mosquitto
#                        |
#   netns wire: bridge ul0, two prefixes on one segment (on-link routes)
#        |                  |                  |                  |
#   node a 10.99.0.1   node b 10.99.0.2   node c 10.99.0.3   node d 10.98.0.4
#        |                  |                  |                  |
#       cli                 x0                 x1                 x2
#   (client)           (instances 0, 1, 2 of app.ns.web.prod)
#   a-b, a-c, b-c: direct (same 10.99.0.0/24); d with anyone: gre-udp
# vm-timeout: 600
# vm-cost: 200
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
tap_need jq curl socat python3 mosquitto mosquitto_sub tcpdump

PEER=$SEMNET_TOP/tests/lib/netpeer.py
WEB=app.ns.web.prod
CLI=cli.ns.c.prod
RR=
SD_CLUSTER_ARGS=(--links-policy auto)
SD_ARGS=(--wg-port 0)
declare -A SUB=([a]=172.16.0.0/26 [b]=172.16.0.64/26 [c]=172.16.0.128/26 [d]=172.16.0.192/26)
LOGS=$SD_WORK

# sorted WORD...: the words sorted as the helpers below sort (bytes), one line
sorted() { printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }

# registry: the retained node registry, as the nodes receive it
registry() {
	ip netns exec ctl mosquitto_sub -h 127.0.0.1 -p "$SD_MQTT_PORT" -C 1 -W 5 -t semnet/nodes
}

# peers NODE: its IPv4 kernel peers, "SUBNET=ENCAP[/DEV]", sorted
peers() {
	jq_in "$1" '[.[] | select(.subnet | contains(":") | not) |
		.subnet + "=" + .encap + (if .dev then "/" + .dev else "" end)] | sort | join(" ")' \
		peer show
}
# peers6 NODE: the same for its IPv6 peers
peers6() {
	jq_in "$1" '[.[] | select(.subnet | contains(":")) |
		.subnet + "=" + .encap + (if .dev then "/" + .dev else "" end)] | sort | join(" ")' \
		peer show
}
# routes NODE: its direct routes (proto 150), one line, sorted
routes() {
	ip -n "$1" -o route show proto 150 | awk '{print $1 "@" $3}' | LC_ALL=C sort | tr '\n' ' ' |
		sed 's/ $//'
}
# kind NODE SUBNET: "KIND ENCAP routed|-" of that peer in NODE's /status
kind() {
	sd_status "$1" ".tables.peers[] | select(.subnet == \"$2\") |
		\"\(.kind) \(.encap) \(if .routed then \"routed\" else \"-\" end)\""
}
why() { sd_status "$1" ".tables.peers[] | select(.subnet == \"$2\") | .why"; }
# label NODE SUBNET: what `semnet peer show` says of the peer (kind: why)
label() {
	ip netns exec "$1" semnet -j peer show | jq -r ".[] | select(.subnet == \"$2\") | .label"
}

# wire_node NODE ADDR: NODE on the segment; the other prefix on-link
wire_node() {
	local other=10.98.0.0/24
	[[ $2 == 10.98.* ]] && other=10.99.0.0/24
	sd_wire "$1" "$2" && ip -n "$1" route add "$other" dev ul0
}

test_start() {
	local n
	sd_control	# not in tap_run's subshell: SD_CLUSTER_PID is kept
	tap_eq "control plane: root, cluster (--links-policy auto), broker" "$?" 0
	ip -n ctl route add 10.98.0.0/24 dev ul0
	SD_UL=([a]=10.99.0.1 [b]=10.99.0.2 [c]=10.99.0.3 [d]=10.98.0.4)
	for n in a b c d; do
		if ! wire_node "$n" "${SD_UL[$n]}" || ! sd_launch "$n"; then tap_fail "node $n"; fi
	done
	for n in a b c d; do
		wait_for_file "$SD_READY_WAIT" "$SD_WORK/$n.ready" || tap_fail "semnetd on $n serves"
	done
	tap_run "nodes a, b, c, d register and set up" sd_register a b c d
	tap_eq "node subnets" "$(for n in a b c d; do sd_status "$n" .subnet; done | tr '\n' ' ')" \
		"${SUB[a]} ${SUB[b]} ${SUB[c]} ${SUB[d]} "
}

# The nodes' links and the cluster's policy, as the registry carries them.
test_registry() {
	local r
	r=$(registry)
	tap_eq "the registry carries the links policy" "$(jq -c .links <<<"$r")" '{"policy":"auto"}'
	tap_eq "each node's link: its underlay's on-link prefix, no WireGuard" \
		"$(jq -r '[.nodes[] | .node_id + "=" + (.link | tojson)] | sort | join(" ")' <<<"$r")" \
		'a={"underlay_prefix":"10.99.0.0/24"} b={"underlay_prefix":"10.99.0.0/24"} c={"underlay_prefix":"10.99.0.0/24"} d={"underlay_prefix":"10.98.0.0/24"}'
	tap_match "semnetd logged the prefix it found" "$(grep -m1 'underlay: ' "$SD_LOGS/d.log")" \
		'underlay: 10.98.0.4 \(IPv4\) on ul0, prefix 10.98.0.0/24'
}

# want_direct: the kernel peers and routes policy auto gives, on every node
want_direct() {
	[ "$(peers a)" = "$(sorted "${SUB[b]}=direct/ul0" "${SUB[c]}=direct/ul0" "${SUB[d]}=gre-udp")" ] &&
	[ "$(peers b)" = "$(sorted "${SUB[a]}=direct/ul0" "${SUB[c]}=direct/ul0" "${SUB[d]}=gre-udp")" ] &&
	[ "$(peers c)" = "$(sorted "${SUB[a]}=direct/ul0" "${SUB[b]}=direct/ul0" "${SUB[d]}=gre-udp")" ] &&
	[ "$(peers d)" = "$(sorted "${SUB[a]}=gre-udp" "${SUB[b]}=gre-udp" "${SUB[c]}=gre-udp")" ] &&
	[ "$(routes a)" = "$(sorted "${SUB[b]}@10.99.0.2" "${SUB[c]}@10.99.0.3")" ]
}

test_direct() {
	tap_wait "policy auto: a, b, c peer directly, d stays gre-udp" 20 want_direct
	tap_eq "a: peers" "$(peers a)" \
		"$(sorted "${SUB[b]}=direct/ul0" "${SUB[c]}=direct/ul0" "${SUB[d]}=gre-udp")"
	tap_eq "a: direct routes via b's and c's underlay addresses (proto 150)" \
		"$(routes a)" "$(sorted "${SUB[b]}@10.99.0.2" "${SUB[c]}@10.99.0.3")"
	tap_eq "b: direct routes" "$(routes b)" "$(sorted "${SUB[a]}@10.99.0.1" "${SUB[c]}@10.99.0.3")"
	tap_eq "c: direct routes" "$(routes c)" "$(sorted "${SUB[a]}@10.99.0.1" "${SUB[b]}@10.99.0.2")"
	tap_eq "d: no direct route" "$(routes d)" ""
	tap_match "a's route to b's subnet" "$(ip -n a route show "${SUB[b]}")" \
		"^${SUB[b]} via 10.99.0.2 dev ul0 proto 150"
	tap_eq "/status on a: b's kind direct, routed" "$(kind a "${SUB[b]}")" "direct direct routed"
	tap_eq "/status on a: why" "$(why a "${SUB[b]}")" "same underlay 10.99.0.0/24, no NAT"
	tap_eq "/status on a: d's kind encrypted, on gre-udp" "$(kind a "${SUB[d]}")" \
		"encrypted gre-udp -"
	tap_eq "/status on a: and it says why (--wg-port 0)" "$(why a "${SUB[d]}")" \
		"different underlays or NATs; a offers no WireGuard key, using gre-udp"
	tap_eq "/status on d: the same why, from the other end" "$(why d "${SUB[a]}")" \
		"different underlays or NATs; a offers no WireGuard key, using gre-udp"
	tap_eq "semnet peer show on a: b's label, its kind and why" "$(label a "${SUB[b]}")" \
		"direct: same underlay 10.99.0.0/24, no NAT"
	tap_eq "semnet peer show on a: d's label" "$(label a "${SUB[d]}")" \
		"encrypted: different underlays or NATs; a offers no WireGuard key, using gre-udp"
	tap_eq "/status: links_policy" "$(sd_status a .tables.links_policy)" auto
	tap_match "a's log says d's link is not encrypted" \
		"$(grep -c 'a offers no WireGuard key' "$SD_LOGS/a.log")" '^[1-9]'
	if [ "$(sd_status a .ipv6)" = true ]; then
		wait_for_output 10 3 sd_peers6 a
		tap_eq "a: IPv6 subnets stay in semnet0 over the IPv4 underlay" \
			"$(peers6 a | sed 's/[^ ]*=//g')" "gre-udp gre-udp gre-udp"
		tap_match "and /status says why" \
			"$(sd_status a '.tables.peers[] | select(.subnet | contains(":")) | select(.kind == "direct") | .why' | head -1)" \
			'an IPv6 subnet cannot be routed via an underlay address of the other family, using gre-udp$'
	else
		tap_skip "IPv6 peers" "the cluster gave no IPv6 subnets"
	fi
}

test_deploy() {
	local c i
	RR=$(sd_service job1 app ns web prod 3)
	sd_service job2 cli ns c prod 1 >/dev/null
	tap_match "the orchestrator deployed web at the root" "$RR" '^172\.30\.'
	for c in x0 x1 x2 cli; do sd_container "$c" >/dev/null; done
	tap_match "deploy instance 0 on b" "$(sd_deploy b x0 "$WEB" 0)" '^200 '
	tap_match "deploy instance 1 on c" "$(sd_deploy c x1 "$WEB" 1)" '^200 '
	tap_match "deploy instance 2 on d" "$(sd_deploy d x2 "$WEB" 2)" '^200 '
	tap_match "deploy the client on a" "$(sd_deploy a cli "$CLI" 0)" '^200 '
	for i in 0 1 2; do
		ip netns exec "x$i" socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo x$i" 2>/dev/null &
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
		ip netns exec "x$i" "$PEER" udp-echo 9 &
	done
	for i in 0 1 2; do
		if ! wait_port "x$i" 80 || ! wait_port "x$i" 7 || ! wait_port "x$i" 9 udp; then
			tap_fail "servers in x$i listen"
		fi
	done
	tap_run "node a learns the client's InstanceIP" sd_wait_instance_ip a "$CLI" 0
}

# rr_whole: 6 connections, 2 to each instance; 3 echoes of 100 KB and 3
# UDP datagrams answered from the ServiceIP, one per instance
rr_whole() {
	local names i
	names=$(ask 6)
	tap_eq "$1: RR over b, c, d: 2 / 2 / 2" \
		"$(count_of x0 "$names") $(count_of x1 "$names") $(count_of x2 "$names")" "2 2 2"
	for i in 0 1 2; do
		tap_run "$1: 100 KB echoed byte for byte ($i)" \
			ip netns exec cli "$PEER" tcp "$RR" 7 100000
	done
	for i in 0 1 2; do
		tap_run "$1: a UDP reply from the ServiceIP ($i)" ip netns exec cli "$PEER" udp "$RR" 9 1000
	done
}

# pcap_ip PCAP: "IP4 SRC DST PROTO [DPORT]" a packet (tests/lib/pcap.py)
pcap_ip() { "$SEMNET_TOP/tests/lib/pcap.py" ip "$1"; }
# among PCAP_LINES: UDP to 4754 between two of a, b, c
gre_among_abc() { grep -cE '^IP4 10\.99\.0\.[123] 10\.99\.0\.[123] 17 4754$' <<<"$1"; }

# drops NODE: its kernel's drops, summed
drops() { jq_in "$1" '[.drops[]] | add' stats; }

test_traffic_direct() {
	local cap ip s0 n d
	declare -A d0
	for n in a b c; do d0[$n]=$(drops "$n"); done
	s0=$(ip netns exec a cat /sys/class/net/semnet0/statistics/tx_packets)
	ip netns exec wire tcpdump -i ul-a -n -U -s 128 -w "$LOGS/direct.pcap" >/dev/null 2>&1 &
	cap=$!
	wait_for_file 5 "$LOGS/direct.pcap"
	rr_whole "direct"
	kill "$cap"; wait "$cap" 2>/dev/null
	ip=$(pcap_ip "$LOGS/direct.pcap")
	tap_note "a's port on the segment: $(wc -l <<<"$ip") IP packets"
	tap_eq "segment: no UDP 4754 between a and b or c" "$(gre_among_abc "$ip")" 0
	tap_run "segment: the client's InstanceIP to x0's nsIP, bare" \
		grep -qE "^IP4 $(sd_instance_ip a "$CLI" 0) 172\.16\.0\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]) 6$" <<<"$ip"
	tap_run "segment: d's share in GRE-in-UDP (its pair is gre-udp)" \
		grep -q '^IP4 10.99.0.1 10.98.0.4 17 4754$' <<<"$ip"
	tap_note "semnet0 on a sent $(($(ip netns exec a cat /sys/class/net/semnet0/statistics/tx_packets) - s0)) packets (d's share)"
	for n in a b c; do
		d=$(($(drops "$n") - d0[$n]))
		tap_eq "no drops on $n during the traffic" "$d" 0
		[ "$d" = 0 ] || tap_note "$n: drops $(ip netns exec "$n" semnet -j stats |
				jq -c '.drops | with_entries(select(.value > 0))')"
	done
	tap_run "a's direct peer b counted what it sent there (> 100 KB)" \
		test "$(jq_in a ".[] | select(.subnet == \"${SUB[b]}\") | .tx_bytes" peer show)" -gt 100000
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c d
}

# want_gre: policy gre-udp on every node, no direct route anywhere
want_gre() {
	local n
	[ "$(peers a)" = "$(sorted "${SUB[b]}=gre-udp" "${SUB[c]}=gre-udp" "${SUB[d]}=gre-udp")" ] ||
		return 1
	for n in a b c d; do [ -z "$(routes "$n")" ] || return 1; done
	[ "$(peers b)" = "$(sorted "${SUB[a]}=gre-udp" "${SUB[c]}=gre-udp" "${SUB[d]}=gre-udp")" ] &&
	[ "$(peers c)" = "$(sorted "${SUB[a]}=gre-udp" "${SUB[b]}=gre-udp" "${SUB[d]}=gre-udp")" ]
}

# cluster_policy POLICY: semnet-cluster restarted with --links-policy POLICY
cluster_policy() {
	kill "$SD_CLUSTER_PID" && wait "$SD_CLUSTER_PID"
	SD_CLUSTER_ARGS=(--links-policy "$1")
	sd_cluster_start
}

test_policy_switch() {
	local cap ip
	cluster_policy gre-udp
	tap_eq "the cluster restarts with --links-policy gre-udp" "$?" 0
	tap_wait "every pair back on gre-udp, no direct route on any node" 20 want_gre
	tap_eq "/status on a: b's kind gre-udp, why" "$(kind a "${SUB[b]}") $(why a "${SUB[b]}")" \
		"gre-udp gre-udp - cluster policy gre-udp"
	tap_eq "/status: links_policy" "$(sd_status b .tables.links_policy)" gre-udp
	tap_eq "semnet peer show on a: b's new label" "$(label a "${SUB[b]}")" \
		"gre-udp: cluster policy gre-udp"
	# d's peer was gre-udp before too: only its label changed.
	tap_eq "semnet peer show on a: d's new label (the same peer otherwise)" \
		"$(label a "${SUB[d]}")" "gre-udp: cluster policy gre-udp"
	ip netns exec wire tcpdump -i ul-a -n -U -s 128 -w "$LOGS/gre.pcap" >/dev/null 2>&1 &
	cap=$!
	wait_for_file 5 "$LOGS/gre.pcap"
	rr_whole "gre-udp"
	kill "$cap"; wait "$cap" 2>/dev/null
	ip=$(pcap_ip "$LOGS/gre.pcap")
	tap_run "segment: a and b now talk GRE-in-UDP (the control)" \
		test "$(gre_among_abc "$ip")" -gt 0
	cluster_policy auto
	tap_eq "the cluster restarts with --links-policy auto" "$?" 0
	tap_wait "direct again between a, b, c" 20 want_direct
	rr_whole "direct again"
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c d
}

# c_gone: a and b have no peer (either family) and no route of c's
c_gone() {
	local n
	for n in a b; do
		ip netns exec "$n" semnet -j peer show | jq -e '[.[] | select(.remote == "10.99.0.3")] | length == 0' >/dev/null || return 1
		! ip -n "$n" -o route show proto 150 | grep -q "${SUB[c]}" || return 1
	done
}

test_leave() {
	tap_match "undeploy instance 1 on c" "$(sd_undeploy c "$WEB" 1)" '^200 '
	sd_stop c
	tap_match "the cluster removes node c" \
		"$(sd_ctl_http DELETE "$SD_CLUSTER/api/net/node/c")" '"node_id":"c"'
	tap_wait "a and b drop c's peers and its direct route" 20 c_gone
	tap_eq "a: peers" "$(peers a)" "$(sorted "${SUB[b]}=direct/ul0" "${SUB[d]}=gre-udp")"
	tap_eq "a: direct routes" "$(routes a)" "${SUB[b]}@10.99.0.2"
	tap_eq "b: direct routes" "$(routes b)" "${SUB[a]}@10.99.0.1"
	tap_match "a's log says the route went" "$(grep -c "peer ${SUB[c]}: direct route removed" "$SD_LOGS/a.log")" \
		'^[1-9]'
	[ "$TAP_FAILED" = 0 ] || sd_dump a b
}

a_rerouted() { [ "$(routes a)" = "${SUB[b]}@10.99.0.2" ]; }
a_only_b() { [ "$(peers a)" = "${SUB[b]}=direct/ul0" ]; }

# semnetd restarted on a: the routes of its run before go, the registry
# makes them again. d leaves while a is down: the kernel peer a's run
# before made for d goes too (nothing of this run makes it again; a's
# adopted instance of web on d waits for web's answer, which names no
# instance on d any more).
test_restart() {
	kill -9 "${SD_PID[a]}"; wait "${SD_PID[a]}" 2>/dev/null
	tap_eq "after kill -9 of a's semnetd its direct route stays" "$(routes a)" "${SUB[b]}@10.99.0.2"
	tap_match "undeploy instance 2 on d" "$(sd_undeploy d "$WEB" 2)" '^200 '
	sd_stop d
	tap_match "the cluster removes node d while a's semnetd is down" \
		"$(sd_ctl_http DELETE "$SD_CLUSTER/api/net/node/d")" '"node_id":"d"'
	tap_eq "a's kernel still has d's peer" "$(peers a)" \
		"$(sorted "${SUB[b]}=direct/ul0" "${SUB[d]}=gre-udp")"
	sd_start a	# not in a subshell: SD_PID[a] is kept
	tap_eq "semnetd restarts on a" "$?" 0
	tap_wait "a routes b's subnet directly again" 20 a_rerouted
	tap_match "a's log: the route of the run before went at setup" \
		"$(grep -c 'removed 1 direct route' "$SD_LOGS/a.log")" '^1$'
	tap_wait "a's kernel peer of d (the run before's) goes: a peers b only" 20 a_only_b
	tap_match "a's log says why d's peer went" \
		"$(grep -c "peer ${SUB[d]} at 10.98.0.4 removed: an earlier run's, its node is not in the registry" "$SD_LOGS/a.log")" '^1$'
	[ "$TAP_FAILED" = 0 ] || sd_dump a
}

test_stop() {
	sd_stop a b
}

tap_cases test_start test_registry test_direct test_deploy test_traffic_direct \
	test_policy_switch test_leave test_restart test_stop
tap_done
