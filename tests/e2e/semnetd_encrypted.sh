#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnetd wires `encrypted` node links (issue 18 stage 2, daemon/LINKS.md
# §1a's fallback): each node loads its WireGuard key (--wg-key, made on
# first start), sends its public key and wg_port in its `link`, and for
# each encrypted pair makes one point-to-point WireGuard device, snwg<slot
# of the other node>, listening on its wg_port + the other's slot, whose
# one peer is the other node (allowed-ips 0.0.0.0/0, ::/0); the other's
# subnets of both families are routed into it (proto 151) and its semnet
# peer is `encap direct dev snwgN`.
#  - policy auto: a-b (one prefix) direct, a-c and b-c (c behind a router,
#    another prefix) encrypted, the same why from both ends, the devices'
#    ports, endpoints, MTU (underlay - 60) and routes as agreed;
#  - the registry sent again, nothing changed: c's pass asks the kernel
#    about its four encrypted peers' devices with one RTM_GETLINK dump,
#    no get (strace);
#  - RR from a over x0 (on c) and x1 (on b), IPv4 and IPv6: 2 / 2, 100 KB
#    echoed with a random 64-byte marker (cmp), UDP from the ServiceIP; c's
#    underlay carries WireGuard's UDP between the agreed ports, the
#    control plane's MQTT and nothing else: no UDP 4754, no marker (which
#    c's snwg0 carries in clear, the control);
#  - cleartext packets forged on a's underlay with x0's nsIP or InstanceIP
#    as source: each one peer_spoofed on a, exactly;
#  - a WireGuard data message from a to c, caught on a's underlay, sent
#    again verbatim (a replay) and with one ciphertext byte flipped (a
#    tamper): c's semnetd counts exactly 2 refused datagrams
#    (semnetd_wg_refused_datagrams_total: its nft counter of datagrams to
#    the devices' ports less their rx_packets) while traffic flows on;
#  - kill -9 and restart of a's semnetd: its devices taken over (same
#    ifindex, no duplicate), a stale device and route of "an earlier run"
#    removed, RR whole again;
#  - policy encrypted: a-b encrypted too; policy gre-udp: no WireGuard
#    device or proto 151 route left on any node, RR whole; back to auto;
#  - c rotates its key (POST /link/rotate) under a paced TCP echo stream
#    from a to x0 on c: the stream's bytes come back (cmp) on the one
#    connection; the registry carries c's next key, then only the new
#    one; a's and b's devices for c end with exactly that peer; a second
#    rotation while one is under way is refused (409); the old key file
#    is replaced (0600, no .next left); a rotation cut short by kill -9
#    before the switch is dropped at the restart, the old key kept;
#  - c leaves: a and b remove its device, routes and peers.
# rp_filter=1 on every node.
#
#   netns ctl 10.99.0.100: semnet-root, semnet-cluster (links), mosquitto
#        |
#   netns wire: bridge ul0 (10.99.0.0/24)          bridge ul1 (10.98.0.0/24)
#        |            |           |                    |            |
#   node a 10.99.0.1  node b 10.99.0.2  rt 10.99.0.254 / 10.98.0.254  node c 10.98.0.3
#        |            |                                             |
#       cli           x1                 x (forges, 10.99.0.9)      x0
#   a-b direct; a-c, b-c encrypted (snwg<slot>: a 0, b 1, c 2)
# vm-timeout: 900
# vm-cost: 540
# check-tier: ci
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"
tap_need jq curl socat python3 mosquitto mosquitto_sub mosquitto_pub tcpdump strace nft

PEER=$SEMNET_TOP/tests/lib/netpeer.py
WEB=app.ns.web.prod
CLI=cli.ns.c.prod
RR=
RR6=
SD_CLUSTER_ARGS=(--links-policy auto)
SD_ARGS=(--wg-rotate-grace-ms 8000)	# test_rotate pauses the cluster in it
declare -A SUB=([a]=172.16.0.0/26 [b]=172.16.0.64/26 [c]=172.16.0.128/26)
declare -A SUB6=()
LOGS=$SD_WORK
modprobe wireguard 2>/dev/null

sorted() { printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
registry() {
	ip netns exec ctl mosquitto_sub -h 127.0.0.1 -p "$SD_MQTT_PORT" -C 1 -W 5 -t semnet/nodes
}
# peers NODE: its kernel peers of both families, "SUBNET=ENCAP[/DEV]", sorted
peers() {
	jq_in "$1" '[.[] | .subnet + "=" + .encap + (if .dev then "/" + .dev else "" end)] |
		sort | join(" ")' peer show
}
# wgroutes NODE: its encrypted links' routes (proto 151), "DST@DEV", sorted
wgroutes() {
	{ ip -n "$1" -o route show proto 151; ip -n "$1" -o -6 route show proto 151; } |
		awk '{print $1 "@" $3}' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
# wgdevs NODE: its WireGuard devices, sorted
wgdevs() {
	ip -n "$1" -o link show type wireguard | awk -F': ' '{print $2}' | sed 's/@.*//' |
		LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
directroutes() { ip -n "$1" -o route show proto 150 | awk '{print $1}' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
# st NODE SUBNET JQ: JQ of that peer in NODE's /status
st() { sd_status "$1" ".tables.peers[] | select(.subnet == \"$2\") | $3"; }

# wire_c NODE ADDR: NODE on ul1 (behind rt), default route via rt
wire_c() {
	topo_netns "$1" &&
	ip -n wire link add "ul-$1" type veth peer name ul0 netns "$1" &&
	ip -n wire link set "ul-$1" master ul1 up &&
	ip -n "$1" addr add "$2/24" dev ul0 && ip -n "$1" link set ul0 up &&
	ip -n "$1" route add default via 10.98.0.254
}

# router: namespace rt between ul0 (10.99.0.254) and ul1 (10.98.0.254)
router() {
	ip -n wire link add ul1 type bridge && ip -n wire link set ul1 up &&
	sd_wire rt 10.99.0.254 &&
	ip -n wire link add ul-rt1 type veth peer name ul1 netns rt &&
	ip -n wire link set ul-rt1 master ul1 up &&
	ip -n rt addr add 10.98.0.254/24 dev ul1 && ip -n rt link set ul1 up &&
	ip netns exec rt sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n ctl route add 10.98.0.0/24 via 10.99.0.254
}

test_start() {
	local n
	sd_control	# not in tap_run's subshell: SD_CLUSTER_PID is kept
	tap_eq "control plane: root, cluster (--links-policy auto), broker" "$?" 0
	router
	tap_eq "router rt between 10.99.0.0/24 and 10.98.0.0/24" "$?" 0
	SD_UL=([a]=10.99.0.1 [b]=10.99.0.2 [c]=10.98.0.3)
	for n in a b; do
		if ! sd_wire "$n" "${SD_UL[$n]}" ||
		   ! ip -n "$n" route add 10.98.0.0/24 via 10.99.0.254; then tap_fail "node $n"; fi
	done
	wire_c c "${SD_UL[c]}" || tap_fail "node c"
	for n in a b c; do
		topo_rp_filter "$n" 1 || tap_fail "rp_filter on $n"
		sd_launch "$n" || tap_fail "semnetd on $n"
	done
	for n in a b c; do
		wait_for_file "$SD_READY_WAIT" "$SD_WORK/$n.ready" || tap_fail "semnetd on $n serves"
	done
	# One at a time: the cluster hands out subnets in the order the
	# nodes ask, which POST /register alone does not fix (a node asks
	# once it has set up, so a slower start lets the next one first).
	tap_run "nodes a, b, c register and set up, in turn" \
		eval "sd_register a && sd_register b && sd_register c"
	tap_eq "node subnets (slots 0, 1, 2)" \
		"$(for n in a b c; do sd_status "$n" .subnet; done | tr '\n' ' ')" \
		"${SUB[a]} ${SUB[b]} ${SUB[c]} "
	for n in a b c; do SUB6[$n]=$(sd_status "$n" .subnet_v6); done
	tap_match "IPv6 subnets too" "${SUB6[c]}" ':'
}

test_registry() {
	local r
	r=$(registry)
	tap_eq "each node's link offers WireGuard on 51820" \
		"$(jq -r '[.nodes[] | .node_id + "=" + (.link.wg_port | tostring)] | sort | join(" ")' <<<"$r")" \
		"a=51820 b=51820 c=51820"
	tap_eq "three different public keys" \
		"$(jq -r '[.nodes[].link.wg_key] | unique | length' <<<"$r")" 3
	tap_eq "the key files are 0600" "$(stat -c %a "$SD_WORK/a.wg.key" "$SD_WORK/c.wg.key" | sort -u)" 600
	tap_run "no private key in any log" \
		sh -c "! grep -qF \"\$(base64 <'$SD_WORK/a.wg.key')\" '$SD_LOGS/a.log'"
	tap_eq "the key device is gone" "$(ip -n a -o link show snwg-key 2>/dev/null | wc -l)" 0
}

want_auto() {
	[ "$(peers a)" = "$(sorted "${SUB[b]}=direct/ul0" "${SUB6[b]}=gre-udp" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")" ] &&
	[ "$(peers b)" = "$(sorted "${SUB[a]}=direct/ul0" "${SUB6[a]}=gre-udp" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")" ] &&
	[ "$(peers c)" = "$(sorted "${SUB[a]}=direct/snwg0" "${SUB6[a]}=direct/snwg0" \
		"${SUB[b]}=direct/snwg1" "${SUB6[b]}=direct/snwg1")" ] &&
	[ "$(wgroutes a)" = "$(sorted "${SUB[c]}@snwg2" "${SUB6[c]}@snwg2")" ] &&
	[ "$(wgroutes c)" = "$(sorted "${SUB[a]}@snwg0" "${SUB6[a]}@snwg0" "${SUB[b]}@snwg1" "${SUB6[b]}@snwg1")" ]
}

test_encrypted() {
	tap_wait "policy auto: a-b direct, a-c and b-c encrypted (both families)" 30 want_auto
	tap_eq "a: peers" "$(peers a)" "$(sorted "${SUB[b]}=direct/ul0" "${SUB6[b]}=gre-udp" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")"
	tap_eq "c: peers" "$(peers c)" "$(sorted "${SUB[a]}=direct/snwg0" "${SUB6[a]}=direct/snwg0" \
		"${SUB[b]}=direct/snwg1" "${SUB6[b]}=direct/snwg1")"
	tap_eq "a: WireGuard devices" "$(wgdevs a)" snwg2
	tap_eq "b: WireGuard devices" "$(wgdevs b)" snwg2
	tap_eq "c: WireGuard devices" "$(wgdevs c)" "snwg0 snwg1"
	tap_eq "a: c's subnets routed into snwg2 (proto 151)" "$(wgroutes a)" \
		"$(sorted "${SUB[c]}@snwg2" "${SUB6[c]}@snwg2")"
	tap_eq "c: a's and b's into snwg0, snwg1" "$(wgroutes c)" \
		"$(sorted "${SUB[a]}@snwg0" "${SUB6[a]}@snwg0" "${SUB[b]}@snwg1" "${SUB6[b]}@snwg1")"
	tap_eq "a: b's direct route stays (proto 150)" "$(directroutes a)" "${SUB[b]}"
	tap_eq "snwg2's MTU on a: the underlay's less 60" \
		"$(ip netns exec a cat /sys/class/net/snwg2/mtu)" 1440
	tap_eq "/status on a: c's kind encrypted, encap direct, routed" \
		"$(st a "${SUB[c]}" '"\(.kind) \(.encap) \(.routed)"')" "encrypted direct true"
	tap_eq "/status: the why on a" "$(st a "${SUB[c]}" .why)" "different underlays or NATs"
	tap_eq "/status: the same why on c" "$(st c "${SUB[a]}" .why)" "different underlays or NATs"
	tap_eq "/status on a: snwg2 listens on 51820 + c's slot, sends to c's 51820 + a's slot" \
		"$(st a "${SUB[c]}" '"\(.wg.dev) \(.wg.listen_port) \(.wg.endpoint)"')" \
		"snwg2 51822 10.98.0.3:51820"
	tap_eq "/status on c: snwg0, the other end" \
		"$(st c "${SUB[a]}" '"\(.wg.dev) \(.wg.listen_port) \(.wg.endpoint)"')" \
		"snwg0 51820 10.99.0.1:51822"
	tap_eq "/status on b: snwg2 for c" \
		"$(st b "${SUB[c]}" '"\(.wg.dev) \(.wg.listen_port) \(.wg.endpoint)"')" \
		"snwg2 51822 10.98.0.3:51821"
	tap_eq "/status on a: b's pair direct, no wg" "$(st a "${SUB[b]}" '"\(.kind) \(.wg)"')" \
		"direct null"
	tap_eq "the kernel derived the public key the registry carries" \
		"$(ip netns exec c wg show snwg0 peers 2>/dev/null)" \
		"$(registry | jq -r '.nodes[] | select(.node_id == "a") | .link.wg_key')"
	tap_eq "c's snwg0 allows everything from its one peer" \
		"$(ip netns exec c wg show snwg0 allowed-ips 2>/dev/null | cut -f2)" "0.0.0.0/0 ::/0"
}

# getlinks FILE: the RTM_GETLINK requests strace saw, "dump" or "get" each
getlinks() {
	grep -o 'nlmsg_type=RTM_GETLINK, nlmsg_flags=[A-Z_|]*' "$1" |
		sed 's/.*NLM_F_DUMP.*/dump/; t; s/.*/get/' | sort | uniq -c | awk '{print $2 "=" $1}' |
		tr '\n' ' ' | sed 's/ $//'
}
traced() { grep -q RTM_GETLINK "$1"; }

# c has four encrypted peers (a's and b's subnets, both families) on two
# devices: a registry pass with nothing changed asks the kernel about
# them with one dump (the ifindexes, the underlay's MTU), not a get each.
test_pass() {
	local pid=${SD_PID[c]} out=$SD_WORK/c.strace
	# In c's namespace: strace names rtnetlink's messages only there.
	ip netns exec c strace -f -qq -e trace=sendto,sendmsg -e signal=none -o "$out" -p "$pid" \
		2>/dev/null &
	local tracer=$!
	wait_until 5 grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$pid/status"
	registry >"$SD_WORK/registry.json" &&
	ip netns exec ctl mosquitto_pub -h 127.0.0.1 -p "$SD_MQTT_PORT" -q 1 -t semnet/nodes \
		-f "$SD_WORK/registry.json"
	tap_eq "the registry sent again to c (nothing changed)" "$?" 0
	tap_wait "c's pass asked the kernel about its devices" 10 traced "$out"
	sleep 1
	kill "$tracer"; wait "$tracer" 2>/dev/null
	tap_eq "c's pass: one RTM_GETLINK dump for 4 encrypted peers, no get" "$(getlinks "$out")" \
		"dump=1"
	tap_eq "c: its peers as they were" "$(peers c)" "$(sorted "${SUB[a]}=direct/snwg0" \
		"${SUB6[a]}=direct/snwg0" "${SUB[b]}=direct/snwg1" "${SUB6[b]}=direct/snwg1")"
}

test_deploy() {
	local c i
	RR=$(sd_service job1 app ns web prod 2)
	sd_service job2 cli ns c prod 1 >/dev/null
	tap_match "the orchestrator deployed web at the root" "$RR" '^172\.30\.'
	RR6=$(sd_rr_ip6 "$WEB")
	tap_match "web has an IPv6 RR address" "$RR6" ':'
	for c in x0 x1 cli; do sd_container "$c" >/dev/null; done
	tap_match "deploy instance 0 on c" "$(sd_deploy c x0 "$WEB" 0)" '^200 '
	tap_match "deploy instance 1 on b" "$(sd_deploy b x1 "$WEB" 1)" '^200 '
	tap_match "deploy the client on a" "$(sd_deploy a cli "$CLI" 0)" '^200 '
	for i in 0 1; do
		ip netns exec "x$i" socat -t 15 TCP6-LISTEN:80,fork,reuseaddr SYSTEM:"echo x$i" 2>/dev/null &
		ip netns exec "x$i" socat -t 10 TCP6-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
		ip netns exec "x$i" "$PEER" udp-echo 9 &
	done
	for i in 0 1; do
		if ! wait_port "x$i" 80 || ! wait_port "x$i" 7 || ! wait_port "x$i" 9 udp; then
			tap_fail "servers in x$i listen"
		fi
	done
	tap_run "node a learns the client's InstanceIP" sd_wait_instance_ip a "$CLI" 0
	# The payload: a random 64-byte marker 64 times (some copy lies whole
	# in one packet), then random bytes.
	head -c 64 /dev/urandom >"$LOGS/marker"
	{ for _ in $(seq 64); do cat "$LOGS/marker"; done; head -c 100000 /dev/urandom; } \
		>"$LOGS/payload"
}

# ask6 N: ask over the IPv6 RR address
ask6() {
	local i
	for i in $(seq "$1"); do
		ip netns exec cli socat -T15 -t15 - "TCP6:[$RR6]:80,connect-timeout=15" </dev/null
		echo
	done
}

# echo_cmp TO: the payload through TO (socat address) echoed, cmp equal
echo_cmp() {
	ip netns exec cli socat -t 10 -T 30 "$1" - <"$LOGS/payload" >"$LOGS/echoed" &&
	cmp "$LOGS/payload" "$LOGS/echoed"
}

# rr_whole WHAT: 4 connections each family, 2 to each instance; the
# payload echoed twice each family (one by each instance), UDP replies
rr_whole() {
	local names
	names=$(ask 4)
	tap_eq "$1: IPv4 RR over c and b: 2 / 2" "$(count_of x0 "$names") $(count_of x1 "$names")" "2 2"
	names=$(ask6 4)
	tap_eq "$1: IPv6 RR over c and b: 2 / 2" "$(count_of x0 "$names") $(count_of x1 "$names")" "2 2"
	tap_run "$1: IPv4 payload echoed, cmp (1)" echo_cmp "TCP:$RR:7"
	tap_run "$1: IPv4 payload echoed, cmp (2)" echo_cmp "TCP:$RR:7"
	tap_run "$1: IPv6 payload echoed, cmp (1)" echo_cmp "TCP6:[$RR6]:7"
	tap_run "$1: IPv6 payload echoed, cmp (2)" echo_cmp "TCP6:[$RR6]:7"
	tap_run "$1: IPv4 UDP replies from the ServiceIP" ip netns exec cli "$PEER" udp "$RR" 9 1000
	tap_run "$1: IPv6 UDP replies from the ServiceIP" ip netns exec cli "$PEER" udp "$RR6" 9 1000
}

pcap_kinds() { "$SEMNET_TOP/tests/lib/pcap.py" kinds "$1"; }
pcap_ip() { "$SEMNET_TOP/tests/lib/pcap.py" ip "$1"; }
# markers PCAP: how many copies of the marker PCAP holds
markers() {
	python3 -S -c 'import sys; print(open(sys.argv[1], "rb").read().count(open(sys.argv[2], "rb").read()))' \
		"$1" "$LOGS/marker"
}
drops() { jq_in "$1" '[.drops[]] | add' stats; }

test_traffic() {
	local kinds ip n d p
	declare -A d0
	for n in a b c; do d0[$n]=$(drops "$n"); done
	CAPTURES=()
	capture wire ul-c underlay
	capture c snwg0 inner
	sleep 1		# tcpdump has its socket once the file exists; be generous
	rr_whole "auto"
	for p in "${CAPTURES[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	kinds=$(pcap_kinds "$LOGS/underlay.pcap" | sort | uniq -c)
	tap_note "c's underlay: $(echo "$kinds" | tr -s ' \n' ' ')"
	tap_run "c's underlay: WireGuard's UDP between a's 51822 and c's 51820" \
		grep -qE "UDP 51822 51820\$" <<<"$kinds"
	tap_eq "c's underlay: only the agreed WireGuard ports, ARP, ICMPv6 and TCP" \
		"$(grep -vcE "UDP (51822 5182[01]|5182[01] 51822)\$| ARP\$| ICMP6\$| OTHER 6\$" <<<"$kinds")" 0
	ip=$(pcap_ip "$LOGS/underlay.pcap")
	tap_eq "c's underlay: the TCP is the control plane's MQTT (c and ctl) only" \
		"$(grep ' 6$' <<<"$ip" | grep -cvE '^IP4 (10\.98\.0\.3 10\.99\.0\.100|10\.99\.0\.100 10\.98\.0\.3) 6$')" 0
	tap_eq "c's underlay: no UDP 4754" "$(grep -c ' 17 4754$' <<<"$ip")" 0
	tap_eq "c's underlay: no copy of the marker" "$(markers "$LOGS/underlay.pcap")" 0
	tap_run "control: snwg0 on c carries the marker in clear" \
		test "$(markers "$LOGS/inner.pcap")" -gt 0
	for n in a b c; do
		d=$(($(drops "$n") - d0[$n]))
		tap_eq "no drops on $n during the traffic" "$d" 0
		[ "$d" = 0 ] || tap_note "$n: drops $(ip netns exec "$n" semnet -j stats |
				jq -c '.drops | with_entries(select(.value > 0))')"
	done
	tap_run "/status on a: a handshake with c, bytes both ways" \
		test "$(st a "${SUB[c]}" '(.wg.handshake_age_s != null) and .wg.rx_bytes > 100000 and .wg.tx_bytes > 100000')" = true
	tap_run "a's semnet peer for c counted what it sent into snwg2 (> 100 KB)" \
		test "$(jq_in a ".[] | select(.subnet == \"${SUB[c]}\") | .tx_bytes" peer show)" -gt 100000
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c
}

# forged WHAT SRC: x, on a's segment, sends a's client a cleartext packet
# from SRC (one of c's): a drops it as peer-spoofed, exactly once
forged() {
	local sp0
	sp0=$(drop_in a peer_spoofed)
	send_from x "$2" "$(sd_status a '.instances[0].nsAddress')" || tap_fail "$1: sent"
	wait_for_counter 10 $((sp0 + 1)) drop_in a peer_spoofed
	tap_eq "$1: peer-spoofed +1 on a" "$(($(drop_in a peer_spoofed) - sp0))" 1
}

test_forged() {
	local nsip iip p
	sd_wire x 10.99.0.9 && ip -n x route add 172.16.0.0/12 via 10.99.0.1
	tap_eq "x on a's segment, routing the platform to a" "$?" 0
	nsip=$(sd_status c ".instances[] | select(.serviceName == \"$WEB\") | .nsAddress")
	iip=$(sd_instance_ip c "$WEB" 0)
	CAPTURES=()
	capture cli eth0 client
	forged "x sends from x0's nsIP (c's), bare" "$nsip"
	forged "x sends from x0's InstanceIP, bare" "$iip"
	for p in "${CAPTURES[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	tap_eq "neither reached the client" \
		"$(pcap_ip "$LOGS/client.pcap" | grep -cE "^IP4 ($nsip|$iip) ")" 0
}

# wg_metric NODE NAME: NAME's value in NODE's /metrics (empty: none)
wg_metric() {
	curl -s --unix-socket "$SD_WORK/$1.sock" http://localhost/metrics |
		awk -v m="$2" '$1 == m { print $2 }'
}
refused() { wg_metric "$1" semnetd_wg_refused_datagrams_total; }
refused_is() { [ "$(refused "$1")" = "$2" ]; }
# settled NODE: its /status says datagrams = accepted + refused (a read
# racing the RTT probes may not: polled)
settled() {
	[ "$(sd_status "$1" '.wg_datagrams | .datagrams - .accepted - .refused')" = 0 ]
}

# Issue 18: "a tampered or replayed packet is dropped and counted".
# WireGuard counts no datagram it refuses; semnetd counts the datagrams
# reaching its devices' ports (nft) less what they took (rx_packets).
test_tamper() {
	local r0 a0 iip catch
	tap_eq "c's /status: counting on its devices' ports (51820 for a, 51821 for b)" \
		"$(sd_status c '.wg_datagrams | "\(.counting) \(.ports | sort | join(","))"')" \
		"true 51820,51821"
	tap_wait "c's /status: datagrams = accepted + refused" 10 settled c
	r0=$(refused c) a0=$(refused a)
	tap_match "c's /metrics: semnetd_wg_refused_datagrams_total" "$r0" '^[0-9]+$'
	iip=$(sd_instance_ip c "$WEB" 0)
	coproc CATCH { wg_catch a ul0 51820 "$LOGS/frame.hex"; }
	catch=$CATCH_PID	# bash unsets CATCH_PID when it ends
	read -r -t 30 _ <&"${CATCH[0]}"
	# A datagram to x0 on c until one is caught (a loaded VM may start
	# the catch late).
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec cli "$PEER" udp "$iip" 9 100 >/dev/null
		[ -s "$LOGS/frame.hex" ] && break
		sleep 1
	done
	wait "$catch"
	tap_run "a data message from a to c caught on a's ul0" test -s "$LOGS/frame.hex"
	wg_inject a ul0 "$LOGS/frame.hex"
	tap_wait "replayed verbatim: c counts it refused" 10 refused_is c $((r0 + 1))
	wg_inject a ul0 "$LOGS/frame.hex" 20
	tap_wait "one ciphertext byte flipped: counted too" 10 refused_is c $((r0 + 2))
	tap_run "traffic still flows: the payload echoed by x0 (cmp)" echo_cmp "TCP:$iip:7"
	tap_run "and UDP replies from the ServiceIP" ip netns exec cli "$PEER" udp "$RR" 9 1000
	tap_wait "c's /status settles: datagrams = accepted + refused" 10 settled c
	refused c >/dev/null	# one read more: the count moves on two (wgcount.h)
	tap_eq "c refused exactly those 2" "$(($(refused c) - r0))" 2
	tap_eq "a refused nothing meanwhile" "$(($(refused a) - a0))" 0
	[ "$TAP_FAILED" = 0 ] || sd_dump a c
}

# a_again: a's encrypted peer for c back, on the same device
a_again() {
	[ "$(peers a)" = "$(sorted "${SUB[b]}=direct/ul0" "${SUB6[b]}=gre-udp" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")" ] &&
	[ "$(wgdevs a)" = snwg2 ] &&
	[ "$(wgroutes a)" = "$(sorted "${SUB[c]}@snwg2" "${SUB6[c]}@snwg2")" ]
}

test_restart() {
	local idx
	idx=$(ip netns exec a cat /sys/class/net/snwg2/ifindex)
	kill -9 "${SD_PID[a]}"; wait "${SD_PID[a]}" 2>/dev/null
	tap_eq "after kill -9 of a's semnetd, snwg2 and its routes stay" "$(wgdevs a) $(wgroutes a)" \
		"snwg2 $(sorted "${SUB[c]}@snwg2" "${SUB6[c]}@snwg2")"
	# What an earlier run could have left: a device of a node gone since,
	# a route into a kept device for a subnet no node has.
	ip -n a link add snwg7 type wireguard && ip -n a link set snwg7 up &&
	ip -n a route add 172.16.7.0/26 dev snwg2 proto 151
	tap_eq "stale snwg7 and a stale proto 151 route made" "$?" 0
	sd_start a	# not in a subshell: SD_PID[a] is kept
	tap_eq "semnetd restarts on a" "$?" 0
	tap_wait "a: c's peers on snwg2 again, stale device and route gone" 30 a_again
	tap_eq "snwg2 taken over, not made again (same ifindex)" \
		"$(ip netns exec a cat /sys/class/net/snwg2/ifindex)" "$idx"
	tap_match "a's log: the stale device went" "$(grep -c 'snwg7 removed' "$SD_LOGS/a.log")" '^1$'
	tap_match "a's log: the stale route went" \
		"$(grep -c 'removed 1 encrypted link route' "$SD_LOGS/a.log")" '^1$'
	tap_match "a's log: the earlier run's table inet semnet-wg went (made afresh)" \
		"$(grep -c 'removed table inet semnet-wg of an earlier run' "$SD_LOGS/a.log")" '^1$'
	tap_run "a's semnet peer for c is bound to snwg2" \
		test "$(jq_in a ".[] | select(.subnet == \"${SUB[c]}\") | .dev" peer show)" = snwg2
	rr_whole "after the restart"
	[ "$TAP_FAILED" = 0 ] || sd_dump a c
}

registry_next() { c_key | cut -d' ' -f2; }
c_key() { registry | jq -r '.nodes[] | select(.node_id == "c") | .link | "\(.wg_key) \(.wg_key_next)"'; }
# peer_keys NODE DEV: the public keys of DEV's WireGuard peers in NODE
peer_keys() { ip netns exec "$1" wg show "$2" peers 2>/dev/null | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
next_published() { [ "$(registry_next)" != null ]; }
c_switched() { [ "$(sd_status c .wg_rotation.rotations)" = 1 ]; }
OLD_KEY=
both_keys() {
	local want
	want=$(sorted "$OLD_KEY" "$(registry_next)")
	[ "$(peer_keys a snwg2)" = "$want" ] && [ "$(peer_keys b snwg2)" = "$want" ]
}
# promoted_on NODE: its snwg2 has c's next key alone, moved by a handshake
promoted_on() {
	[ "$(peer_keys "$1" snwg2)" = "$(registry_next)" ] &&
	[ "$(sd_status "$1" .wg_rotation.promotions)" = 1 ]
}
rotated() {
	local k
	k=$(c_key)
	[ "${k#* }" = null ] && [ "${k% *}" != "$1" ] &&
	[ "$(sd_status c .wg_rotation.state)" = idle ] &&
	[ "$(peer_keys a snwg2)" = "${k% *}" ] && [ "$(peer_keys b snwg2)" = "${k% *}" ]
}
# paced N: N 2,000-byte pieces of the payload, 0.1 s apart
paced() {
	local i
	for i in $(seq 0 $(($1 - 1))); do
		dd if="$LOGS/payload" bs=2000 skip="$i" count=1 status=none
		sleep 0.1
	done
}

# LINKS.md §3: c's peers add an entry for its next key beside the old
# one; c switches --wg-rotate-grace-ms (8 s here) after the registry has
# it. The cluster is paused (SIGSTOP) from then until a and b have moved:
# c's switch cannot reach the registry, so each moves its allowed-ips on
# the handshake with c's new key that traffic starts (the stream's, the
# RTT probes'): the promotion. Then the registry catches up, a no-op.
test_rotate() {
	local old iip r stream rc
	old=$(c_key)
	old=${old% *}
	iip=$(sd_instance_ip c "$WEB" 0)
	head -c 160000 "$LOGS/payload" >"$LOGS/paced"
	paced 80 | ip netns exec cli socat -t 10 -T 30 - "TCP:$iip:7" >"$LOGS/paced.echoed" &
	stream=$!
	sleep 1		# the stream is under way
	# Two requests on one connection's heels: the second finds the first.
	r=$(curl -s --unix-socket "$SD_WORK/c.sock" -X POST -w ' %{http_code}\n' \
		http://localhost/link/rotate http://localhost/link/rotate)
	tap_match "POST /link/rotate on c: staged, a next key" "$(sed -n 1p <<<"$r")" \
		'^\{"state":"staged".*"next_key":.* 200$'
	tap_match "a second one while it is under way: 409" "$(sed -n 2p <<<"$r")" \
		'key rotation is under way.* 409$'
	tap_wait "the registry carries c's next key" 20 next_published
	kill -STOP "$SD_CLUSTER_PID"
	OLD_KEY=$old
	tap_wait "a's and b's snwg2: c's current key and its next key beside it" 10 both_keys
	tap_wait "c switches (the cluster paused: the registry does not know)" 30 c_switched
	tap_wait "a moves to c's new key on a handshake: one entry, promotions 1" 20 promoted_on a
	tap_wait "b too" 20 promoted_on b
	tap_eq "the registry still has c's old key and the next one" "$(c_key)" \
		"$old $(registry_next)"
	kill -CONT "$SD_CLUSTER_PID"
	tap_wait "the registry has c's new key only, b's snwg2 only it" 30 rotated "$old"
	wait "$stream"
	rc=$?
	tap_eq "the stream over the rotation ended cleanly" "$rc" 0
	tap_run "its 160,000 bytes came back on the one connection (cmp)" \
		cmp "$LOGS/paced" "$LOGS/paced.echoed"
	tap_eq "c: one rotation, state idle" "$(sd_status c '"\(.wg_rotation.rotations) \(.wg_rotation.state)"')" \
		"1 idle"
	tap_eq "nothing moved again when the registry caught up (promotions 1, 1)" \
		"$(sd_status a .wg_rotation.promotions) $(sd_status b .wg_rotation.promotions)" "1 1"
	tap_eq "c's key file: 0600, no .next left" \
		"$(stat -c %a "$SD_WORK/c.wg.key") $([ -e "$SD_WORK/c.wg.key.next" ] && echo left || echo none)" "600 none"
	tap_eq "c's key file holds the private key of the published public key" \
		"$(base64 -w0 <"$SD_WORK/c.wg.key" | wg pubkey)" "$(c_key | cut -d' ' -f1)"
	tap_eq "c's log: rotated once" "$(grep -c 'WireGuard key rotated' "$SD_LOGS/c.log")" 1
	tap_eq "after the rotation: IPv4 RR over c and b" \
		"$(names=$(ask 4); echo "$(count_of x0 "$names") $(count_of x1 "$names")")" "2 2"
	tap_run "after the rotation: the payload echoed by x0 (cmp)" echo_cmp "TCP:$iip:7"
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c
}

# A rotation cut short: c is killed (-9) after the registry has its next
# key, before it switches. The restart drops the next key (its file) and
# sends its link without it: a and b remove the next key's entry, c keeps
# its key, traffic flows.
only_key() {
	[ "$(c_key)" = "$OLD_KEY null" ] &&
	[ "$(peer_keys a snwg2)" = "$OLD_KEY" ] && [ "$(peer_keys b snwg2)" = "$OLD_KEY" ]
}
test_rotate_abort() {
	local sum
	OLD_KEY=$(c_key | cut -d' ' -f1)
	sum=$(sha256sum <"$SD_WORK/c.wg.key")
	tap_match "POST /link/rotate on c" "$(sd_api c POST /link/rotate)" '^200 .*"staged"'
	tap_wait "the registry carries c's next key" 20 next_published
	tap_wait "a's and b's snwg2 have it beside the current key" 10 both_keys
	kill -9 "${SD_PID[c]}"; wait "${SD_PID[c]}" 2>/dev/null
	tap_eq "c killed before it switched: a .next key file is left" \
		"$([ -e "$SD_WORK/c.wg.key.next" ] && echo left || echo none)" left
	sd_start c
	tap_eq "semnetd restarts on c" "$?" 0
	tap_wait "the registry: c's key alone again; a's and b's snwg2 only it" 30 only_key
	tap_eq "c's key file unchanged, the .next one gone" \
		"$(sha256sum <"$SD_WORK/c.wg.key") $([ -e "$SD_WORK/c.wg.key.next" ] && echo left || echo none)" \
		"$sum none"
	tap_match "c's log says why" "$(grep -c "key rotation did not finish" "$SD_LOGS/c.log")" '^1$'
	tap_eq "c: rotation idle" "$(sd_status c .wg_rotation.state)" idle
	tap_run "the payload echoed by x0 (cmp)" echo_cmp "TCP:$(sd_instance_ip c "$WEB" 0):7"
	[ "$TAP_FAILED" = 0 ] || sd_dump a c
}

cluster_policy() {
	kill "$SD_CLUSTER_PID" && wait "$SD_CLUSTER_PID"
	SD_CLUSTER_ARGS=(--links-policy "$1")
	sd_cluster_start
}

want_all_encrypted() {
	[ "$(peers a)" = "$(sorted "${SUB[b]}=direct/snwg1" "${SUB6[b]}=direct/snwg1" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")" ] &&
	[ "$(peers b)" = "$(sorted "${SUB[a]}=direct/snwg0" "${SUB6[a]}=direct/snwg0" \
		"${SUB[c]}=direct/snwg2" "${SUB6[c]}=direct/snwg2")" ] &&
	[ -z "$(directroutes a)" ] && [ -z "$(directroutes b)" ]
}

want_gre() {
	local n
	for n in a b c; do
		[ -z "$(wgdevs "$n")" ] && [ -z "$(wgroutes "$n")" ] && [ -z "$(directroutes "$n")" ] ||
			return 1
	done
	[ "$(peers a)" = "$(sorted "${SUB[b]}=gre-udp" "${SUB6[b]}=gre-udp" \
		"${SUB[c]}=gre-udp" "${SUB6[c]}=gre-udp")" ]
}

accepted() { wg_metric "$1" semnetd_wg_accepted_datagrams_total; }

test_policy() {
	local acc0
	cluster_policy encrypted
	tap_eq "the cluster restarts with --links-policy encrypted" "$?" 0
	tap_wait "every pair encrypted, no direct route left" 30 want_all_encrypted
	tap_eq "/status on a: b's why" "$(st a "${SUB[b]}" .why)" "cluster policy encrypted"
	tap_eq "a: WireGuard devices" "$(wgdevs a)" "snwg1 snwg2"
	rr_whole "encrypted"
	acc0=$(accepted a)
	cluster_policy gre-udp
	tap_eq "the cluster restarts with --links-policy gre-udp" "$?" 0
	tap_wait "every pair gre-udp: no WireGuard device or route left on any node" 30 want_gre
	tap_eq "/status on c: a's kind and why" "$(st c "${SUB[a]}" '"\(.kind) \(.why)"')" \
		"gre-udp cluster policy gre-udp"
	tap_run "a's accepted WireGuard datagrams kept when its devices went (>= before)" \
		test "$(accepted a)" -ge "$acc0"
	acc0=$(accepted a)
	rr_whole "gre-udp"
	cluster_policy auto
	tap_eq "the cluster restarts with --links-policy auto" "$?" 0
	tap_wait "auto again: a-b direct, a-c and b-c encrypted" 30 want_auto
	rr_whole "auto again"
	tap_run "and counted on on the new devices (> that)" test "$(accepted a)" -gt "$acc0"
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c
}

c_gone() {
	local n
	for n in a b; do
		[ -z "$(wgdevs "$n")" ] && [ -z "$(wgroutes "$n")" ] || return 1
		ip netns exec "$n" semnet -j peer show |
			jq -e '[.[] | select(.remote == "10.98.0.3")] | length == 0' >/dev/null || return 1
	done
}

test_leave() {
	local n0
	n0=$(grep -c 'snwg2 removed: no encrypted peer' "$SD_LOGS/a.log")
	tap_match "undeploy instance 0 on c" "$(sd_undeploy c "$WEB" 0)" '^200 '
	sd_stop c
	tap_run "c's semnetd removed its table inet semnet-wg at exit" \
		sh -c '! ip netns exec c nft list table inet semnet-wg >/dev/null 2>&1'
	tap_match "the cluster removes node c" \
		"$(sd_ctl_http DELETE "$SD_CLUSTER/api/net/node/c")" '"node_id":"c"'
	tap_wait "a and b drop c's peers, its device and its routes" 30 c_gone
	tap_eq "a: peers" "$(peers a)" "$(sorted "${SUB[b]}=direct/ul0" "${SUB6[b]}=gre-udp")"
	tap_eq "a's log: snwg2 removed once more" \
		"$(($(grep -c 'snwg2 removed: no encrypted peer' "$SD_LOGS/a.log") - n0))" 1
	[ "$TAP_FAILED" = 0 ] || sd_dump a b
}

test_stop() {
	sd_stop a b
}

tap_cases test_start test_registry test_encrypted test_pass test_deploy test_traffic test_forged \
	test_tamper test_restart test_rotate test_rotate_abort test_policy test_leave test_stop
tap_done
