#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnet0 under hostile tunnel input: the tunnel is not a relay, a learned
# client location stays with the node that speaks for it, a flood of
# learned locations evicts idle ones instead of locking learning out, and
# ECN crosses the tunnel as RFC 6040 says.
#
#   c1 172.16.0.2                                        c2 172.16.0.66
#    | br0 .1                                        br0 .65 |
#   [a] ul0 10.99.0.1 ------ wire (bridge ul0) ------ 10.99.0.2 ul0 [b]
#    | lan0 10.88.0.1                  |
#   lan 10.88.0.2            x 10.99.0.3: no semnet, a's peer for
#   (behind a)                 172.16.0.128/26 (gre-udp) and
#                              172.16.0.192/26 (ipudp); crafts packets,
#                              and spoofs b's address
#
# a serves 172.16.0.0/26 and the service range; b and x send it GRE-in-UDP
# (and ipudp) packets crafted with raw sockets (python3).
#
# Knobs: SEMNET_TUNNEL_FILL (a's flow-max, hence learned entries: 2,048 in
# make check, 8,192 with SEMNET_FULL=1; 65536 for the module's own limit),
# SEMNET_TUNNEL_FLOOD (clients sent once the table is full: 256, 1,024
# with SEMNET_FULL=1), SEMNET_TUNNEL_CASES (the cases to run:
# relay learn ecn flood).
# vm-timeout: 1500
# vm-smp: 1
# vm-cost: 682
# shellcheck disable=SC2016,SC2317 # awk programs in single quotes; the cases run from a list or through tap_run
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"
# shellcheck source=tests/lib/overlay.sh
. "$SEMNET_TOP/tests/lib/overlay.sh"

# A service range large enough to hold SEMNET_LEARN_MAX (64 Ki) unknown
# clients and more (the default /16 holds exactly that many).
SERVICES=172.24.0.0/13
# The learned table holds a's flow-max entries (below SEMNET_LEARN_MAX):
# the flood fills that many, then sends FLOOD_EXTRA more.
LEARN_MAX=${SEMNET_TUNNEL_FILL:-$(adv_size 2048 8192)}
FLOOD_EXTRA=${SEMNET_TUNNEL_FLOOD:-$(adv_size 256 1024)}
HOLD=10			# SEMNET_LEARN_HOLD, seconds
LOGS=$(mktemp -d)
RR=172.30.0.1
CLIENT=172.30.9.9	# a remote client's InstanceIP a does not know

icmp_in_echos() {	# icmp_in_echos NS: echo requests NS's stack took
	ip netns exec "$1" awk '/^Icmp:/ {
		if (!h) { for (i = 2; i <= NF; i++) if ($i == "InEchos") f = i; h = 1 }
		else print $f }' /proc/net/snmp
}

# wait_for CMD...: until CMD succeeds, 20 s at most (a check that spawns
# semnet and jq takes seconds on the debug kernel: bounded by time, not tries).
wait_for() { wait_until 20 "$@"; }
# drop_is NS REASON N: NS has counted N drops for REASON.
drop_is() { [ "$(drop_in "$1" "$2")" = "$3" ]; }
# wait_settled CMD...: until CMD prints the same twice, 1 s apart (60 s).
wait_settled() {
	local last now _
	last=$("$@")
	for _ in $(seq 60); do
		sleep 1
		now=$("$@")
		[ "$now" = "$last" ] && return 0
		last=$now
	done
	return 1
}

setup() {
	overlay_underlay &&
	overlay_node a 10.99.0.1 172.16.0.0/26 172.16.0.1 &&
	overlay_node b 10.99.0.2 172.16.0.64/26 172.16.0.65 &&
	topo_netns x &&
	ip -n wire link add ul-x type veth peer name ul0 netns x &&
	ip -n wire link set ul-x master ul0 up &&
	ip -n x addr add 10.99.0.3/24 dev ul0 &&
	ip -n x link set ul0 up &&
	overlay_peer a 172.16.0.64/26 10.99.0.2 &&
	overlay_peer a 172.16.0.128/26 10.99.0.3 &&
	ip netns exec a semnet peer add 172.16.0.192/26 remote 10.99.0.3 encap ipudp &&
	overlay_peer b 172.16.0.0/26 10.99.0.1 &&
	topo_container a c1 172.16.0.2 26 172.16.0.1 &&
	topo_container b c2 172.16.0.66 26 172.16.0.65 &&
	# lan: a network behind a that the overlay must not reach.
	topo_netns lan &&
	ip -n a link add lan0 type veth peer name eth0 netns lan &&
	ip -n a addr add 10.88.0.1/24 dev lan0 &&
	ip -n a link set lan0 up &&
	ip -n lan addr add 10.88.0.2/24 dev eth0 &&
	ip -n lan link set eth0 up &&
	ip -n lan route add default via 10.88.0.1 &&
	ip netns exec lan nft -f - <<-'EOF' &&
	table ip t {
		chain in {
			type filter hook prerouting priority 0;
			ip saddr 172.16.0.0/12 counter comment "from-overlay"
		}
	}
	EOF
	# A service on b, for the reply paths that must keep working.
	ip netns exec a semnet service add "$RR" name echo.ns.svc.ns &&
	ip netns exec a semnet instance add 172.30.1.1 service echo.ns.svc.ns \
		nsip 172.16.0.66 node 10.99.0.2 &&
	ip netns exec b semnet instance add 172.30.1.1 service echo.ns.svc.ns \
		nsip 172.16.0.66 dev c2 &&
	# A client of a remote instance is an instance itself (its InstanceIP
	# is what the remote node learns and answers).
	ip netns exec a semnet instance add 172.30.1.10 service c1.ns.c.ns \
		nsip 172.16.0.2 dev c1 &&
	# c1 discards what the flood sends it.
	ip netns exec c1 nft -f - <<-'EOF'
	table ip t {
		chain in {
			type filter hook input priority 0;
			udp dport 5556 drop
		}
	}
	EOF
}

# ---------------------------------------------------------------- relay

# A real peer (b) asks a to forward to an address a routes to but does not
# serve: the lan behind it, and a's own underlay address.
test_relay_from_peer() {
	local d0 e0
	d0=$(drop_in a not_ours)
	e0=$(icmp_in_echos a)
	craft b gre 10.99.0.1 172.16.0.66 172.16.0.66 10.88.0.2
	craft b gre 10.99.0.1 172.16.0.66 172.16.0.66 10.99.0.1
	craft b gre 10.99.0.1 172.16.0.66 172.16.0.66 10.88.0.1
	if wait_for drop_is a not_ours $((d0 + 3)); then
		tap_ok "relay: 3 packets from peer b for the lan and a's own addresses dropped as not-ours"
	else
		tap_fail "relay: 3 packets from peer b for the lan and a's own addresses dropped as not-ours" \
			"not-ours: $(drop_in a not_ours), was $d0"
	fi
	sleep 0.5
	tap_eq "relay: nothing from the overlay reached the lan" "$(nft_count lan from-overlay)" 0
	tap_eq "relay: a's stack took no echo request" "$(icmp_in_echos a)" "$e0"
}

# Anyone on the underlay forging b's outer source address.
test_relay_spoofed_outer() {
	local d0
	d0=$(drop_in a not_ours)
	craft x gre 10.99.0.1 172.16.0.66 172.16.0.66 10.88.0.2 spoof=10.99.0.2
	craft x gre 10.99.0.1 172.16.0.66 172.16.0.66 10.88.0.2 udp=53 spoof=10.99.0.2
	if wait_for drop_is a not_ours $((d0 + 2)); then
		tap_ok "relay: GRE packets forging peer b's outer source dropped as not-ours"
	else
		tap_fail "relay: GRE packets forging peer b's outer source dropped as not-ours" \
			"not-ours: $(drop_in a not_ours), was $d0"
	fi
	sleep 0.5
	tap_eq "relay: the forged packets did not reach the lan" "$(nft_count lan from-overlay)" 0
}

# ipudp (no key): the same rule.
test_relay_ipudp() {
	local d0
	d0=$(drop_in a not_ours)
	craft x ipudp 10.99.0.1 172.16.0.194 10.88.0.2
	if wait_for drop_is a not_ours $((d0 + 1)); then
		tap_ok "relay: an ipudp packet for the lan dropped as not-ours"
	else
		tap_fail "relay: an ipudp packet for the lan dropped as not-ours" \
			"not-ours: $(drop_in a not_ours), was $d0"
	fi
}

# What must keep working: replies through the tunnel to a's containers,
# to its gateway (host processes) and through a ServiceIP.
test_reply_paths() {
	local d0
	d0=$(drop_in a not_ours)
	tap_run "reply path: c1 pings c2 through the tunnel" \
		ip netns exec c1 ping -c 2 -i 0.3 -W 2 172.16.0.66
	tap_run "reply path: a's host pings c2 (replies to its gateway)" \
		ip netns exec a ping -c 2 -i 0.3 -W 2 172.16.0.66
	tap_run "reply path: c2 pings c1" ip netns exec c2 ping -c 2 -i 0.3 -W 2 172.16.0.2
	tap_run "reply path: TCP echo through the ServiceIP, 100 KB" \
		ip netns exec c1 "$SEMNET_TOP/tests/lib/netpeer.py" tcp "$RR" 7 100000
	tap_eq "reply path: nothing dropped as not-ours meanwhile" "$(drop_in a not_ours)" "$d0"
}

# ------------------------------------------------------- learned moves

# learned_xdst SPORT: the nsIP a sends c1's new UDP flow from SPORT to
# CLIENT to (the learned location of CLIENT).
learned_xdst() {
	ip netns exec c1 python3 -S -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', $1))
s.sendto(b'where', ('$CLIENT', 7777))"
	jq_in a ".[] | select(.sport == $1 and .dst == \"$CLIENT\") | .xdst" flow show
}

rx_above() { [ "$(peer_rx "$1" "$2")" -gt "$3" ]; }

# keep_speaking NS NSIP SUBNET: peer NS (a's peer for SUBNET) sends a packet
# from CLIENT at its NSIP every second, in the background (its pid in
# $keeper); returns once a has decapsulated the first. (Not through craft:
# $! must be the sender itself; ip netns exec execs it without a fork.)
keep_speaking() {
	local rx0
	rx0=$(peer_rx a "$3")
	ip netns exec "$1" "$CRAFT" gre 10.99.0.1 "$2" "$CLIENT" \
		172.16.0.2 udp=5556 for=600 &
	keeper=$!
	wait_for rx_above a "$3" "$rx0"
}

test_learn_moves() {
	local s0 keeper
	# b speaks for its client every second while x claims it: on a slow
	# guest the checks take longer than the learned entry's idle hold,
	# after which x could take it over rightly.
	keep_speaking b 172.16.0.66 172.16.0.64/26
	tap_eq "learn: a client of b's learned at b's nsIP" "$(learned_xdst 30002)" 172.16.0.66

	s0=$(drop_in a peer_spoofed)
	craft x gre 10.99.0.1 172.16.0.130 "$CLIENT" 172.16.0.2 udp=5556
	if wait_for drop_is a peer_spoofed $((s0 + 1)); then
		tap_ok "learn: peer x claiming b's active client is dropped as spoofed"
	else
		tap_fail "learn: peer x claiming b's active client is dropped as spoofed" \
			"peer-spoofed: $(drop_in a peer_spoofed), was $s0"
	fi
	tap_eq "learn: the client stays at b's nsIP" "$(learned_xdst 30003)" 172.16.0.66
	kill "$keeper"
	wait "$keeper" 2>/dev/null

	craft b gre 10.99.0.1 172.16.0.67 "$CLIENT" 172.16.0.2 udp=5556
	sleep 0.3
	tap_eq "learn: b moves its client to another of its nsIPs" \
		"$(learned_xdst 30004)" 172.16.0.67

	# b's node goes down (semnetd's probes): its clients may move. x
	# then speaks for the client every second.
	ip netns exec a semnet peer set via 10.99.0.2 down
	s0=$(drop_in a peer_spoofed)
	keep_speaking x 172.16.0.130 172.16.0.128/26
	tap_eq "learn: with b down, x takes the client over" "$(learned_xdst 30005)" 172.16.0.130
	ip netns exec a semnet peer set via 10.99.0.2 up

	craft b gre 10.99.0.1 172.16.0.66 "$CLIENT" 172.16.0.2 udp=5556
	wait_for drop_is a peer_spoofed $((s0 + 1))
	tap_eq "learn: b back up cannot take it back while x speaks for it" \
		"$(learned_xdst 30006)" 172.16.0.130
	kill "$keeper"
	wait "$keeper" 2>/dev/null

	tap_note "learn: waiting ${HOLD}s for the client to go idle"
	sleep $((HOLD + 1))
	craft b gre 10.99.0.1 172.16.0.66 "$CLIENT" 172.16.0.2 udp=5556
	sleep 0.3
	tap_eq "learn: an idle client is b's again" "$(learned_xdst 30007)" 172.16.0.66

	# The instance table is authoritative: installed at x's nsIP, x's
	# packets move it even while b speaks for it.
	ip netns exec a semnet service add 172.30.0.9 name cl.ns.svc.ns
	ip netns exec a semnet instance add "$CLIENT" service cl.ns.svc.ns \
		nsip 172.16.0.130 node 10.99.0.3
	s0=$(drop_in a peer_spoofed)
	craft x gre 10.99.0.1 172.16.0.130 "$CLIENT" 172.16.0.2 udp=5556
	sleep 0.3
	tap_eq "learn: the instance table's location is taken at once" \
		"$(drop_in a peer_spoofed)" "$s0"
	ip netns exec a semnet instance del "$CLIENT"
	ip netns exec a semnet service del 172.30.0.9
}

# ---------------------------------------------------------------- flood

# As many clients of b's as a's table holds, then more once they are idle: the
# newest are learned (c1's packet to the last goes to b, not to a table
# miss), where a full table used to refuse them until entries expired.
# The flood is an IP protocol the hooks do not parse, dropped by a's
# nftables right after decapsulation (learning happens before): the
# cost is the tunnel's own.
test_learn_flood() {
	local n=$LEARN_MAX rx0 rx t0 t1 m0 tx0 last
	sysctl -qw net.core.netdev_max_backlog=100000
	ip netns exec a semnet node change flow-max "$n"
	ip netns exec a nft -f - <<-'EOF'
	table ip flood {
		chain pre {
			type filter hook prerouting priority -300;
			iifname "semnet0" meta l4proto 253 counter drop
		}
	}
	EOF
	rx0=$(peer_rx a 172.16.0.64/26)
	t0=$(date +%s.%N)
	craft b gre 10.99.0.1 172.16.0.66 172.25.0.0 172.16.0.2 proto=253 \
		count="$n" pace=256
	t1=$(date +%s.%N)
	wait_settled peer_rx a 172.16.0.64/26
	rx=$(($(peer_rx a 172.16.0.64/26) - rx0))
	tap_note "flood: a decapsulated $rx of $n clients' packets, sent in $(elapsed "$t0" "$t1") s"
	tap_run "flood: at most 1% of the flood lost on the way" test $((rx * 100)) -ge $((n * 99))

	tap_note "flood: waiting ${HOLD}s for the flooded entries to go idle"
	sleep $((HOLD + 1))
	# SEMNET_LEARN_MAX entries now: more must evict, not be refused.
	rx0=$(peer_rx a 172.16.0.64/26)
	craft b gre 10.99.0.1 172.16.0.66 172.27.0.0 172.16.0.2 proto=253 \
		count="$FLOOD_EXTRA" pace=256
	wait_settled peer_rx a 172.16.0.64/26
	tap_note "flood: $(($(peer_rx a 172.16.0.64/26) - rx0)) of $FLOOD_EXTRA more decapsulated"
	last=$(python3 -S -c "import ipaddress; print(ipaddress.ip_address('172.27.0.0') + $FLOOD_EXTRA - 1)")
	m0=$(stat_in a misses)
	tx0=$(peer_tx a 172.16.0.64/26)
	ip netns exec c1 python3 -S -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$last', 7777))"
	sleep 0.5
	tap_eq "flood: the newest client over the limit was learned (no miss)" \
		"$(stat_in a misses)" "$m0"
	tap_run "flood: a sends to it through b" test "$(peer_tx a 172.16.0.64/26)" -gt "$tx0"
	tap_eq "flood: nothing dropped for memory" "$(drop_in a nomem)" 0
	ip netns exec a nft delete table ip flood
}

# ------------------------------------------------------------------ ECN

# ecn_send TOS [MARK [DROP]]: c1 sends c2 one datagram with TOS; with
# MARK, b sets CE on the outer header first. Prints the TOS c2 got, or
# "none". DROP: the datagram is to be dropped: c2 stops listening once b
# has counted it as bad-encap (not after the receiver's 20 s).
ecn_send() {
	local out rx d0
	if [ "${2:-}" = mark ]; then
		ip netns exec b nft add rule ip em pre udp dport 4754 ip ecn set ce \
			comment '"mark"'
	fi
	craft c2 recv-tos 6000 1 20 >"$LOGS/tos" &
	rx=$!
	wait_for grep -q ready "$LOGS/tos"
	[ -z "${3:-}" ] || d0=$(drop_in b bad_encap)
	craft c1 send-tos 172.16.0.66 6000 "$1"
	if [ -n "${3:-}" ] && wait_for drop_is b bad_encap $((d0 + 1)); then
		# The receiver (python, under the job's subshell) lets port 6000
		# go before the next call binds it.
		pkill -P "$rx" 2>/dev/null
		kill "$rx" 2>/dev/null
	fi
	wait "$rx"
	out=$(sed -n 2p "$LOGS/tos")
	if [ "${2:-}" = mark ]; then
		ip netns exec b nft flush chain ip em pre
		ip netns exec b nft add rule ip em pre udp dport 4754 ip ecn ce \
			counter comment '"outer-ce"'
	fi
	echo "${out:-none}"
}

test_ecn() {
	local d0
	ip netns exec b nft -f - <<-'EOF'
	table ip em {
		chain pre {
			type filter hook prerouting priority -300;
			udp dport 4754 ip ecn ce counter comment "outer-ce"
		}
	}
	EOF
	tap_eq "ECN: ECT(0) crosses the tunnel unchanged" "$(ecn_send 2)" 2
	tap_eq "ECN: CE from the sender arrives CE" "$(ecn_send 3)" 3
	tap_eq "ECN: encapsulation copies CE to the outer header" \
		"$(nft_count b outer-ce)" 1
	tap_eq "ECN: outer CE on an ECT(0) packet arrives as CE" "$(ecn_send 2 mark)" 3
	tap_eq "ECN: outer CE on an ECT(1) packet arrives as CE" "$(ecn_send 1 mark)" 3
	d0=$(drop_in b bad_encap)
	tap_eq "ECN: outer CE on a not-ECT packet is dropped" "$(ecn_send 0 mark drop)" none
	tap_eq "ECN: ... and counted (bad-encap)" "$(drop_in b bad_encap)" $((d0 + 1))
	tap_eq "ECN: not-ECT unmarked passes" "$(ecn_send 0)" 0
}

tap_run "topology: nodes a and b, peer x, a lan behind a" setup
ip netns exec c2 socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
wait_port c2 7 tcp 30 || tap_fail "echo server in c2 listens"

cases=" ${SEMNET_TUNNEL_CASES:-relay learn ecn flood} "
if [[ $cases == *" relay "* ]]; then
	test_relay_from_peer
	test_relay_spoofed_outer
	test_relay_ipudp
	test_reply_paths
fi
[[ $cases == *" learn "* ]] && test_learn_moves
[[ $cases == *" ecn "* ]] && test_ecn
[[ $cases == *" flood "* ]] && test_learn_flood
tap_note "a's drops: $(ip netns exec a semnet -j stats | jq -c '.drops | with_entries(select(.value > 0))')"
tap_done
