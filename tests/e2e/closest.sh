#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Closest address follows measured RTT, with live failover. Root,
# cluster and broker as in semnetd.sh; three nodes running semnetd with
# fast probes (every 200 ms, lost after 600 ms, down after 3 losses); one
# service with an instance on node b and one on node c, a client on node a.
# tc netem delays the underlay towards b by 5 ms and towards c by 40 ms:
# the client's new connections to the Closest address reach b. The delays
# swap: they reach c; swap back: b again. b's underlay link goes down: they
# reach c, none failing once the failover is done, and b's closest flows
# are purged; b comes back: b again. Every switch-over is timed (diagnostic
# lines "# switch-over ...") and bounded. Node a probes through an
# unprivileged ping socket, b and c through raw sockets.
#
# Both families (issue 16): the cluster makes every node dual stack (an
# IPv6 /120 each) and the root gives the service a Closest address of
# each family; the probes measure nodes, and their costs go to the
# node's peers of both families. Every check of where new connections go
# is made for each family in SEMNET_FAMILY (default "4 6"; the
# switch-overs are timed on the first), in one run: the control plane,
# the probes and the delays are the same for both.
#
#               netns ctl 10.99.0.100: semnet-root, semnet-cluster, mosquitto
#                        |
#   netns wire: bridge ul0 --+-- ul-b: netem 5 ms --+-- ul-c: netem 40 ms
#        |                   |                      |
#   node a 10.99.0.1    node b 10.99.0.2       node c 10.99.0.3
#   semnetd (ping)      semnetd (raw)          semnetd (raw)
#        |                   |                      |
#       cli                  xb                     xc
#                       (instances 0 and 1 of app.ns.web.prod, Closest
#                        addresses 172.30.x.y and fdff:...)
# vm-timeout: 480
# vm-cost: 205
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
tap_need jq curl socat mosquitto tc

read -r -a FAMILIES <<<"${SEMNET_FAMILY:-4 6}"
declare -A CLOSEST	# by family
WEB=app.ns.web.prod
CLI=cli.ns.c.prod
SWITCH_LIMIT_MS=10000	# a switch-over must take less than this
SD_ARGS=(--probe-interval-ms 200 --probe-timeout-ms 600 --probe-down-after 3)
metrics() { curl -s --unix-socket "$SD_WORK/$1.sock" http://localhost/metrics; }
probe() {	# probe NODE PEER_UNDERLAY JQ: a field of NODE's probe state of PEER
	sd_status "$1" ".probes.nodes[] | select(.node == \"$2\") | $3"
}
delay() {	# delay NODE MS: netem on the underlay towards NODE
	ip netns exec wire tc qdisc replace dev "ul-$1" root netem delay "${2}ms"
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
seconds() { if [ "$1" -lt 0 ]; then echo never; else printf "%d.%03d" $(($1 / 1000)) $(($1 % 1000)); fi; }
ask() {	# ask TIMEOUT FAMILY: one connection to the Closest address; the instance or "fail"
	local out to="TCP:${CLOSEST[$2]}:80"
	[ "$2" = 6 ] && to="TCP6:[${CLOSEST[6]}]:80"
	# Once connected, wait long for the answer: a loaded host stalls TCG VMs.
	out=$(ip netns exec cli socat -T15 -t15 - "$to,connect-timeout=$1" </dev/null 2>/dev/null)
	echo "${out:-fail}"
}
# switch_to WANT: connects every ~200 ms until one reaches WANT, for at most
# SWITCH_LIMIT_MS; sets SWITCH_MS (the time it took, or -1) and SEEN (what
# each connection reached, in order). Connections give up after 0.5 s: one
# to a node that went away must not stretch the polling.
switch_to() {
	local start
	start=$(now_ms) SWITCH_MS=-1 SEEN=""
	WAIT_POLL=0.2 wait_until "$((SWITCH_LIMIT_MS / 1000))" switch_try "$1" || return 1
	SWITCH_MS=$(($(now_ms) - start))
}
switch_try() {	# switch_try WANT: one connection (added to SEEN) reaches WANT
	local got
	got=$(ask 0.5 "${FAMILIES[0]}")
	SEEN+="$got "
	[ "$got" = "$1" ]
}
# asks N FAMILY: N connections (as ask 5, in one process: python and
# socat start slowly under TCG); what each reached, space-separated
asks() {
	ip netns exec cli python3 -S - "${CLOSEST[$2]}" "$1" <<'PY'
import socket, sys
addr, n = sys.argv[1], int(sys.argv[2])
seen = []
for _ in range(n):
    try:
        with socket.create_connection((addr, 80), timeout=5) as s:
            s.settimeout(15)
            data = b""
            while chunk := s.recv(256):
                data += chunk
        seen.append(data.decode().strip() or "fail")
    except OSError:
        seen.append("fail")
print(" ".join(seen))
PY
}
times() { local out=""; for _ in $(seq "$2"); do out+="$1 "; done; echo "${out% }"; }
# all_reach WHAT N INSTANCE: in each family, N new connections all reach
# INSTANCE (with the kernel's drops and flows of node a when not)
all_reach() {
	local seen f
	for f in "${FAMILIES[@]}"; do
		seen=$(asks "$2" "$f")
		tap_eq "IPv$f: $1" "$seen" "$(times "$3" "$2")"
		[ "$seen" = "$(times "$3" "$2")" ] && continue
		tap_note "a's drops: $(jq_in a '.drops | tojson' stats)"
		ip netns exec a semnet flow show 2>&1 | sed 's/^/#   /'
		sd_dump a
	done
}
# closest_ip6 JOB_NAME: the service's IPv6 Closest address, as the root has it
closest_ip6() {
	sd_ctl_http GET "$SD_ROOT/api/net/service/$1/instances" |
		jq -r '[.. | objects | select(.IpType? == "Closest") | .Address_v6 // empty] | first // empty'
}
# peer_metric NAME FAMILY NODE METRICS: NAME's value for NODE's peer of FAMILY
peer_metric() {
	local subnet='[^"]*:[^"]*'	# IPv6: a colon in the subnet
	[ "$2" = 4 ] && subnet='[^":]*'
	sed -n "s/^$1{subnet=\"$subnet\",node=\"$3\",encap=\"gre-udp\"} //p" <<<"$4"
}
# logged_since NODE REGEX SINCE_MS: ms from SINCE_MS (epoch) until NODE's
# semnetd logged a line matching REGEX; fails when it has not (yet)
logged_since() {
	local line t
	while read -r line; do
		[ -n "$line" ] || continue
		t=${line#time=}
		t=$(date -d "${t%% *}" +%s%3N)
		[ "$t" -ge "$3" ] && { echo $((t - $3)); return 0; }
	done <<<"$(grep -E "$2" "$SD_LOGS/$1.log")"	# (no /dev/fd in the VM)
	return 1
}
# logged_after NODE REGEX SINCE_MS: logged_since, waiting up to 10 s; -1
# if it did not
logged_after() {
	wait_until 10 logged_since "$@" || echo -1
}
# report WHAT: the switch-over's TAP lines (time as a diagnostic)
report() {
	tap_note "switch-over $1: $(seconds "$SWITCH_MS") s (connections: ${SEEN% })"
	if [ "$SWITCH_MS" -ge 0 ]; then
		tap_ok "$1: new connections switch within $((SWITCH_LIMIT_MS / 1000)) s"
	else
		tap_fail "$1: new connections switch within $((SWITCH_LIMIT_MS / 1000)) s" "connections: $SEEN"
		sd_dump a
	fi
}

test_start() {
	tap_run "control plane: root, cluster, broker" sd_control
	sd_nodes a:10.99.0.1 b:10.99.0.2 c:10.99.0.3
	tap_eq "semnetd starts on three nodes, probing every 200 ms" "$?" 0
	# Node a may open ping sockets (as systemd allows on a host); b and c not
	# (a namespace's default): they fall back to raw sockets.
	ip netns exec a sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	delay b 5
	delay c 40
	tap_run "nodes a, b, c register and set up" sd_register a b c
	tap_eq "probe sockets: ping on a, raw on b and c" \
		"$(sd_status a .probes.socket) $(sd_status b .probes.socket) $(sd_status c .probes.socket)" \
		"ping raw raw"
}

test_deploy() {
	local c
	sd_service job1 app ns web prod 2 >/dev/null
	sd_service job2 cli ns c prod 1 >/dev/null
	CLOSEST[4]=$(sd_closest_ip "$WEB")
	CLOSEST[6]=$(closest_ip6 "$WEB")
	tap_match "the root allocated a Closest address of each family" \
		"${CLOSEST[4]} ${CLOSEST[6]}" '^172\.30\.[0-9.]+ fdff:[0-9a-f:]+$'
	for c in xb xc cli; do sd_container "$c" >/dev/null; done
	tap_match "deploy instance 0 on b" "$(sd_deploy b xb "$WEB" 0)" '^200 '
	tap_match "deploy instance 1 on c" "$(sd_deploy c xc "$WEB" 1)" '^200 '
	tap_match "deploy the client on a" "$(sd_deploy a cli "$CLI" 0)" '^200 '
	for c in xb xc; do
		# One listener for both families; one process (not a fork and a
		# shell per connection, seconds per round under TCG)
		ip netns exec "$c" python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 80))
s.listen(64)
while True:
    c = s.accept()[0]
    c.sendall(sys.argv[1].encode() + b"\n")
    c.close()' "$c" 2>/dev/null &
	done
	if ! wait_port xb 80 tcp 30 || ! wait_port xc 80 tcp 30; then
		tap_fail "servers in xb and xc listen"
	fi
	sd_wait_instance_ip a "$CLI" 0 >/dev/null || tap_fail "node a learns the client's InstanceIP"
}

# costs_known: node a measured both peers and gave their costs to the kernel
costs_known() {
	[[ $(probe a 10.99.0.2 .cost) =~ ^[0-9]+$ && $(probe a 10.99.0.3 .cost) =~ ^[0-9]+$ ]]
}

# RTTs measured, costs in the kernel.
test_rtt() {
	local rtt_b rtt_c m cost_b cost_c f
	wait_until 20 costs_known
	rtt_b=$(probe a 10.99.0.2 .srtt_us) rtt_c=$(probe a 10.99.0.3 .srtt_us)
	tap_note "node a: smoothed RTT to b $rtt_b us, to c $rtt_c us"
	# (upper bounds would measure the host's load: TCG adds milliseconds)
	tap_run "a measured b at 5 ms or more" test "${rtt_b:-0}" -ge 5000
	tap_run "a measured c at 40 ms or more, above b" test "${rtt_c:-0}" -ge 40000 -a "${rtt_c:-0}" -gt "${rtt_b:-0}"
	m=$(metrics a)
	tap_match "metrics: semnetd's RTT per peer node" "$m" '^semnetd_peer_rtt_us\{node="10\.99\.0\.3"\} [0-9]+$'
	for f in "${FAMILIES[@]}"; do
		cost_b=$(peer_metric semnet_peer_cost "$f" 10.99.0.2 "$m")
		cost_c=$(peer_metric semnet_peer_cost "$f" 10.99.0.3 "$m")
		tap_note "node a: kernel IPv$f peer costs b $cost_b, c $cost_c"
		tap_run "the kernel holds the costs of the IPv$f peers: b below c" \
			test "${cost_b:-1}" -lt "${cost_c:-0}"
		tap_eq "metrics: nobody down (b's IPv$f peer)" \
			"$(peer_metric semnet_peer_down "$f" 10.99.0.2 "$m")" 0
	done
}

# The first connection misses on a: held, queried, installed, released.
test_closest_b() {
	local f
	all_reach "the Closest address: 6 of 6 new connections reach b (5 ms)" 6 xb
	[ "$TAP_FAILED" = 0 ] || sd_dump a
	for f in "${FAMILIES[@]}"; do
		tap_eq "node a installed ${CLOSEST[$f]} with policy closest" \
			"$(jq_in a ".[] | select(.address == \"${CLOSEST[$f]}\") | .policy" service show)" closest
	done
}

# delays B_MS C_MS WANT WHAT: netem delays towards b and c; new
# connections switch to WANT (timed, reported as WHAT)
delays() {
	delay b "$1"
	delay c "$2"
	switch_to "$3"
	report "$4 (b $1 ms, c $2 ms), $([ "$3" = xb ] && echo "c -> b" || echo "b -> c")"
}

test_swap() {
	delays 40 5 xc "delays swapped"
	all_reach "after the swap: 4 of 4 reach c" 4 xc
}

test_swap_back() {
	delays 5 40 xb "delays back"
	all_reach "after the swap back: 4 of 4 reach b" 4 xb
}

# link_b STATE WANT WHAT: b's underlay link goes STATE (up or down); new
# connections switch to WANT (timed, reported as WHAT), and the time
# semnetd on a took to see it is noted
link_b() {
	local at
	at=$(now_ms)
	ip -n wire link set ul-b "$1"
	switch_to "$2"
	report "$3"
	tap_note "semnetd on a marked b $1 $(seconds "$(logged_after a "node 10\.99\.0\.2 is $1" "$at")") s after its link went $1"
}

# b goes down: c, and nothing fails once detected.
test_failover() {
	local purged_before m purged f
	purged_before=$(metrics a | sed -n 's/^semnet_closest_purged_total //p')
	link_b down xc "b's underlay link down, b -> c (failover)"
	all_reach "after the failover: 8 of 8 connections succeed and reach c" 8 xc
	tap_eq "node a holds b for down" "$(probe a 10.99.0.2 .down)" true
	m=$(metrics a)
	for f in "${FAMILIES[@]}"; do
		tap_eq "metrics: b's IPv$f peer down in the kernel" \
			"$(peer_metric semnet_peer_down "$f" 10.99.0.2 "$m")" 1
	done
	purged=$(sed -n 's/^semnet_closest_purged_total //p' <<<"$m")
	tap_note "closest flows to b purged: $((purged - purged_before))"
	tap_run "b's closest flows were purged" test "$((purged - purged_before))" -ge 1
}

test_recovery() {
	link_b up xb "b's link up again (b 5 ms, c 40 ms), c -> b"
	all_reach "b is used again: 4 of 4 reach b" 4 xb
	tap_eq "node a holds b for up" "$(probe a 10.99.0.2 .down)" false
	tap_note "node a probes: $(sd_status a '[.probes.nodes[] | "\(.node) sent \(.sent) replies \(.replies) lost \(.lost) pushes \(.pushes)"] | join("; ")')"
}

test_stop() {
	sd_stop a b c
}

tap_cases test_start test_deploy test_rtt test_closest_b test_swap test_swap_back \
	test_failover test_recovery test_stop
tap_done
