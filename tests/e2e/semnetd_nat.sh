#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnetd's endpoint discovery (issue 18 stage 4, daemon/LINKS.md §4):
# semnet-cluster answers on --stun-port 3478 and 3479 and names the port
# in the registry (links.stun_port); each semnetd asks both ports from one
# socket whose packets its own snat rule (table inet semnet-discovery)
# sends from WireGuard's port 51820, classifies what the two answers saw
# and reports it in its `link`. Real NATs made by nftables in router
# namespaces:
#  - p, on the "internet" itself: nat none, public_addr its own address;
#  - a behind natA, `oifname ul0 masquerade` (Linux keeps a free source
#    port, so the mapping is endpoint-independent): nat eim, public_addr
#    natA's wan address, port_preserved (51820 both times);
#  - b behind natB, `masquerade fully-random` (a port per conntrack, so
#    per destination): nat symmetric, port_preserved false;
#  - the snat rule is semnetd's alone and goes when semnetd stops;
#  - forged answers (the cluster's address with another nonce, another
#    source, a forged mapping) are ignored, counted, and change nothing;
#    one to WireGuard's port while no conntrack entry holds the tuple is
#    dropped (it would make every run fail for 30 s);
#  - a's underlay address moves (and back): discovery binds the new one;
#  - encrypted links through the NATs (policy auto): p reaches a's
#    WireGuard device at natA's address and port (a's NAT keeps ports,
#    both keep the mapping open every 25 s) and b's from b's own first
#    packet (natB changes ports: p's device learns where); RR from a
#    client on p over x0 on a and x1 on b, payload cmp;
#  - relay links (LINKS.md §4 "Relay"): p runs `--relay on`, so a (EIM)
#    and b (symmetric) are kind relay via p at both ends: each one's
#    WireGuard device for the other sends to p at p's wg_port + 4096 +
#    the other's slot, keepalive 25 s; RR from a client on a over y0 and
#    y1 on b, payload cmp; p's relay forwarded them, and dropped one
#    datagram forged from a host it does not serve;
#  - three kinds RR: a2 beside a on natA's lan (direct), p (encrypted), b
#    (relay), from a client on a: 2 / 2 / 2, payloads cmp;
#  - a TCP stream from a to b through the relay keeps its bytes (cmp)
#    while natB turns plain masquerade (b eim, its port not kept: relay
#    by rule 7) and back (symmetric: relay by rule 6), on the same devices;
#  - a cluster without --stun-port: no discovery, no nat members.
#
#   netns wire: bridge ul0 (the "internet", 10.99.0.0/24)
#     |               |                 |                        |
#   ctl .100        p .1            natA .11 (wan ul0)       natB .12 (wan ul0)
#   semnet-root     semnetd --relay masquerade               masquerade fully-random
#   semnet-cluster                   | lan 192.168.1.1         | lan 192.168.2.1
#   (--stun-port 3478), mosquitto    a 192.168.1.2             b 192.168.2.2
#                                    semnetd                   semnetd
# vm-timeout: 900
# vm-cost: 400
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
tap_need jq curl python3 mosquitto mosquitto_sub nft

STUN=3478
SD_CLUSTER_ARGS=(--stun-port "$STUN")

# registry: the retained node registry, as the nodes receive it
registry() {
	ip netns exec ctl mosquitto_sub -h 127.0.0.1 -p "$SD_MQTT_PORT" -C 1 -W 5 -t semnet/nodes
}
# nat_of NODE: "NAT PUBLIC_ADDR PORT_PRESERVED" of NODE's link in the registry
nat_of() {
	registry | jq -r ".nodes[] | select(.node_id == \"$1\") | .link |
		\"\(.nat) \(.public_addr) \(.port_preserved)\""
}
# disc NODE FILTER: FILTER of NODE's /status discovery
disc() { sd_status "$1" ".discovery | $2"; }

# lan_node ROUTER NODE ADDR: NODE on ROUTER's lan bridge at ADDR/24, its
# default route via the router
lan_node() {
	topo_netns "$2" &&
	ip -n "$1" link add "l-$2" type veth peer name ul0 netns "$2" &&
	ip -n "$1" link set "l-$2" master lan up &&
	ip -n "$2" addr add "$3/24" dev ul0 && ip -n "$2" link set ul0 up &&
	ip -n "$2" route add default via "${3%.*}.1"
}

# nat_site ROUTER WAN NODE LAN_PREFIX MASQ: ROUTER on the wire at WAN,
# its lan bridge LAN_PREFIX.1/24 with NODE at LAN_PREFIX.2, and nft's
# masquerade MASQ ("" or "fully-random") out of ul0
nat_site() {
	local router=$1 wan=$2 node=$3 lan=$4 masq=$5
	sd_wire "$router" "$wan" &&
	ip -n "$router" link add lan type bridge &&
	ip -n "$router" addr add "$lan.1/24" dev lan && ip -n "$router" link set lan up &&
	lan_node "$router" "$node" "$lan.2" &&
	ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$router" nft -f - <<-NFT
	table ip nat {
		chain post { type nat hook postrouting priority srcnat; policy accept;
			oifname "ul0" masquerade $masq; }
	}
	NFT
}

test_start() {
	local n
	sd_control	# not in tap_run's subshell: SD_CLUSTER_PID is kept
	tap_eq "control plane: root, cluster (--stun-port $STUN), broker" "$?" 0
	SD_UL=([p]=10.99.0.1 [a]=192.168.1.2 [b]=192.168.2.2)
	sd_wire p 10.99.0.1 || tap_fail "node p on the wire"
	nat_site natA 10.99.0.11 a 192.168.1 "" || tap_fail "site A behind natA"
	nat_site natB 10.99.0.12 b 192.168.2 fully-random || tap_fail "site B behind natB"
	tap_run "a reaches the cluster through natA" ip netns exec a ping -c1 -W5 "$SD_CTL"
	# p and a ask every 5 s (test_forged and test_nat_change wait for
	# their runs), b every 60 s
	sd_launch p --discovery-interval-ms 5000 --relay on || tap_fail "semnetd on p"
	sd_launch a --discovery-interval-ms 5000 || tap_fail "semnetd on a"
	sd_launch b || tap_fail "semnetd on b"
	for n in p a b; do
		wait_for_file "$SD_READY_WAIT" "$SD_WORK/$n.ready" || tap_fail "semnetd on $n serves"
	done
	tap_run "nodes p, a, b register and set up" sd_register p a b
}

# discovered: every node's link in the registry carries a nat
discovered() {
	[ "$(registry | jq '[.nodes[] | select(.link.nat)] | length')" = 3 ]
}

test_classified() {
	local r
	tap_eq "the registry names the discovery port" "$(registry | jq -c .links)" \
		"{\"policy\":\"gre-udp\",\"stun_port\":$STUN}"
	tap_wait "every node reports its NAT in the registry" 30 discovered
	tap_eq "p: public, its own address, port kept" "$(nat_of p)" "none 10.99.0.1 true"
	tap_eq "a: EIM behind natA, natA's wan address, port kept" "$(nat_of a)" \
		"eim 10.99.0.11 true"
	tap_eq "b: symmetric behind natB, natB's wan address, port not kept" "$(nat_of b)" \
		"symmetric 10.99.0.12 false"
	tap_eq "/status on p: mapped endpoints" "$(disc p '.mapped | join(" ")')" \
		"10.99.0.1:51820 10.99.0.1:51820"
	tap_eq "/status on a: mapped endpoints" "$(disc a '.mapped | join(" ")')" \
		"10.99.0.11:51820 10.99.0.11:51820"
	r=$(disc b '.mapped | join(" ")')
	tap_match "/status on b: two mappings of natB's address" "$r" \
		'^10\.99\.0\.12:[0-9]+ 10\.99\.0\.12:[0-9]+$'
	tap_run "/status on b: with two ports" test "${r% *}" != "${r#* }"
	tap_eq "/status on a: nat, public_addr, port_preserved, local, error" \
		"$(disc a '"\(.nat) \(.public_addr) \(.port_preserved) \(.local) \(.error)"')" \
		"eim 10.99.0.11 true 192.168.1.2:51820 null"
	# A request unanswered after 0.25 s (slow under TCG) goes again, and
	# its late answer is a repeat: ignored, so that answers stay 2.
	tap_eq "/status on b: one run, 2 answers, a repeat ignored per request sent again, no failure" \
		"$(disc b '"\(.runs) \(.answers) \(.requests - .ignored) \(.failures)"')" "1 2 2 0"
	tap_note "b: $(disc b .requests) requests for its 2 answers"
	tap_match "/metrics on b: the answers counter" \
		"$(curl -s --unix-socket "$SD_WORK/b.sock" http://localhost/metrics |
			grep '^semnetd_discovery_answers_total')" '^semnetd_discovery_answers_total 2$'
	tap_run "the cluster answered at least 6 requests (2 per node)" \
		test "$(sd_ctl_http GET "$SD_CLUSTER/api/net/status" | jq .discovery.answered)" -ge 6
	[ "$TAP_FAILED" = 0 ] || sd_dump p a b
}

# rules NS: the snat rules in NS's whole ruleset, one line each
rules() { ip netns exec "$1" nft list ruleset | grep -E 'snat (ip|ip6) to'; }

test_snat_rule() {
	local port
	port=$(ip netns exec a nft -j list table inet semnet-discovery |
		jq -r '.nftables[] | .rule? // empty | .expr[] | .match? // empty |
			select(.left.payload.field == "sport" and (.right | type) == "number") | .right')
	tap_match "a: discovery's socket port is a port" "$port" '^[0-9]+$'
	tap_eq "a: the one snat rule, in semnetd's table, from its socket to 51820" \
		"$(rules a | sed 's/^[[:space:]]*//')" \
		"ip daddr $SD_CTL udp dport { $STUN, $((STUN + 1)) } udp sport $port snat ip to 192.168.1.2:51820 comment \"semnet-discovery\""
	tap_match "a: it is in table inet semnet-discovery" \
		"$(ip netns exec a nft list table inet semnet-discovery)" 'snat ip to 192\.168\.1\.2:51820'
	tap_eq "a: its socket takes replies only" \
		"$(ip netns exec a nft list chain inet semnet-discovery input | grep -o "udp dport $port ct direction original counter packets [0-9]* bytes [0-9]* drop")" \
		"udp dport $port ct direction original counter packets 0 bytes 0 drop"
	tap_eq "a: nothing from the cluster's ports starts an entry to WireGuard's" \
		"$(ip netns exec a nft list chain inet semnet-discovery input | grep -o "ip saddr $SD_CTL udp sport { $STUN, $((STUN + 1)) } udp dport 51820 ct direction original counter packets [0-9]* bytes [0-9]* drop")" \
		"ip saddr $SD_CTL udp sport { $STUN, $((STUN + 1)) } udp dport 51820 ct direction original counter packets 0 bytes 0 drop"
	tap_eq "p: one snat rule, to 10.99.0.1:51820" "$(rules p | grep -c 'snat ip to 10.99.0.1:51820')" 1
	tap_eq "natA: its masquerade only (no rule of semnetd's)" "$(rules natA | wc -l)" 0
	tap_match "a's log: what discovery found" \
		"$(grep -m1 'discovery: nat' "$SD_LOGS/a.log")" \
		'discovery: nat eim, WireGuard.s port 51820 mapped to 10\.99\.0\.11:51820 \(port preserved\)'
}

# forge NS SRC_PORT DST DPORT JSON: one UDP datagram from NS
forge() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sys.argv[1])))
s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))' "$2" "$3" "$4" "$5"
}

# forge_on_cue NS CUE DST DPORT JSON SRC_PORT...: one UDP datagram from
# each SRC_PORT in NS once a line comes through the FIFO CUE (bound only
# then: a socket bound beside the cluster's takes the requests to it)
forge_on_cue() {
	ip netns exec "$1" python3 -c '
import socket, sys
with open(sys.argv[1]) as cue:
    cue.readline()
for port in sys.argv[5:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", int(port)))
    s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
    s.close()' "${@:2}"
}

FORGED='{"semnet_stun":1,"nonce":"00000000000000000000000000000000","addr":"6.6.6.6","port":1,"via":3479}'
# sock_port NODE: the port of NODE's discovery socket (its rule's sport)
sock_port() {
	ip netns exec "$1" nft -j list table inet semnet-discovery |
		jq -r '.nftables[] | .rule? // empty | .expr[] | .match? // empty |
			select(.left.payload.field == "sport" and (.right | type) == "number") | .right'
}
# dropped NODE: what NODE's answers-only rule dropped
dropped() {
	ip netns exec "$1" nft -j list chain inet semnet-discovery input |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add'
}
# dropped_by NODE TAG: what NODE's input rule "semnet-discovery-TAG" dropped
dropped_by() {
	ip netns exec "$1" nft -j list chain inet semnet-discovery input |
		jq "[.nftables[] | .rule? // empty | select(.comment == \"semnet-discovery-$2\") |
			.expr[] | .counter? // empty | .packets] | add // 0"
}
# after_run NODE: NODE's next run ended, and 1.2 s more passed
after_run() {
	local runs
	runs=$(disc "$1" .runs)
	wait_until 15 runs_at_least "$1" $((runs + 1)) &&
		wait_for_output 5 waiting disc "$1" .state && sleep 1.2
}
# is CMD... -- WANT: CMD prints WANT (evaluated at each call: for tap_wait)
is() {
	local cmd=()
	while [ "$1" != -- ]; do cmd+=("$1"); shift; done
	[ "$("${cmd[@]}")" = "$2" ]
}
rule_count() { rules "$1" | wc -l; }
eim_again() { [[ $(nat_of a) == "eim 10.99.0.11 "* ]]; }
runs_at_least() { [ "$(disc "$1" .runs)" -ge "$2" ]; }
forged_ignored() { [[ $(disc p .last_ignored) == *"an answer to another request (nonce 00000000000000000000000000000000)" ]]; }

test_forged() {
	local port ign req ans runs fail
	port=$(sock_port p)
	ign=$(disc p .ignored)
	# An answer from the cluster's address and port to p's WireGuard
	# port: the conntrack entry of p's last run (at most 5 s old) hands
	# it to discovery's socket, which finds another nonce.
	forge ctl "$((STUN + 1))" 10.99.0.1 51820 "$FORGED"
	tap_wait "p: an answer with another nonce is ignored, and said why" 10 forged_ignored
	tap_run "p: and counted" test "$(disc p .ignored)" -gt "$ign"
	# Straight to the socket's port, from another host on the internet and
	# from the cluster's address: semnetd's rule drops both (the second
	# would make p's next request to that port the reply of a conntrack
	# entry without snat, and p symmetric; without the rule it did).
	sd_wire evil 10.99.0.66 || tap_fail "namespace evil on the wire"
	read -r ign req ans <<<"$(disc p '"\(.ignored) \(.requests) \(.answers)"')"
	forge evil "$STUN" 10.99.0.1 "$port" "$FORGED"
	forge ctl "$((STUN + 1))" 10.99.0.1 "$port" "$FORGED"
	tap_wait "p: both dropped by semnetd's answers-only rule" 10 is dropped p -- 2
	runs=$(disc p .runs)
	tap_wait "p: two more runs" 30 runs_at_least p $((runs + 2))
	tap_wait "p: between runs, nothing but repeats ignored since (ignored - (requests - answers) +0)" 10 \
		is disc p "\"\\(.state) \\(.ignored - $ign - ((.requests - $req) - (.answers - $ans)))\"" -- "waiting 0"
	tap_eq "p: its result unchanged, no run failed" \
		"$(disc p '"\(.nat) \(.public_addr) \(.mapped | join(" ")) \(.failures)"')" \
		"none 10.99.0.1 10.99.0.1:51820 10.99.0.1:51820 0"
	tap_eq "the registry unchanged for p" "$(nat_of p)" "none 10.99.0.1 true"
	# No conntrack entry of p's towards the cluster (between two runs,
	# its entries living 1 s for a moment): a datagram forged from the
	# cluster's ports to p's WireGuard port would start one, which p's
	# next requests, snat'ed to that port (the same tuple), clash with:
	# dropped for the 30 s it lives, every run failing. semnetd's second
	# input rule drops it (an answer is a reply, never an original).
	# (The forger waits for its cue: python starts slowly under TCG, and
	# p's next run comes 4.2 s after the last at the earliest.)
	rm -f "$SD_WORK/cue" && mkfifo "$SD_WORK/cue"
	forge_on_cue ctl "$SD_WORK/cue" 10.99.0.1 51820 "$FORGED" "$STUN" "$((STUN + 1))" &
	ip netns exec p sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=1
	after_run p || tap_fail "p: a run, then its entries gone"
	ip netns exec p sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
	echo go >"$SD_WORK/cue"
	wait $!
	read -r fail runs <<<"$(disc p '"\(.failures) \(.runs)"')"
	tap_wait "p: both forgeries to WireGuard's port dropped by semnetd's rule" 10 \
		is dropped_by p no-forged-entry -- 2
	tap_wait "p: two more runs" 30 runs_at_least p $((runs + 2))
	tap_eq "p: none of them failed (no clash with a forged entry), no error" \
		"$(disc p '"\(.failures) \(.error)"')" "$fail null"
}

# reported_states NODE: how many times what NODE's link says (nat,
# public_addr, port kept) changed, by its log (a result is logged when
# the link or the mapped port changes; the port is not in the link)
reported_states() {
	grep -o 'discovery: nat .*' "$SD_LOGS/$1.log" | sed -E 's/(mapped to [0-9.]+):[0-9]+/\1/' |
		uniq | wc -l
}

# natA MASQ: natA's masquerade becomes "masquerade MASQ"
natA() {
	ip netns exec natA nft "flush chain ip nat post; add rule ip nat post oifname \"ul0\" masquerade $1"
}

# natA turns symmetric and back: a's next runs see it, and the registry
# hears each change once.
test_nat_change() {
	local changes runs
	# Its conntrack entries go 1 s after a's last request (a asks every
	# 5 s), so each run maps anew.
	ip netns exec natA sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=1
	natA fully-random
	tap_wait "natA fully-random: the registry says a is behind a symmetric NAT" 30 \
		is nat_of a -- "symmetric 10.99.0.11 false"
	tap_eq "a: a change sent for each change in its log (the first result, symmetric)" \
		"$(disc a .changes)" "$(reported_states a)"
	tap_match "a's log says so" "$(grep 'discovery: nat symmetric' "$SD_LOGS/a.log" | head -1)" \
		'mapped to 10\.99\.0\.11:[0-9]+"$'
	changes=$(disc a .changes)
	runs=$(disc a .runs)
	tap_wait "a: two more runs" 30 runs_at_least a $((runs + 2))
	tap_eq "a: new ports each run, but nothing new for the registry" "$(disc a .changes)" "$changes"
	natA ""
	# Linux keeps the source port only while no conntrack entry holds
	# natA:51820 towards the cluster port: an answer that came after
	# natA's 1 s entry went makes one (inbound), so right after the
	# change natA was seen to map both requests to another port, and to
	# keep that mapping. eim either way; port_preserved says which.
	tap_wait "natA plain masquerade again: eim" 30 eim_again
	tap_eq "a: port_preserved is whether both mapped ports are 51820" \
		"$(disc a '"\(.port_preserved) \([.mapped[] | endswith(":51820")] | all)"')" \
		"$(disc a '.port_preserved') $(disc a '.port_preserved')"
	tap_note "a: mapped $(disc a '.mapped | join(" ")') after the change"
	# Each change of what the link says is sent once.
	tap_eq "a: a change sent for each change of nat, public_addr or port_preserved in its log" \
		"$(disc a .changes)" "$(reported_states a)"
	tap_note "a: $(disc a .changes) changes sent, $(grep -c 'discovery: nat' "$SD_LOGS/a.log") results logged"
	ip netns exec natA sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
}

# move_a FROM TO: a's underlay address moves (a new lease), its default
# route kept (TO, added beside FROM, is promoted when FROM goes)
move_a() {
	ip netns exec a sysctl -qw net.ipv4.conf.ul0.promote_secondaries=1 &&
	ip -n a addr add "$2/24" dev ul0 && ip -n a addr del "$1/24" dev ul0 &&
	ip -n a route replace default via 192.168.1.1
}
local_is() { [ "$(disc a .local)" = "$1:51820" ]; }
result_after() { [ "$(disc a .at)" -gt "$1" ]; }

# a's underlay address moves to .3 (.2 gone) and back. semnetd found .2
# at start and watches no address, but each discovery run binds the one
# the host has: a new socket and rule from .3, and its runs answered.
test_underlay_moves() {
	local fail t
	move_a 192.168.1.2 192.168.1.3 || tap_fail "a's address moves to 192.168.1.3"
	t=$(date +%s)
	tap_wait "a: discovery's socket on 192.168.1.3" 20 local_is 192.168.1.3
	# (a run under way when the address went may have failed: counted
	# from here)
	fail=$(disc a .failures)
	tap_match "a: its snat rule from there" "$(rules a)" 'snat ip to 192\.168\.1\.3:51820'
	tap_wait "a: a run from there found a result" 20 result_after "$t"
	tap_eq "a: eim behind natA, no run failed, no error" \
		"$(disc a '"\(.nat) \(.public_addr) \(.failures) \(.error)"')" "eim 10.99.0.11 $fail null"
	tap_eq "a's log says it moved" \
		"$(grep -c "discovery: this node's address moved from 192.168.1.2 to 192.168.1.3" "$SD_LOGS/a.log")" 1
	move_a 192.168.1.3 192.168.1.2 || tap_fail "a's address moves back to 192.168.1.2"
	t=$(date +%s)
	tap_wait "a: discovery's socket on 192.168.1.2 again" 20 local_is 192.168.1.2
	fail=$(disc a .failures)
	tap_wait "a: a run from there found a result" 20 result_after "$t"
	tap_eq "a: no run failed since, no error" "$(disc a '"\(.failures) \(.error)"')" "$fail null"
	[ "$TAP_FAILED" = 0 ] || sd_dump a
}

test_stop_removes_rule() {
	local mapped
	mapped=$(disc a '.mapped | join(" ")')
	sd_stop a
	tap_eq "a: semnetd gone, table inet semnet-discovery gone" \
		"$(ip netns exec a nft list tables | grep -c semnet-discovery)" 0
	tap_eq "a: no snat rule left" "$(rules a | wc -l)" 0
	sd_start a
	tap_eq "semnetd restarts on a" "$?" 0
	tap_wait "a's rule is back" 20 is rule_count a -- 1
	tap_wait "a: discovery ran again" 20 is disc a .answers -- 2
	tap_eq "a: one change sent (the first result)" "$(disc a .changes)" 1
	# Its socket's port is kept: a new one's requests would clash in a's
	# conntrack with the entry the run before left (alive 30 s) and be
	# dropped, 5 tries, a failed run. natA's own mapping may have changed
	# meanwhile (its entries had 1 s left from test_nat_change).
	tap_eq "a: eim again at the first run, none failed (no conntrack clash)" \
		"$(disc a '"\(.nat) \(.runs) \(.failures)"')" "eim 1 0"
	tap_note "a: mapped $(disc a '.mapped | join(" ")'), before the restart $mapped"
}

# no_nat: no node's link carries a nat, and no node has the table
no_nat() {
	local n
	[ "$(registry | jq '[.nodes[] | select(.link.nat or .link.public_addr or .link.port_preserved != null)] | length')" = 0 ] ||
		return 1
	for n in p a a2 b; do
		! ip netns exec "$n" nft list tables | grep -q semnet-discovery || return 1
	done
}

PEER=$SEMNET_TOP/tests/lib/netpeer.py
WEB=app.ns.web.prod
CLI=cli.ns.c.prod

# wg_of NODE OTHER FILTER: FILTER of NODE's /status wg entry for OTHER's
# IPv4 subnet peer
wg_of() {
	sd_status "$1" ".tables.peers[] | select(.subnet == \"${SUB[$2]}\") | $3"
}
encrypted_pairs() {
	[ "$(wg_of p a .encap)" = direct ] && [ "$(wg_of a p .encap)" = direct ] &&
	[ "$(wg_of p b .encap)" = direct ] && [ "$(wg_of b p .encap)" = direct ]
}
handshakes() {
	[ "$(wg_of p a .wg.handshake_age_s)" != null ] &&
	[ "$(wg_of p b .wg.handshake_age_s)" != null ]
}
# echo_cmp TO [NS]: a random payload through TO (socat address) echoed
# from NS (default cli), cmp
echo_cmp() {
	head -c 200000 /dev/urandom >"$SD_WORK/payload"
	ip netns exec "${2:-cli}" socat -t 10 -T 30 "$1" - <"$SD_WORK/payload" >"$SD_WORK/echoed" &&
	cmp "$SD_WORK/payload" "$SD_WORK/echoed"
}

test_encrypted_through_nat() {
	local n i names want
	declare -gA SUB
	kill "$SD_CLUSTER_PID" && wait "$SD_CLUSTER_PID"
	SD_CLUSTER_ARGS=(--stun-port "$STUN" --links-policy auto)
	sd_cluster_start
	tap_eq "the cluster restarts with --links-policy auto" "$?" 0
	for n in p a b; do
		SUB[$n]=$(registry | jq -r ".nodes[] | select(.node_id == \"$n\") | .subnet")
	done
	tap_wait "p-a and p-b are encrypted (a WireGuard device each way)" 30 encrypted_pairs
	# natA keeps ports unless test_nat_change left a mapping elsewhere
	# (a's registry entry says which): then p learns a's endpoint too.
	if [ "$(nat_of a)" = "eim 10.99.0.11 true" ]; then
		want="10.99.0.11:$(wg_of a p .wg.listen_port)"
	else
		want=learned
	fi
	tap_eq "p's endpoint for a: natA's address when it keeps ports, else learned ($(nat_of a))" \
		"$(wg_of p a .wg.endpoint)" "$want"
	tap_eq "p's endpoint for b: learned (natB changes ports)" "$(wg_of p b .wg.endpoint)" learned
	tap_wait "p has handshaken with a and b" 30 handshakes
	RR=$(sd_service job1 app ns web prod 2)
	sd_service job2 cli ns c prod 1 >/dev/null
	tap_match "web deployed" "$RR" '^172\.30\.'
	for n in x0 x1 cli; do sd_container "$n" >/dev/null; done
	tap_match "instance 0 on a (behind natA)" "$(sd_deploy a x0 "$WEB" 0)" '^200 '
	tap_match "instance 1 on b (behind natB)" "$(sd_deploy b x1 "$WEB" 1)" '^200 '
	tap_match "the client on p" "$(sd_deploy p cli "$CLI" 0)" '^200 '
	for i in 0 1; do
		ip netns exec "x$i" socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo x$i" 2>/dev/null &
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
	done
	for i in 0 1; do
		wait_port "x$i" 80 && wait_port "x$i" 7 || tap_fail "servers in x$i listen"
	done
	tap_run "p learns the client's InstanceIP" sd_wait_instance_ip p "$CLI" 0
	names=$(ask 4)
	tap_eq "RR from p over a and b, through both NATs: 2 / 2" \
		"$(grep -c '^x0$' <<<"$names") $(grep -c '^x1$' <<<"$names")" "2 2"
	tap_run "payload echoed through natA or natB, cmp (1)" echo_cmp "TCP:$RR:7"
	tap_run "payload echoed, cmp (2)" echo_cmp "TCP:$RR:7"
	tap_eq "p's kernel peers for a and b are bound to their WireGuard devices" \
		"$(jq_in p ".[] | select(.subnet == \"${SUB[a]}\") | .dev" peer show) $(jq_in p ".[] | select(.subnet == \"${SUB[b]}\") | .dev" peer show)" \
		"$(wg_of p a .wg.dev) $(wg_of p b .wg.dev)"
	[ "$TAP_FAILED" = 0 ] || sd_dump p a b
}

# relay_status FILTER: FILTER of p's /status relay
relay_status() { sd_status p ".relay | $1"; }
# slot NODE: NODE's slot, by the port p's device for it listens on
slot() { echo $(($(wg_of p "$1" .wg.listen_port) - 51820)); }
RELAY_BASE=$((51820 + 4096))
relay_pairs() {
	[ "$(wg_of a b .kind) $(wg_of b a .kind)" = "relay relay" ] &&
	[ "$(wg_of a b .wg.endpoint)" = "10.99.0.1:$((RELAY_BASE + $(slot b)))" ] &&
	[ "$(wg_of b a .wg.endpoint)" = "10.99.0.1:$((RELAY_BASE + $(slot a)))" ]
}
relay_handshake() {
	[ "$(wg_of a b .wg.handshake_age_s)" != null ] && [ "$(wg_of b a .wg.handshake_age_s)" != null ]
}
relay_listens() {
	wait_port p "$((RELAY_BASE + $(slot a)))" udp 1 && wait_port p "$((RELAY_BASE + $(slot b)))" udp 1
}
# ask_in NS ADDR N: N connections from NS to ADDR port 80; who answered
ask_in() {
	local _
	for _ in $(seq "$3"); do
		ip netns exec "$1" socat -T15 -t15 - "TCP:$2:80,connect-timeout=15" </dev/null
		echo
	done
}

test_relay() {
	local names rr fwd unknown why
	tap_wait "a-b is kind relay at both ends, each sending to p at $RELAY_BASE + the other's slot" \
		60 relay_pairs
	why="b behind symmetric NAT, a behind eim NAT: relay via p"
	tap_eq "a and b say the same why" "$(wg_of a b .why)|$(wg_of b a .why)" "$why|$why"
	tap_run "a's log: its device for b set to p's relay port for b" grep -q \
		"snwg$(slot b): WireGuard on port $((51820 + $(slot b))) to 10.99.0.1 port $((RELAY_BASE + $(slot b)))," \
		"$SD_LOGS/a.log"
	tap_eq "p's relay: base $RELAY_BASE, serving a and b, none left out, no error" \
		"$(relay_status '"\(.base) \(.members) \(.left_out) \(.error)"')" "$RELAY_BASE 2 0 null"
	tap_eq "p offers to relay in its link" \
		"$(registry | jq '.nodes[] | select(.node_id == "p") | .link.relay')" true
	tap_run "p listens on the relay ports of a and b" relay_listens
	tap_wait "a and b have handshaken through p" 60 relay_handshake
	rr=$(sd_service job3 rel ns r prod 2)
	RR2=$rr
	sd_service job4 cla ns c prod 1 >/dev/null
	tap_match "rel deployed" "$rr" '^172\.30\.'
	for n in y0 y1 cla; do sd_container "$n" >/dev/null; done
	tap_match "instance 0 on b" "$(sd_deploy b y0 rel.ns.r.prod 0)" '^200 '
	tap_match "instance 1 on b" "$(sd_deploy b y1 rel.ns.r.prod 1)" '^200 '
	tap_match "the client on a" "$(sd_deploy a cla cla.ns.c.prod 0)" '^200 '
	for n in y0 y1; do
		ip netns exec "$n" socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo $n" 2>/dev/null &
		ip netns exec "$n" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
	done
	for n in y0 y1; do
		wait_port "$n" 80 && wait_port "$n" 7 || tap_fail "servers in $n listen"
	done
	fwd=$(relay_status .forwarded)
	tap_run "a learns the client's InstanceIP" sd_wait_instance_ip a cla.ns.c.prod 0
	names=$(ask_in cla "$rr" 4)
	tap_eq "RR from a over y0 and y1 on b, through the relay: 2 / 2" \
		"$(grep -c '^y0$' <<<"$names") $(grep -c '^y1$' <<<"$names")" "2 2"
	tap_run "payload from a echoed on b through the relay, cmp" echo_cmp "TCP:$rr:7" cla
	tap_run "p's relay forwarded them (forwarded and bytes grew by more than the payload)" \
		test "$(relay_status .forwarded)" -gt "$fwd" -a "$(relay_status .forwarded_bytes)" -gt 400000
	tap_eq "a's kernel peer for b is bound to its WireGuard device" \
		"$(jq_in a ".[] | select(.subnet == \"${SUB[b]}\") | .dev" peer show)" "$(wg_of a b .wg.dev)"
	tap_match "/metrics on p: the relay's forwarded counter" \
		"$(curl -s --unix-socket "$SD_WORK/p.sock" http://localhost/metrics |
			grep '^semnetd_relay_forwarded_total')" '^semnetd_relay_forwarded_total [1-9][0-9]*$'
	# A datagram to b's relay port from a host p does not serve: dropped.
	unknown=$(relay_status .unknown_source)
	forge evil 4444 10.99.0.1 "$((RELAY_BASE + $(slot b)))" "not a member"
	tap_wait "p: a stranger's datagram is dropped and counted (unknown_source +1)" 10 \
		is relay_status .unknown_source -- $((unknown + 1))
	[ "$TAP_FAILED" = 0 ] || sd_dump p a b
}

three_kinds() {
	[ "$(wg_of a a2 .kind) $(wg_of a p .kind) $(wg_of a b .kind)" = "direct encrypted relay" ] &&
	[ "$(wg_of a a2 .encap) $(wg_of a p .encap) $(wg_of a b .encap)" = "direct direct direct" ] &&
	[ "$(wg_of a2 a .kind) $(wg_of b a .kind)" = "direct relay" ] &&
	[ "$(wg_of a b .wg.endpoint)" = "10.99.0.1:$((RELAY_BASE + $(slot b)))" ]
}
a2_relayed() {
	[ "$(wg_of a2 b .kind) $(wg_of b a2 .kind)" = "relay relay" ] &&
	[ "$(wg_of a2 b .wg.handshake_age_s)" != null ] && [ "$(wg_of b a2 .wg.handshake_age_s)" != null ]
}

# a2 beside a on natA's lan (same prefix, behind the same NAT: direct,
# sn_link_kind rule 5), with WireGuard ports of its own (52820 on), by
# which p's relay tells a2's packets from a's (one public address).
# A client on a reaches a service RR over z0 on a2 (direct), z1 on p
# (encrypted) and z2 on b (relay): 6 requests, 2 each, and each of three
# payloads echoed cmp.
test_three_kinds() {
	local names rr n i
	SD_UL[a2]=192.168.1.3
	lan_node natA a2 192.168.1.3 || tap_fail "a2 on natA's lan"
	sd_start a2 --wg-port 52820 --discovery-interval-ms 5000
	tap_eq "semnetd on a2 (WireGuard ports from 52820)" "$?" 0
	tap_run "a2 registers and sets up" sd_register a2
	SUB[a2]=$(registry | jq -r '.nodes[] | select(.node_id == "a2") | .subnet')
	tap_wait "a2: EIM behind natA, port kept" 30 is nat_of a2 -- "eim 10.99.0.11 true"
	tap_wait "from a: a2 direct, p encrypted, b relay (each end agreeing)" 60 three_kinds
	tap_eq "a's why for a2" "$(wg_of a a2 .why)" \
		"same underlay 192.168.1.0/24 behind one NAT 10.99.0.11"
	tap_eq "p's relay serves a, a2 and b (a and a2 at one address, told apart by port)" \
		"$(relay_status '"\(.members) \(.left_out) \(.error)"')" "3 0 null"
	tap_wait "a2 and b have handshaken through p too" 60 a2_relayed
	rr=$(sd_service job5 tri ns t prod 3)
	tap_match "tri deployed" "$rr" '^172\.30\.'
	n=0
	for i in a2 p b; do
		sd_container "z$n" >/dev/null
		tap_match "instance $n on $i" "$(sd_deploy "$i" "z$n" tri.ns.t.prod "$n")" '^200 '
		ip netns exec "z$n" socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo z$n" 2>/dev/null &
		ip netns exec "z$n" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
		n=$((n + 1))
	done
	for n in z0 z1 z2; do
		wait_port "$n" 80 && wait_port "$n" 7 || tap_fail "servers in $n listen"
	done
	names=$(ask_in cla "$rr" 6)
	tap_eq "RR from a over a2 (direct), p (encrypted), b (relay): 2 / 2 / 2" \
		"$(grep -c '^z0$' <<<"$names") $(grep -c '^z1$' <<<"$names") $(grep -c '^z2$' <<<"$names")" \
		"2 2 2"
	for i in 1 2 3; do
		tap_run "payload echoed over the three kinds in turn, cmp ($i)" echo_cmp "TCP:$rr:7" cla
	done
	[ "$TAP_FAILED" = 0 ] || sd_dump p a a2 b
}

# natB MASQ: natB's masquerade becomes "masquerade MASQ"
natB() {
	ip netns exec natB nft "flush chain ip nat post; add rule ip nat post oifname \"ul0\" masquerade $1"
}
# kind_ab KIND: a-b is KIND at both ends, a's endpoint for b the relay's
# for relay
kind_ab() {
	[ "$(wg_of a b .kind) $(wg_of b a .kind)" = "$1 $1" ] || return 1
	[ "$1" != relay ] || [ "$(wg_of a b .wg.endpoint)" = "10.99.0.1:$((RELAY_BASE + $(slot b)))" ]
}
# ifindexes: a's and b's device for each other, by index
ifindexes() {
	echo "$(ip -n a -j link show "$(wg_of a b .wg.dev)" | jq '.[0].ifindex')" \
		"$(ip -n b -j link show "$(wg_of b a .wg.dev)" | jq '.[0].ifindex')"
}

# b_eim: the registry has b behind an endpoint-independent NAT
b_eim() { [[ $(nat_of b) == "eim 10.99.0.12 "* ]]; }
# kind_ab_by_ports: a-b is relay (rule 7) unless both NATs keep ports
# (then encrypted), at both ends
kind_ab_by_ports() {
	if [ "$(nat_of a | cut -d' ' -f3) $(nat_of b | cut -d' ' -f3)" = "true true" ]; then
		kind_ab encrypted
	else
		kind_ab relay && [[ $(wg_of a b .why) == *"keep"*" ports"* ]]
	fi
}

# A stream from a's client to rel (y0 or y1 on b, echoed) while natB
# turns plain masquerade (b eim: still relay, rule 7, while its old
# mappings keep its port elsewhere) and fully-random again (symmetric:
# relay, rule 6). b asks every 5 s from here, and natB forgets an idle
# mapping after 3 s, so each run maps anew. Every byte comes back (cmp),
# socat ends well, and a's and b's devices for each other are the same
# all along. (A switch to a direct path between two NATs that keep ports
# does not hold yet: LINKS.md §3 after rule 7.)
test_relay_switch() {
	local idx rc
	sd_stop b
	sd_start b --discovery-interval-ms 5000
	tap_eq "semnetd restarts on b, asking every 5 s" "$?" 0
	tap_run "b ready" wait_for_output 10 ready sd_status b .state
	ip netns exec natB sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 \
		net.netfilter.nf_conntrack_udp_timeout_stream=3
	tap_wait "a-b relay" 30 kind_ab relay
	idx=$(ifindexes)
	rm -f "$SD_WORK/stream.stop"
	(while [ ! -f "$SD_WORK/stream.stop" ]; do head -c 5000 /dev/urandom; sleep 0.3; done) |
		tee "$SD_WORK/stream.sent" |
		ip netns exec cla socat -t 30 -T 120 - "TCP:$RR2:7" >"$SD_WORK/stream.echoed" 2>"$SD_WORK/stream.err" &
	STREAM=$!
	sleep 3
	natB ""
	tap_wait "natB plain masquerade: b eim" 60 b_eim
	# Linux maps a source to the port its live entries already have (its
	# mapping is endpoint-independent that way): the mappings of natB's
	# fully-random days live on in the entries the stream and the
	# keepalives refresh, so b's port is not kept, and sn_link_kind's
	# rule 7 keeps a-b on the relay (neither end could aim at b's NAT).
	tap_note "b: $(nat_of b); a: $(nat_of a)"
	tap_wait "a-b as rule 7 says: relay while either NAT does not keep ports (both ends)" 60 \
		kind_ab_by_ports
	tap_eq "a and b say the same why" "$(wg_of a b .why)" "$(wg_of b a .why)"
	natB fully-random
	tap_wait "natB fully-random again: b symmetric, a-b relay at both ends" 60 kind_ab relay
	sleep 5
	touch "$SD_WORK/stream.stop"
	wait "$STREAM"
	rc=$?
	tap_eq "the stream's socat ends well" "$rc" 0
	tap_run "the stream kept its bytes across both switches (cmp, $(stat -c %s "$SD_WORK/stream.sent") bytes)" \
		cmp "$SD_WORK/stream.sent" "$SD_WORK/stream.echoed"
	tap_eq "a's and b's devices for each other are the ones before the switches" "$(ifindexes)" "$idx"
	ip netns exec natB sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
	[ "$TAP_FAILED" = 0 ] || { sd_dump p a b; cat "$SD_WORK/stream.err"; }
}

test_no_stun_port() {
	kill "$SD_CLUSTER_PID" && wait "$SD_CLUSTER_PID"
	SD_CLUSTER_ARGS=()
	sd_cluster_start
	tap_eq "the cluster restarts without --stun-port" "$?" 0
	tap_eq "the registry names no discovery port" "$(registry | jq -c .links)" \
		'{"policy":"gre-udp"}'
	tap_wait "no node reports a nat, no node keeps the snat table" 20 no_nat
	tap_eq "/status on b: idle, and why" "$(disc b '"\(.state) \(.nat) \(.error)"')" \
		"idle null the cluster offers none (no links.stun_port)"
	tap_eq "the cluster's status: no discovery" \
		"$(sd_ctl_http GET "$SD_CLUSTER/api/net/status" | jq -c .discovery)" null
}

test_stop() {
	sd_stop p a a2 b
}

tap_cases test_start test_classified test_snat_rule test_forged test_nat_change \
	test_underlay_moves test_stop_removes_rule \
	test_encrypted_through_nat test_relay test_three_kinds test_relay_switch test_no_stun_port \
	test_stop
tap_done
